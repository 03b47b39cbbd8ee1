"""The fast path for Parquet files already in canonical types (what Misper itself writes).

Every rule of the full loader is checked here too, in Arrow's kernels over the whole table; only if
one fails does the caller fall back to the chunked loader, which finds and words each fault. So the
fast path never accepts what the full loader would refuse, and it costs a fraction of the time on
the large files the report and the models read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from misper.incidents.cells import cells_hold
from misper.incidents.frame import LIST_DTYPE
from misper.incidents.schema import BY_NAME, COLUMNS, REQUIRED, Column, Kind
from misper.incidents.validate import EARLIEST, SECTOR_PATTERN, Tally

_TYPES: dict[Kind, Callable[[pa.DataType], bool]] = {
    Kind.TEXT: pa.types.is_string,
    Kind.ENUM: pa.types.is_string,
    Kind.DATETIME: pa.types.is_timestamp,
    Kind.INTEGER: pa.types.is_int64,
    Kind.FLOAT: pa.types.is_float64,
    Kind.BOOL: pa.types.is_boolean,
    Kind.LIST: lambda t: pa.types.is_list(t) and pa.types.is_string(t.value_type),
}


def eligible(schema: pa.Schema) -> bool:
    """Canonical columns all of their canonical Arrow type, no timezone, the required present."""
    for field in schema:
        column = BY_NAME.get(field.name)
        if column is None:
            continue
        if not _TYPES[column.kind](field.type):
            return False
        if column.kind is Kind.DATETIME and field.type.tz is not None:
            return False
    return all(name in schema.names for name in REQUIRED)


def fast_load(path: Path) -> tuple[pd.DataFrame, Tally] | None:
    """The canonical frame, or None when the file is not eligible or breaks any rule."""
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError):
        return None
    if not eligible(schema):
        return None
    table = pq.read_table(path)
    if table.num_rows == 0 or not _all_rules_hold(table):
        return None
    tally = Tally(rows=table.num_rows)
    rows = table.num_rows
    columns: dict[str, pd.Series] = {}
    for name in list(table.column_names):
        array = table.column(name)
        table = table.drop_columns([name])  # let each Arrow column go once converted: lower peak
        column = BY_NAME.get(name)
        if column is None:
            columns[name] = pd.Series(pc.cast(array, pa.string()), dtype="string[pyarrow]")
            tally.extra_columns.append(name)
            continue
        tally.missing[name] = array.null_count
        columns[name] = _to_pandas(column, array)
    if "record_type" not in columns:
        columns["record_type"] = pd.Series(
            pd.Categorical.from_codes(
                np.zeros(rows, dtype=np.int8), dtype=BY_NAME["record_type"].pandas_dtype
            )
        )
    order = [c.name for c in COLUMNS if c.name in columns] + tally.extra_columns
    return pd.DataFrame({n: columns[n] for n in order}), tally


def _to_pandas(column: Column, array: pa.ChunkedArray) -> pd.Series:
    if column.kind is Kind.ENUM:
        values = array
        if column.default is not None:
            values = pc.fill_null(values, column.default)
        codes = pc.fill_null(pc.index_in(values, value_set=pa.array(column.values)), -1)
        return pd.Series(pd.Categorical.from_codes(codes.to_numpy(), dtype=column.pandas_dtype))
    if column.kind is Kind.LIST:
        return pd.Series(pc.cast(array, pa.list_(pa.string())), dtype=LIST_DTYPE)
    if column.kind is Kind.TEXT:
        return pd.Series(array, dtype="string[pyarrow]")
    if column.kind is Kind.DATETIME:
        return pd.Series(array.to_pandas()).astype("datetime64[ns]")
    return pd.Series(array.to_pandas(), dtype=column.pandas_dtype)


def _all_rules_hold(table: pa.Table) -> bool:
    """The full loader's rules, as whole-table checks; any doubt answers False."""
    if not cells_hold(table):
        return False
    names = set(table.column_names)
    for name in REQUIRED:
        array = table.column(name)
        if array.null_count or (
            BY_NAME[name].kind in (Kind.TEXT, Kind.ENUM)
            and pc.any(pc.equal(pc.utf8_trim_whitespace(array), "")).as_py()
        ):
            return False
    for name in names & set(BY_NAME):
        if not _column_holds(BY_NAME[name], table.column(name)):
            return False
    for earlier, later in (
        ("reported_at", "found_at"),
        ("last_seen_at", "reported_at"),
        ("found_at", "rhi_completed_at"),
    ):
        if {earlier, later} <= names and pc.any(
            pc.less(table.column(later), table.column(earlier))
        ).as_py():
            return False
    rids = table.column("rid")
    return len(pc.unique(rids)) == len(rids) and not _distance_to_derive(table)


def _distance_to_derive(table: pa.Table) -> bool:
    """Coordinates all known but no distance: the full loader derives it, so leave it that work."""
    coords = ["missing_from_lat", "missing_from_lon", "found_lat", "found_lon"]
    if not set(coords) <= set(table.column_names):
        return False
    if "distance_miles" not in table.column_names:
        return True
    known = pc.and_kleene(
        pc.and_kleene(pc.is_valid(table.column(coords[0])), pc.is_valid(table.column(coords[1]))),
        pc.and_kleene(pc.is_valid(table.column(coords[2])), pc.is_valid(table.column(coords[3]))),
    )
    missing = pc.is_null(table.column("distance_miles"))
    return bool(pc.any(pc.and_(known, missing)).as_py())


def _column_holds(column: Column, array: pa.ChunkedArray) -> bool:
    kind = column.kind
    if kind is Kind.ENUM:  # exact canonical spelling only; anything else goes the full way
        return _all_allowed(array, column.values)
    if kind is Kind.TEXT:
        if not _trimmed(array):
            return False  # the full loader trims, and reads an empty cell as unknown
        if column.postcode_sector:
            unique = pc.unique(array.drop_null())
            return (
                pc.all(pc.match_substring_regex(unique, f"^{SECTOR_PATTERN}$")).as_py() is not False
            )
        return True
    if kind in (Kind.INTEGER, Kind.FLOAT):
        low = -np.inf if column.minimum is None else column.minimum
        high = np.inf if column.maximum is None else column.maximum
        out = pc.or_(pc.less(array, low), pc.greater(array, high))
        return not pc.any(out).as_py() and not (
            kind is Kind.FLOAT and pc.any(pc.is_nan(array)).as_py()
        )
    if kind is Kind.DATETIME:
        latest = pd.Timestamp.now().normalize() + pd.Timedelta(days=2)
        low = pa.scalar(EARLIEST.to_pydatetime(), array.type)
        high = pa.scalar(latest.to_pydatetime(), array.type)
        return not pc.any(pc.or_(pc.less(array, low), pc.greater(array, high))).as_py()
    if kind is Kind.LIST and column.values:
        return _all_allowed(pc.list_flatten(array), column.values)
    if kind is Kind.LIST:
        return _trimmed(pc.list_flatten(array))
    return True


def _all_allowed(array: pa.Array | pa.ChunkedArray, values: tuple[str, ...]) -> bool:
    """Every non-null value is one of `values` (index_in is null just for nulls and strangers)."""
    found = pc.index_in(array, value_set=pa.array(values))
    return bool(found.null_count == array.null_count)


def _trimmed(array: pa.Array | pa.ChunkedArray) -> bool:
    """No cell has surrounding spaces or is empty (what the full loader would change)."""
    trimmed = pc.utf8_trim_whitespace(array)
    return bool(
        pc.all(pc.and_(pc.equal(trimmed, array), pc.not_equal(array, ""))).as_py() is not False
    )
