"""What a cell may hold as it crosses Misper's edge: its length, no hidden control characters, and
spreadsheet formulas warned about on the way in and neutralised on the way out.

Every CSV or XLSX Misper writes passes its text through `neutralise_formula` (one cell),
`neutralise_frame` (pandas) or `neutralise_table` (Arrow); the three agree cell by cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from misper.incidents.errors import Problem, Problems

# the most a spreadsheet cell holds (Excel's limit); no real export has more
MAX_CELL_CHARS = 32_767
# C0 controls but tab, line feed and carriage return; DEL; the C1 controls (in a file that says it
# is UTF-8 they are mojibake: a cp1252 file read as latin-1). NUL is the dangerous one: many tools
# cut the text there, so 'C1<NUL>1' and 'C1' would become one child.
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
# a cell starting with one of these is read as a formula by Excel, LibreOffice or Google Sheets
# (OWASP's list); a leading ' makes the spreadsheet show it as text
FORMULA_TRIGGERS = "=+-@\t\r"
FORMULA_START = r"^[=+\-@\t\r]"
PLAIN_NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"  # -1.5: data, not a formula
NEUTRALISER = "'"
FORMULAS_LISTED = 10  # locations named in the import's warning; the rest are counted

_CONTROL = re.compile(CONTROL_CHARACTERS)
_PLAIN_NUMBER = re.compile(PLAIN_NUMBER.removesuffix("$") + r"\Z")  # `$` would allow a final \n


def looks_like_formula(value: str) -> bool:
    """True when a spreadsheet opening `value` as a cell would run it as a formula."""
    return value[:1] != "" and value[0] in FORMULA_TRIGGERS and _PLAIN_NUMBER.match(value) is None


def neutralise_formula(value: str) -> str:
    """`value` with a leading ' when it looks like a formula: shown as text, and idempotent."""
    return NEUTRALISER + value if looks_like_formula(value) else value


def neutralise_table(table: pa.Table) -> pa.Table:
    """Every text cell, list item and column name of `table` neutralised (vectorised)."""
    columns = [_neutralise_array(column) for column in table.columns]
    names = [neutralise_formula(name) for name in table.column_names]
    return pa.table(columns, names=names)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell, list item and column name neutralised.

    Numbers, dates and booleans are left as they are: -1.5 in a number column is not a formula.
    """
    out = {}
    for name in frame.columns:
        values = frame[name]
        if isinstance(values.dtype, pd.CategoricalDtype):
            renamed = [_neutralise_value(c) for c in values.cat.categories]
            if len(set(renamed)) == len(renamed):
                values = values.cat.rename_categories(renamed)
            else:  # both '=x' and "'=x" among the categories: no longer a category each
                values = values.astype(object).map(_neutralise_value)
        elif isinstance(values.dtype, (pd.ArrowDtype, pd.StringDtype)):
            array = pa.array(values)
            if _is_text(array.type):
                done = values.dtype.__from_arrow__(pa.chunked_array([_neutralise_array(array)]))
                values = pd.Series(done, index=values.index, dtype=values.dtype)
        elif values.dtype == object:
            values = values.map(_neutralise_value)
        out[neutralise_formula(name) if isinstance(name, str) else name] = values
    return pd.DataFrame(out, index=frame.index)


def _neutralise_value(value: object) -> object:
    if isinstance(value, str):
        return neutralise_formula(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_neutralise_value(v) for v in value)
    return value


def _is_list(kind: pa.DataType) -> bool:
    return bool(pa.types.is_list(kind) or pa.types.is_large_list(kind))


def _is_text(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or (_is_list(kind) and _is_text(kind.value_type))
    )


def _neutralise_array(array: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    kind = array.type
    if _is_list(kind):
        if isinstance(array, pa.ChunkedArray):
            return pa.chunked_array(
                [_neutralise_array(chunk) for chunk in array.chunks], type=array.type
            )
        items = _neutralise_array(array.values)  # .offsets index .values, even when sliced
        return type(array).from_arrays(array.offsets, items, mask=array.is_null())
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        return array
    formula = formula_mask(array)
    prefixed = pc.binary_join_element_wise(pa.scalar(NEUTRALISER, kind), array, pa.scalar("", kind))
    return pc.if_else(formula, prefixed, array)


def formula_mask(array: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Which cells of a text array look like formulas (nulls: False)."""
    starts = pc.fill_null(pc.match_substring_regex(array, FORMULA_START), False)
    if not pc.any(starts).as_py():  # the usual case: spare the second pass
        return starts
    number = pc.fill_null(pc.match_substring_regex(array, PLAIN_NUMBER), False)
    return pc.and_(starts, pc.invert(number))


