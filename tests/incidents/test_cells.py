"""Properties of the cell rules: control characters always refused, formula neutralising that is
idempotent, leaves other text alone and agrees cell by cell and table by table; and the CSV reader
gives back exactly what a CSV writer wrote."""

import csv
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from misper.incidents.cells import (
    looks_like_formula,
    neutralise_formula,
    neutralise_frame,
    neutralise_table,
)
from misper.incidents.load import IncidentFileError, load_incidents
from misper.incidents.profiles import FileOptions
from misper.incidents.read import read_chunks

HEADER = ["rid", "pid", "reported_at", "age", "missing_from_type"]
TRIGGERS = "=+-@\t\r"
# what a cell may hold: any character but the C0 controls (tab, LF, CR allowed), DEL and C1
CONTROLS = [chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), *range(127, 160)]]
allowed_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters=CONTROLS), max_size=40
)


def write(directory: str, rows: list[list[str]]) -> Path:
    path = Path(directory) / "cells.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


@settings(max_examples=60)
@given(st.text(max_size=10), st.text(max_size=10))
def test_any_cell_holding_a_nul_is_refused_with_its_row_and_column(before, after):
    with tempfile.TemporaryDirectory() as directory:
        pid = f"C{before}\x00{after}"
        path = write(directory, [HEADER, ["R1", pid, "2022-03-05T22:41", "15", "home"]])
        try:
            load_incidents(path)
        except IncidentFileError as exc:
            assert "row 2, column pid: holds the control character U+" in str(exc)
            first = next(c for c in pid if c in CONTROLS)  # the first hidden character is named
            assert f"U+{ord(first):04X} at character {pid.index(first) + 1};" in str(exc)
        else:
            raise AssertionError("a NUL was accepted")


@settings(max_examples=60)
@given(st.lists(st.lists(allowed_text, min_size=3, max_size=3), min_size=1, max_size=5))
def test_the_csv_reader_returns_what_a_csv_writer_wrote(rows):
    rows = [r for r in rows if any(c.strip() for c in r)]  # blank lines are skipped, as before
    with tempfile.TemporaryDirectory() as directory:
        path = write(directory, [["a", "b", "c"], *rows])
        frames = list(read_chunks(path, FileOptions()))
    read = [list(r) for f in frames for r in f.frame.itertuples(index=False)]
    assert read == rows


@given(st.text())
def test_neutralising_is_idempotent_and_leaves_other_text_alone(text):
    once = neutralise_formula(text)
    assert neutralise_formula(once) == once
    assert not looks_like_formula(once)
    if not text or text[0] not in TRIGGERS:
        assert once == text
    elif looks_like_formula(text):
        assert once == "'" + text


@given(st.from_regex(r"[+-]?[0-9]{1,6}(\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?", fullmatch=True))
def test_plain_numbers_are_not_formulas(number):
    assert not looks_like_formula(number)
    assert neutralise_formula(number) == number


def test_formulas_and_near_misses():
    for text in [
        "=1+1",
        '=HYPERLINK("x")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|'/C calc'!A0",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        "+44 20 7946 0000",
        "-",
        "=",
        "=x",
    ]:
        assert looks_like_formula(text), text
    for text in ["", "plain", " =1", "'=1", "-12", "+3.5", "-.5", "2=2", "1-2", "−5", "＝1"]:
        assert not looks_like_formula(text), text


@settings(max_examples=60)
@given(st.lists(st.one_of(st.none(), st.text(max_size=8)), min_size=1, max_size=8))
def test_table_frame_and_cell_neutralising_agree(values):
    expected = [None if v is None else neutralise_formula(v) for v in values]
    table = neutralise_table(pa.table({"=x": pa.array(values, pa.string())}))
    assert table.column_names == ["'=x"]
    assert table.column(0).to_pylist() == expected
    lists = neutralise_table(pa.table({"l": pa.array([values], pa.list_(pa.string()))}))
    assert lists.column(0).to_pylist() == [expected]
    frame = neutralise_frame(
        pd.DataFrame(
            {
                "obj": pd.Series(values, dtype=object),
                "str": pd.Series(values, dtype="string[pyarrow]"),
                "num": -1.5,
            }
        )
    )
    assert [None if pd.isna(v) else v for v in frame["obj"]] == expected
    assert [None if pd.isna(v) else v for v in frame["str"]] == expected
    assert frame["num"].eq(-1.5).all() and frame["str"].dtype == "string[pyarrow]"


def test_categories_and_python_lists_are_neutralised_too():
    frame = neutralise_frame(
        pd.DataFrame(
            {
                "cat": pd.Categorical(["=x", "y", "=x"]),
                "clash": pd.Categorical(["=x", "'=x", "y"]),
                "lists": pd.Series([["=a", "b"], None, ("c", "@d")], dtype=object),
            }
        )
    )
    assert frame["cat"].tolist() == ["'=x", "y", "'=x"]
    assert frame["clash"].tolist() == ["'=x", "'=x", "y"]
    assert frame["lists"].tolist() == [["'=a", "b"], None, ("c", "'@d")]
