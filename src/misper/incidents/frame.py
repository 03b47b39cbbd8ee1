"""Canonical frames in memory and on disk: cast to schema dtypes, write atomically, read back.

The generator and the store's export build plain frames (lists as Python lists, datetimes as
anything pandas parses) and pass them through `to_canonical`; files are written through
`write_incidents` so that a reader never sees half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import NoReturn

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from misper.incidents.cells import neutralise_table
from misper.incidents.schema import BY_NAME, LIST_SEPARATOR, NAMES, Kind, arrow_schema

LIST_DTYPE = pd.ArrowDtype(pa.list_(pa.string()))


def to_canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast the canonical columns of `frame` to their dtypes, canonical order first, extras after.

    Raises ValueError naming the column when a value does not fit its type; this is for frames the
    program made (generator, store). Files from outside go through `load.load_incidents`, which
    reports every bad cell instead.
    """
    out: dict[str, pd.Series] = {}
    for name in [n for n in NAMES if n in frame.columns]:
        column = BY_NAME[name]
        values = frame[name]
        try:
            if column.kind is Kind.LIST:
                out[name] = _as_list_series(values)
            elif column.kind is Kind.DATETIME:
                out[name] = pd.to_datetime(values).astype("datetime64[ns]")
            else:
                out[name] = values.astype(column.pandas_dtype)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"column {name!r}: {exc}") from exc
        if column.kind is Kind.ENUM:
            unknown = values.notna() & out[name].isna()
            if unknown.any():
                raise ValueError(
                    f"column {name!r}: values outside the schema: "
                    f"{sorted(set(values[unknown].astype(str)))[:5]}"
                )
    for name in frame.columns:
        if name not in out:
            out[name] = frame[name]
    return pd.DataFrame(out, index=frame.index)


def _as_list_series(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.ArrowDtype):
        return values.astype(LIST_DTYPE)
    cleaned = [
        list(v)
        if isinstance(v, (list, tuple, np.ndarray))
        else None
        if pd.isna(v)
        else _not_a_list(v)
        for v in values
    ]
    return pd.Series(
        pa.array(cleaned, type=pa.list_(pa.string())), dtype=LIST_DTYPE, index=values.index
    )


def _not_a_list(value: object) -> NoReturn:
    raise TypeError(f"expected a list of strings, got {type(value).__name__}")


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """Arrow table with the canonical types for canonical columns and strings for the rest."""
    canonical = arrow_schema(list(frame.columns))
    fields = list(canonical) + [
        pa.field(n, pa.string()) for n in frame.columns if n not in canonical.names
    ]
    ordered = frame[[f.name for f in fields]]
    table = pa.Table.from_pandas(ordered, schema=pa.schema(fields), preserve_index=False)
    # the Arrow types say it all; pandas' notes confuse readers
    return table.replace_schema_metadata(None)


def from_arrow(table: pa.Table) -> pd.DataFrame:
    """The loaded-frame dtypes from an Arrow table holding canonical types."""
    table = table.replace_schema_metadata(None)
    frame = table.to_pandas(types_mapper=_list_as_arrow)
    return to_canonical(frame)


def _list_as_arrow(arrow_type: pa.DataType) -> pd.ArrowDtype | pd.StringDtype | None:
    """Arrow-backed pandas types, so strings and lists never become Python objects on the way.

    Lists are matched on kind, not equality: Parquet names a list's item field "element", Arrow
    "item".
    """
    if pa.types.is_list(arrow_type):
        return LIST_DTYPE
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype("pyarrow")
    return None


def write_incidents(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a canonical frame to .parquet or .csv atomically (a temp file renamed into place)."""
    path = Path(path)
    table = to_arrow(frame)
    with atomic_path(path) as tmp:
        write_table(table, tmp, path.suffix.lower())
    return path


def write_table(table: pa.Table, path: Path, suffix: str) -> None:
    if suffix == ".parquet":
        pq.write_table(table, path, compression="zstd")
    elif suffix == ".csv":
        pacsv.write_csv(csv_ready(table), path)
    else:
        raise ValueError(f"{path}: output must end in .parquet or .csv, not {suffix!r}")


def csv_ready(table: pa.Table) -> pa.Table:
    """Lists joined with ';' and datetimes as ISO 8601 minutes, as the spec's CSV form has them;
    text that a spreadsheet would run as a formula is neutralised (a leading ')."""
    import pyarrow.compute as pc

    columns: list[pa.ChunkedArray] = []
    for field, col in zip(table.schema, table.columns, strict=True):
        if pa.types.is_list(field.type):
            col = pc.binary_join(col, LIST_SEPARATOR)
        elif pa.types.is_timestamp(field.type):
            col = pc.strftime(col, format="%Y-%m-%dT%H:%M")
        columns.append(col)
    return neutralise_table(pa.table(columns, names=table.schema.names))


class atomic_path:
    """Context manager yielding a temp path beside `path`; renamed onto it only on success."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def __enter__(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent
        )
        os.close(fd)
        self.tmp = Path(name)
        return self.tmp

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


def read_canonical(path: str | Path) -> pd.DataFrame:
    """Read a Parquet file this program wrote (already canonical); other input goes through load."""
    return from_arrow(pq.read_table(path))
