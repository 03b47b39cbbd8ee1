"""Loading canonical files: types, kept extras, derived distance, and every kind of refusal."""

import pandas as pd
import pytest

from misper.incidents.frame import write_incidents
from misper.incidents.load import IncidentFileError, import_file, load_incidents

HEADER = "rid,pid,reported_at,age,missing_from_type,found_at"
GOOD_ROWS = [
    "R1,P1,2022-03-05T22:41,15,home,2022-03-06T01:00",
    "R2,P1,2022-03-07T22:00,15,care_home,",
    "R3,P2,2022-04-01T10:15,9,education,2022-04-01T12:00",
]


def refused(path, **kwargs) -> IncidentFileError:
    with pytest.raises(IncidentFileError) as info:
        load_incidents(path, **kwargs)
    return info.value


def test_good_file_loads_with_canonical_types(write_csv):
    frame = load_incidents(write_csv([HEADER, *GOOD_ROWS])).frame
    assert list(frame.rid) == ["R1", "R2", "R3"]
    assert frame.reported_at.iloc[0] == pd.Timestamp("2022-03-05 22:41")
    assert pd.isna(frame.found_at.iloc[1])
    assert frame.age.dtype == "Int64" and frame.age.tolist() == [15, 15, 9]
    assert list(frame.missing_from_type.cat.categories)[:2] == ["home", "care_home"]
    assert frame.record_type.eq("missing_report").all()  # the schema's default


def test_extra_columns_are_kept(write_csv):
    result = load_incidents(write_csv([HEADER + ",officer", *(r + ",A1" for r in GOOD_ROWS)]))
    assert result.frame["officer"].tolist() == ["A1"] * 3
    assert any("officer" in w for w in result.warnings)


def test_timezone_suffix_is_converted_to_london(write_csv):
    path = write_csv([HEADER, "R1,P1,2022-07-01T21:00Z,15,home,2022-07-01T23:30+01:00"])
    frame = load_incidents(path).frame
    assert frame.reported_at.iloc[0] == pd.Timestamp("2022-07-01 22:00")  # BST = UTC+1
    assert frame.found_at.iloc[0] == pd.Timestamp("2022-07-01 23:30")


def test_lists_split_on_semicolons_and_keep_empty_apart_from_unknown(write_csv):
    path = write_csv(
        [
            HEADER + ",risk_flags",
            GOOD_ROWS[0] + ",gang; CSE",
            GOOD_ROWS[1] + ",;",
            GOOD_ROWS[2] + ",",
        ]
    )
    flags = load_incidents(path).frame.risk_flags
    assert list(flags.iloc[0]) == ["gang", "cse"]
    assert list(flags.iloc[1]) == []
    assert pd.isna(flags.iloc[2])


def test_full_postcodes_are_cut_to_sectors(write_csv):
    path = write_csv(
        [
            HEADER + ",missing_from_postcode_sector",
            GOOD_ROWS[0] + ",hp4 1ab",
            GOOD_ROWS[1] + ",SG13 7",
            GOOD_ROWS[2] + ",",
        ]
    )
    result = load_incidents(path)
    assert result.frame.missing_from_postcode_sector.tolist()[:2] == ["HP4 1", "SG13 7"]
    assert result.quality["postcodes_cut"] == 1


def test_distance_is_computed_from_coordinates_when_absent(write_csv):
    head = HEADER + ",missing_from_lat,missing_from_lon,found_lat,found_lon,distance_miles"
    path = write_csv(
        [
            head,
            GOOD_ROWS[0] + ",51.7520,-0.3360,51.5074,-0.1278,",
            GOOD_ROWS[1] + ",51.75,-0.33,51.75,-0.33,7",
        ]
    )
    distance = load_incidents(path).frame.distance_miles
    assert distance.iloc[0] == pytest.approx(19.3, abs=0.3)  # St Albans to central London
    assert distance.iloc[1] == 7  # a recorded distance is never overwritten


def test_missing_required_column(write_csv):
    error = refused(write_csv(["rid,pid,reported_at,age", "R1,P1,2022-03-05T22:41,15"]))
    assert "column missing_from_type: required column is missing from the file" in str(error)


def test_every_fault_is_listed_with_row_column_and_value(write_csv):
    path = write_csv(
        [
            HEADER + ",distance_miles,gender",
            "R1,P1,2022-31-05T22:41,15,home,,3,female",  # row 2: bad date
            "R1,P2,2022-03-07T22:41,-2,castle,,-1,robot",  # row 3: four faults + dup
            "R3,P3,2022-03-07T22:41,150,home,2022-03-01T10:00,99999,male",
        ]
    )  # row 4
    error = refused(path)
    text = str(error)
    for expected in [
        "row 2, column reported_at: '2022-31-05T22:41'",
        "row 3, column age: '-2': out of range",
        "row 3, column missing_from_type: 'castle': not an allowed value",
        "row 3, column distance_miles: '-1': out of range",
        "row 3, column gender: 'robot'",
        "row 3, column rid: 'R1': duplicate incident id (first on row 2)",
        "row 4, column age: '150'",
        "row 4, column found_at: '2022-03-01T10:00': before reported_at",
        "row 4, column distance_miles: '99999'",
    ]:
        assert expected in text
    assert error.problems.total == 9
    assert str(path) in text and "nothing was written" in text


