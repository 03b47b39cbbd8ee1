"""Mapping profiles: the shipped COMPACT-style example, each way of mapping, and bad profiles."""

from pathlib import Path

import pandas as pd
import pytest

from misper.incidents.load import IncidentFileError, import_file, load_incidents
from misper.incidents.profiles import ProfileError, load_profile

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "compact-export.csv"


@pytest.fixture(scope="module")
def compact():
    return load_incidents(EXAMPLE, profile="compact")


def test_compact_example_gives_a_valid_canonical_file(compact, tmp_path):
    frame = compact.frame
    assert len(frame) == 12 and frame.pid.nunique() == 9
    out = tmp_path / "canonical.parquet"
    import_file(EXAMPLE, out, profile="compact")
    pd.testing.assert_frame_equal(load_incidents(out).frame, frame)  # output reloads unchanged


def test_split_date_and_time_columns_with_uk_dates(compact):
    first = compact.frame.iloc[0]
    assert first.reported_at == pd.Timestamp("2022-01-07 22:40")
    assert first.found_at == pd.Timestamp("2022-01-08 01:15")
    assert pd.isna(compact.frame.found_at.iloc[11])  # still missing at export


def test_values_recoded_and_booleans_spelled_y_n(compact):
    frame = compact.frame
    assert frame.missing_from_type.iloc[0] == "care_home"
    assert frame.in_care.iloc[2] == "accommodated"
    assert frame.found_by.iloc[0] == "self" and frame.found_how.iloc[1] == "police_targeted"
    flag = frame.out_of_area_placement.iloc[6]  # numpy's True in a "boolean" column
    assert flag is not pd.NA and bool(flag)
    assert frame.record_type.tolist().count("missing_report") == 10


def test_flag_columns_and_numbered_columns_make_lists(compact):
    frame = compact.frame
    assert list(frame.risk_flags.iloc[2]) == ["gang", "criminal", "county_lines"]
    assert list(frame.risk_flags.iloc[3]) == []  # every flag answered N: none listed
    assert list(frame.reason_codes.iloc[0]) == ["friends_partner", "curfew"]
    assert list(frame.markers.iloc[6]) == ["weapons", "drugs"]
    assert list(frame.linked_rids.iloc[1]) == ["MP/22/0003"]


def test_cp1252_text_and_postcodes_cut(compact):
    assert "café" in compact.frame.circumstances_text.iloc[0]
    assert compact.frame.missing_from_postcode_sector.iloc[0] == "HP4 1"
    assert compact.quality["postcodes_cut"] > 0


def test_unused_source_columns_are_kept(compact):
    assert "Officer Collar No" in compact.frame.columns


def test_unknown_source_value_names_the_row(tmp_path):
    text = EXAMPLE.read_text(encoding="cp1252").replace("Home/Neighbourhood", "Garden Shed", 1)
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="cp1252")
    with pytest.raises(IncidentFileError) as info:
        load_incidents(path, profile="compact")
    assert "row 6, column missing_from_type: 'Garden Shed': not an allowed value" in str(info.value)


def test_profile_naming_an_absent_source_column(tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text("name: x\ncolumns:\n  rid: Ref\n  pid: Person\n")
    csv = tmp_path / "in.csv"
    csv.write_text("Ref,reported_at,age,missing_from_type\nA,2022-01-01T10:00,12,home\n")
    with pytest.raises(IncidentFileError) as info:
        load_incidents(csv, profile=profile)
    assert "maps 'pid' from column 'Person', which is not in the file" in str(info.value)


@pytest.mark.parametrize(
    "body, message",
    [
        ("name: x\ncolumns:\n  colour: Colour\n", "columns.colour"),
        ('name: x\ncolumns:\n  age: {from: Age, value: "3"}\n', "exactly one of"),
        ("name: x\ncolumns:\n  age: {from: [A, B]}\n", "only make a list column"),
        ("columns: {}\n", "name"),
        ("name: x\ncolumns: {}\nsurprise: 1\n", "surprise"),
        ("- a\n- b\n", "expected a mapping"),
    ],
)
def test_bad_profiles_are_refused_with_the_field(tmp_path, body, message):
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_missing_profile_file(tmp_path):
    with pytest.raises(ProfileError, match="no such file"):
        load_profile(tmp_path / "nope.yaml")
