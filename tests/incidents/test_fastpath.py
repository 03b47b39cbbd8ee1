"""The Parquet fast path gives exactly what the full loader gives, and defers to it on any fault."""

from pathlib import Path

import pandas as pd
import pytest

from misper.incidents.frame import write_incidents
from misper.incidents.load import IncidentFileError, load_incidents

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "compact-export.csv"


@pytest.fixture(scope="module")
def canonical():
    return load_incidents(EXAMPLE, profile="compact").frame


def test_fast_and_full_loaders_agree(canonical, tmp_path):
    path = write_incidents(canonical, tmp_path / "c.parquet")
    fast = load_incidents(path)
    full = load_incidents(path, fast=False)
    pd.testing.assert_frame_equal(fast.frame, full.frame)
    assert fast.quality["missing"] == full.quality["missing"]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda f: f.assign(age=f.age.where(f.index != 3, 130)), "row 4, column age"),
        (lambda f: f.assign(rid=f.rid.where(f.index != 4, f.rid.iloc[0])), "duplicate incident id"),
        (
            lambda f: f.assign(
                found_at=f.found_at.where(f.index != 0, f.reported_at - pd.Timedelta("1h"))
            ),
            "row 1, column found_at",
        ),
    ],
)
def test_a_fault_goes_the_full_way_and_is_worded(canonical, tmp_path, change, message):
    frame = change(canonical.copy())
    frame["age"] = frame["age"].astype("Int64")
    path = write_incidents(frame, tmp_path / "bad.parquet")
    with pytest.raises(IncidentFileError, match=message):
        load_incidents(path)


def test_text_with_spaces_is_trimmed_like_the_full_loader(canonical, tmp_path):
    frame = canonical.copy()
    frame["ethnic_appearance"] = (
        frame.ethnic_appearance.astype(object)
        .where(frame.index != 0, "  British ")
        .astype("string")
    )
    path = write_incidents(frame, tmp_path / "spaces.parquet")
    assert load_incidents(path).frame.ethnic_appearance.iloc[0] == "British"