def test_error_list_is_limited_with_a_count_of_the_rest(write_csv):
    rows = [f"R{i},P{i},not-a-date,15,home," for i in range(30)]
    error = refused(write_csv([HEADER, *rows]), max_errors=10)
    assert error.problems.total == 30
    assert len(error.problems.items) == 10
    assert "and 20 more" in str(error)


def test_unknown_enum_can_be_kept_as_other_and_counted(write_csv):
    path = write_csv(
        [HEADER, "R1,P1,2022-03-05T22:41,15,castle,", "R2,P1,2022-03-05T23:41,15,moon,"]
    )
    result = load_incidents(path, unknown_as_other=True)
    assert result.frame.missing_from_type.tolist() == ["other", "other"]
    assert result.quality["mapped_to_other"] == {"missing_from_type": 2}
    assert any("kept as 'other'" in w for w in result.warnings)


@pytest.mark.parametrize(
    "content, expected",
    [
        ("", "the file is empty"),
        (HEADER + "\n", "the file has a header but no rows"),
    ],
)
def test_empty_files(tmp_path, content, expected):
    path = tmp_path / "empty.csv"
    path.write_text(content)
    assert expected in str(refused(path))


def test_wrong_encoding_is_named(write_csv):
    path = write_csv(
        [HEADER + ",responsible_authority", GOOD_ROWS[0] + ",Conseil général"], encoding="cp1252"
    )
    assert "not utf-8 text" in str(refused(path)) and "encoding" in str(refused(path))


def test_unsupported_and_missing_files(tmp_path):
    assert "unsupported file type" in str(refused(tmp_path / "x.json"))
    assert "no such file" in str(refused(tmp_path / "absent.csv"))


def test_xlsx_first_sheet_and_wrong_sheet(tmp_path):
    import openpyxl

    from misper.incidents.profiles import Profile

    path = tmp_path / "incidents.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Missing"
    sheet.append(HEADER.split(","))
    sheet.append(["R1", "P1", pd.Timestamp("2022-03-05 22:41").to_pydatetime(), 15, "home", None])
    book.save(path)
    frame = load_incidents(path).frame
    assert frame.reported_at.iloc[0] == pd.Timestamp("2022-03-05 22:41")
    wrong = Profile(name="x", columns={}, file={"sheet": "Reports"})
    assert "no such sheet; the workbook has: Missing" in str(refused(path, profile=wrong))


def test_parquet_round_trip_keeps_every_value(write_csv, tmp_path):
    path = write_csv(
        [HEADER + ",risk_flags", GOOD_ROWS[0] + ",gang", GOOD_ROWS[1] + ",;", GOOD_ROWS[2] + ","]
    )
    first = load_incidents(path).frame
    write_incidents(first, tmp_path / "x.parquet")
    again = load_incidents(tmp_path / "x.parquet").frame
    pd.testing.assert_frame_equal(first, again)


def test_import_writes_nothing_on_refusal(write_csv, tmp_path):
    out = tmp_path / "out.parquet"
    with pytest.raises(IncidentFileError):
        import_file(write_csv([HEADER, "R1,P1,bad,15,home,"]), out)
    assert not out.exists()
    assert list(tmp_path.glob(".out.parquet*")) == []  # no temporary left behind


def test_import_streams_in_chunks_and_finds_duplicates_across_them(write_csv, tmp_path):
    rows = [f"R{i},P{i % 7},2022-03-05T22:41,15,home," for i in range(25)] + [
        "R3,P1,2022-03-05T22:41,15,home,"
    ]
    out = tmp_path / "out.csv"
    with pytest.raises(IncidentFileError) as info:
        import_file(write_csv([HEADER, *rows]), out, chunk_rows=10)
    assert "row 27, column rid: 'R3': duplicate incident id (first on row 5)" in str(info.value)
    assert not out.exists()
    summary = import_file(write_csv([HEADER, *rows[:-1]]), out, chunk_rows=10)
    assert summary.rows == 25 and summary.children == 7
    assert load_incidents(out).frame.rid.tolist() == [f"R{i}" for i in range(25)]


def test_a_column_named_twice_is_refused(write_csv):
    text = str(refused(write_csv([HEADER + ",pid", GOOD_ROWS[0] + ",P9"])))
    assert "row 1, column pid: the header names this column twice" in text


def test_lines_of_empty_cells_are_skipped_like_blank_lines(write_csv):
    frame = load_incidents(write_csv([HEADER, GOOD_ROWS[0], ",,,,,", "", GOOD_ROWS[1]])).frame
    assert frame.rid.tolist() == ["R1", "R2"]