def text_cells(values: pd.Series) -> pa.Array | pa.ChunkedArray | None:
    """The text of a raw column as Arrow strings (list items flattened), or None if not text."""
    if isinstance(values.dtype, (pd.ArrowDtype, pd.StringDtype)):
        array = pa.array(values)
    elif values.dtype == object:
        cells = values.to_numpy(dtype=object)
        try:
            array = pa.array(cells, type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed cells (e.g. a Parquet object column)
            text = [_as_text(v) for v in cells]
            array = pa.array(text, type=pa.string())
    else:
        return None
    return array if _is_text(array.type) else None


def _as_text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value if isinstance(value, str) else str(value)


def check_cells(frame: pd.DataFrame, first_row: int, problems: Problems) -> None:
    """Refuse cells longer than MAX_CELL_CHARS or holding a control character, each named."""
    rows = first_row + np.arange(len(frame))
    for name in frame.columns:
        array = text_cells(frame[name])
        if array is None:
            continue
        where, flat = _row_of_item(array), _items(array)
        long = pc.fill_null(pc.greater(pc.utf8_length(flat), MAX_CELL_CHARS), False)
        hidden = pc.fill_null(pc.match_substring_regex(flat, CONTROL_CHARACTERS), False)
        for mask, say in ((long, _too_long), (hidden, _hidden)):
            flagged = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
            if not len(flagged):
                continue
            flagged_rows, first = np.unique(where[flagged], return_index=True)
            room = max(problems.limit - len(problems.items), 0)
            for r, item in zip(flagged_rows[:room], flagged[first][:room], strict=True):
                problems.add(Problem(int(rows[r]), str(name), None, say(flat[int(item)].as_py())))
            problems.total += max(len(flagged_rows) - room, 0)


def _items(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A text array's cells, or a list array's items, as one array."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return pc.list_flatten(array) if _is_list(array.type) else array


def _row_of_item(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """For a text array, each cell's own position; for lists, the row of each item."""
    if _is_list(array.type):
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        return np.asarray(pc.list_parent_indices(array).to_numpy(zero_copy_only=False))
    return np.arange(len(array))


def _too_long(text: str) -> str:
    return (
        f"the cell is longer than {MAX_CELL_CHARS:,} characters ({len(text):,}), "
        f"the most a spreadsheet cell holds"
    )


def _hidden(text: str) -> str:
    found = _CONTROL.search(text)  # the Arrow mask found it; this says which and where
    which = (
        f"the control character U+{ord(found.group()):04X} at character {found.start() + 1}"
        if found
        else "a control character"
    )
    return (
        f"holds {which}; only tab and line breaks may be in a cell (remove it where the file "
        f"was made)"
    )


def cells_hold(table: pa.Table) -> bool:
    """The cell rules over a whole Arrow table: no cell too long, no control characters."""
    for column in table.columns:
        if pa.types.is_dictionary(column.type) and _is_text(column.type.value_type):
            column = pc.cast(column, column.type.value_type)  # the full loader reads it as text
        if not _is_text(column.type):
            continue
        flat = _items(column)
        if (
            pc.any(pc.greater(pc.utf8_length(flat), MAX_CELL_CHARS)).as_py()
            or pc.any(pc.match_substring_regex(flat, CONTROL_CHARACTERS)).as_py()
        ):
            return False
    return True


@dataclass
class FormulaCells:
    """Cells that look like spreadsheet formulas, collected across a file's chunks for a warning."""

    count: int = 0
    places: list[tuple[int, str]] = field(default_factory=list)

    def note(self, frame: pd.DataFrame, first_row: int) -> None:
        found: list[tuple[int, str]] = []
        for name in frame.columns:
            array = text_cells(frame[name])
            if array is None:
                continue
            where, flat = _row_of_item(array), _items(array)
            mask = np.asarray(formula_mask(flat).to_numpy(zero_copy_only=False), dtype=bool)
            hit = np.unique(where[mask])
            self.count += len(hit)
            found.extend((first_row + int(r), str(name)) for r in hit[:FORMULAS_LISTED])
        self.places = sorted(self.places + found)[:FORMULAS_LISTED]

    def warning(self) -> str | None:
        if not self.count:
            return None
        places = ", ".join(f"row {row} column {column}" for row, column in self.places)
        more = (
            f" and {self.count - len(self.places):,} more" if self.count > len(self.places) else ""
        )
        return (
            f"{self.count:,} cell(s) look like spreadsheet formulas ({places}{more}); kept as "
            f"text, and written to CSV with a leading ' so that a spreadsheet shows, not runs, them"
        )
