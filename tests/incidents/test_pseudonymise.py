"""Pseudonymisation: keyed, consistent across files, links intact, text and extras dropped."""

import pytest

from misper.incidents.load import IncidentFileError, import_file, load_incidents
from misper.incidents.pseudonymise import new_key_file

HEADER = (
    "rid,pid,reported_at,age,missing_from_type,missing_from_place_id,linked_rids,associate_ids,"
    "circumstances_text,officer"
)
ROWS = [
    "R1,P1,2022-03-05T22:41,15,care_home,H1,R2,A9,went to see a friend,PC 1",
    "R2,P2,2022-03-05T22:45,16,care_home,H1,R1,A9;A7,left with P1,PC 2",
]


@pytest.fixture
def key(tmp_path):
    path = tmp_path / "key"
    new_key_file(path)
    return path


def run(tmp_path, key, rows, name, **kwargs):
    src = tmp_path / f"{name}.csv"
    src.write_text("\n".join([HEADER, *rows]) + "\n")
    out = tmp_path / f"{name}.parquet"
    summary = import_file(src, out, key_file=key, **kwargs)
    return load_incidents(out).frame, summary


def test_ids_replaced_and_links_stay_consistent(tmp_path, key):
    frame, _ = run(tmp_path, key, ROWS, "a")
    assert not set(frame.rid) & {"R1", "R2"} and not set(frame.pid) & {"P1", "P2"}
    assert list(frame.linked_rids.iloc[0]) == [frame.rid.iloc[1]]  # R1 -> R2 still points right
    assert list(frame.linked_rids.iloc[1]) == [frame.rid.iloc[0]]
    assert frame.associate_ids.iloc[0][0] == frame.associate_ids.iloc[1][0]  # A9 both times
    assert frame.missing_from_place_id.nunique() == 1


def test_same_key_links_across_files_other_key_does_not(tmp_path, key):
    first, _ = run(tmp_path, key, ROWS[:1], "y2021")
    second, _ = run(tmp_path, key, ["R5,P1,2022-05-01T10:00,15,home,H2,,,,"], "y2022")
    assert first.pid.iloc[0] == second.pid.iloc[0]
    other = tmp_path / "other.key"
    new_key_file(other)
    third, _ = run(tmp_path, other, ROWS[:1], "other")
    assert third.pid.iloc[0] != first.pid.iloc[0]


def test_kinds_are_hashed_apart(tmp_path, key):
    frame, _ = run(tmp_path, key, ["X,X,2022-03-05T22:41,15,home,X,,X,,"], "kinds")
    values = {
        frame.rid.iloc[0],
        frame.pid.iloc[0],
        frame.missing_from_place_id.iloc[0],
        frame.associate_ids.iloc[0][0],
    }
    assert len(values) == 4


def test_free_text_and_extras_dropped_unless_kept(tmp_path, key):
    frame, summary = run(tmp_path, key, ROWS, "drop")
    assert "circumstances_text" not in frame and "officer" not in frame
    assert any("circumstances_text" in w and "officer" in w for w in summary.warnings)
    kept, _ = run(tmp_path, key, ROWS, "keep", keep_text=True, keep_extra=True)
    assert kept.circumstances_text.iloc[0] == "went to see a friend" and "officer" in kept


def test_missing_or_bad_key_is_refused_and_nothing_written(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("\n".join([HEADER, *ROWS]) + "\n")
    with pytest.raises(IncidentFileError, match="misper keygen"):
        import_file(src, tmp_path / "o.parquet", key_file=tmp_path / "absent.key")
    bad = tmp_path / "bad.key"
    bad.write_text("not hex")
    with pytest.raises(IncidentFileError, match="not hex"):
        import_file(src, tmp_path / "o.parquet", key_file=bad)
    assert not (tmp_path / "o.parquet").exists()


def test_keygen_never_overwrites(tmp_path):
    path = tmp_path / "k"
    new_key_file(path)
    before = path.read_text()
    with pytest.raises(FileExistsError):
        new_key_file(path)
    assert path.read_text() == before and (path.stat().st_mode & 0o077) == 0
