"""The data dictionary in docs/ is generated from the schema and must not drift from it."""

from pathlib import Path

from misper.incidents.dictionary import data_dictionary
from misper.incidents.schema import COLUMNS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"


def test_committed_dictionary_is_current():
    assert DOCS.read_text(encoding="utf-8") == data_dictionary(), "run `misper docs` and commit"


def test_every_column_is_documented():
    text = data_dictionary()
    assert all(f"| `{c.name}` |" in text for c in COLUMNS)
