"""Reading input files as chunks of raw cells, so that a file of any size streams through.

CSV and XLSX cells arrive as text (our parser decides what they mean, and says where it fails);
Parquet columns keep their types. Each chunk comes with the row number of its first record as a
person counts rows (header = row 1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from misper.incidents.errors import Problem
from misper.incidents.profiles import FileOptions
from misper.incidents.schema import FILE_FORMATS

CHUNK_ROWS = 100_000


class UnreadableFile(Exception):
    """The file cannot be read at all (not a row-level fault)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


@dataclass
class Chunk:
    frame: pd.DataFrame
    first_row: int  # row number of frame's first record


def read_chunks(path: Path, options: FileOptions, chunk_rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
    """Yield the file's records in chunks; raises UnreadableFile for a file that cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in FILE_FORMATS:
        raise UnreadableFile(
            Problem(
                None,
                None,
                suffix or path.name,
                f"unsupported file type; expected one of {', '.join(FILE_FORMATS)}",
            )
        )
    if not path.exists():
        raise UnreadableFile(Problem(None, None, None, "no such file"))
    if path.stat().st_size == 0:
        raise UnreadableFile(Problem(None, None, None, "the file is empty"))
    reader = {".csv": _csv, ".xlsx": _xlsx, ".parquet": _parquet}[suffix]
    yield from reader(path, options, chunk_rows)


def _csv(path: Path, options: FileOptions, chunk_rows: int) -> Iterator[Chunk]:
    encoding = (
        "utf-8-sig"
        if options.encoding.lower().replace("_", "-") in ("utf-8", "utf8")
        else options.encoding
    )
    try:
        reader = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            sep=options.delimiter,
            encoding=encoding,
            chunksize=chunk_rows,
            skip_blank_lines=True,
        )
        first_row = 2
        for frame in reader:
            yield Chunk(frame, first_row)
            first_row += len(frame)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            Problem(
                None,
                None,
                None,
                (
                    f"not {options.encoding} text (undecodable byte near byte offset {exc.start}); "
                    f"set file.encoding in the profile, e.g. cp1252 for files saved by Excel"
                ),
            )
        ) from None
    except pd.errors.EmptyDataError:
        raise UnreadableFile(
            Problem(None, None, None, "the file is empty (no header row)")
        ) from None
    except pd.errors.ParserError as exc:
        raise UnreadableFile(Problem(None, None, None, f"not a readable CSV file: {exc}")) from None


def _xlsx(path: Path, options: FileOptions, chunk_rows: int) -> Iterator[Chunk]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise UnreadableFile(
            Problem(None, None, None, f"not a readable XLSX workbook ({exc})")
        ) from None
    try:
        if options.sheet is not None and options.sheet not in book.sheetnames:
            raise UnreadableFile(
                Problem(
                    None,
                    None,
                    options.sheet,
                    (f"no such sheet; the workbook has: {', '.join(book.sheetnames)}"),
                )
            )
        sheet = book[options.sheet] if options.sheet else book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or all(h is None for h in header):
            raise UnreadableFile(
                Problem(None, None, sheet.title, "the sheet is empty (no header row)")
            )
        names = [
            str(h).strip() if h is not None else f"column_{i + 1}" for i, h in enumerate(header)
        ]
        batch, first_row = [], 2
        for row in rows:
            if all(v is None for v in row):
                continue
            batch.append([_cell_text(v) for v in row[: len(names)]])
            if len(batch) == chunk_rows:
                yield Chunk(pd.DataFrame(batch, columns=names), first_row)
                first_row += len(batch)
                batch = []
        if batch:
            yield Chunk(pd.DataFrame(batch, columns=names), first_row)
    finally:
        book.close()


def _cell_text(value: object) -> str:
    """Text of an Excel cell; native dates become ISO 8601 so that no format guess is needed."""
    if value is None:
        return ""
    if isinstance(value, (dt.datetime, dt.time)):  # openpyxl's values with a time of day
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parquet(path: Path, options: FileOptions, chunk_rows: int) -> Iterator[Chunk]:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise UnreadableFile(
            Problem(None, None, None, f"not a readable Parquet file ({exc})")
        ) from None
    first_row = 1  # Parquet has no header row: records count from 1
    for batch in parquet.iter_batches(batch_size=chunk_rows):
        yield Chunk(_arrow_to_frame(batch), first_row)
        first_row += batch.num_rows


def _arrow_to_frame(batch: pa.RecordBatch) -> pd.DataFrame:
    """Typed Parquet columns stay typed (lists as Arrow lists, so [] and unknown stay apart)."""
    import pyarrow.compute as pc

    columns: dict[str, pd.Series] = {}
    for field, column in zip(batch.schema, batch.columns, strict=True):
        if pa.types.is_list(field.type) or pa.types.is_large_list(field.type):
            column = pc.cast(column, pa.list_(pa.string()))
            columns[field.name] = pd.Series(column, dtype=pd.ArrowDtype(column.type))
            continue
        if pa.types.is_dictionary(field.type) or pa.types.is_large_string(field.type):
            column = pc.cast(column, pa.string())
        if pa.types.is_string(column.type):
            columns[field.name] = pd.Series(column, dtype="string[pyarrow]")
        else:
            columns[field.name] = column.to_pandas()
    return pd.DataFrame(columns)
