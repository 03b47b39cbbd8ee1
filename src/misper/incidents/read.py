"""Reading input files as chunks of raw cells, so that a file of any size streams through.

CSV and XLSX cells arrive as text (our parser decides what they mean, and says where it fails);
Parquet columns keep their types. Each chunk comes with the row number of its first record as a
person counts rows (header = row 1). A file built to exhaust memory or time is refused before it
can: cells, rows and chunks have named limits, and a workbook's zip is checked before it is opened.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import zipfile
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from misper.incidents.cells import MAX_CELL_CHARS
from misper.incidents.errors import Problem
from misper.incidents.profiles import FileOptions
from misper.incidents.schema import FILE_FORMATS

CHUNK_ROWS = 100_000
CHUNK_CELLS = 4_000_000  # a chunk also ends here (100,000 rows of 40 columns): wide rows stay small
CHUNK_CHARS = 64 * 2**20  # ... or at this much text, so that long free text stays bounded too
MAX_COLUMNS = 1_024  # force exports have tens of columns; Excel allows 16,384
MAX_ROW_CHARS = 2**20  # one record (32 cells at the cell limit); a CSV line is never read beyond
XLSX_MAX_ROWS = 1_048_576  # Excel's last row: a sheet claiming more rows is not a spreadsheet
SHEET_PARTS = "xl/worksheets/"  # streamed by openpyxl; every other part it reads whole


@dataclass(frozen=True)
class WorkbookLimits:
    """What a workbook's zip may expand to, checked from its directory before anything is inflated.

    Reading an XLSX costs time and memory in proportion to its expanded size (about 2 MB of sheet
    a second): a 30 MB zip bomb once took 189 s and 7.5 GB. Ordinary workbooks compress about
    10:1, so a ratio over 100 (Apache POI's default) means a bomb.
    """

    max_uncompressed: int = 2**30  # every part together; ~20 million cells, beyond that use CSV
    max_ratio: float = 100.0  # expanded / compressed, for parts above ratio_from
    ratio_from: int = 2**20  # small parts compress as they like
    max_part_in_memory: int = 256 * 2**20  # shared strings, styles...: parts openpyxl holds whole


WORKBOOK_LIMITS = WorkbookLimits()


class UnreadableFile(Exception):
    """The file cannot be read at all (not a row-level fault)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


@dataclass
class Chunk:
    frame: pd.DataFrame
    first_row: int  # row number of frame's first record
    problems: list[Problem] = field(default_factory=list)  # row faults found while reading


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


def _unreadable(message: str, row: int | None = None, column: str | None = None) -> UnreadableFile:
    return UnreadableFile(Problem(row, column, None, message))


def _names(header: Iterable[object]) -> list[str]:
    """Column names from a header row; a blank name becomes column_N, a repeated one is refused."""
    names = [
        str(h).strip() if h is not None and str(h).strip() else f"column_{i + 1}"
        for i, h in enumerate(header)
    ]
    if len(names) > MAX_COLUMNS:
        raise _unreadable(
            f"the header has {len(names):,} columns; at most {MAX_COLUMNS:,} are read", row=1
        )
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise _unreadable("the header names this column twice; rename one", 1, name)
        seen.add(name)
    return names


class _Batches:
    """Rows gathered into chunks that end at a number of rows, of cells or of characters.

    Every row holds one text cell per column; a chunk's columns are Arrow strings (compact, and
    the checks and the parser work on them without converting again).
    """

    def __init__(self, names: list[str], chunk_rows: int):
        self.names = names
        self.rows = max(1, min(chunk_rows, CHUNK_CELLS // max(len(names), 1)))
        self.batch: list[list[str]] = []
        self.chars = 0
        self.first_row = 2
        self.problems: list[Problem] = []

    def add(self, row: list[str], chars: int) -> Chunk | None:
        self.batch.append(row)
        self.chars += chars
        if len(self.batch) >= self.rows or self.chars >= CHUNK_CHARS:
            return self.flush()
        return None

    def flush(self) -> Chunk | None:
        if not self.batch:
            return None
        columns = zip(*self.batch, strict=True)
        frame = pd.DataFrame(
            {
                name: pd.Series(pa.array(cells, type=pa.string()), dtype="string[pyarrow]")
                for name, cells in zip(self.names, columns, strict=True)
            }
        )
        chunk = Chunk(frame, self.first_row, self.problems)
        self.first_row += len(self.batch)
        self.batch, self.chars, self.problems = [], 0, []
        return chunk


# --- CSV ----------------------------------------------------------------------------------------

_BOMS = (  # longest first: UTF-32-LE's mark begins with UTF-16-LE's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_UNICODE = {"utf-8": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32"}


def _family(encoding: str) -> str:
    """utf-8, utf-16 or utf-32 for the Unicode encodings (any byte order), else the codec's name."""
    name = codecs.lookup(encoding).name
    for family in _UNICODE:
        if name.startswith(family):
            return family
    return name


def _encoding(path: Path, options: FileOptions) -> str:
    """The codec to read `path` with: a byte-order mark wins unless the profile forces another."""
    with path.open("rb") as f:
        head = f.read(4096)
    declared = _family(options.encoding)
    forced = "encoding" in options.model_fields_set and declared != "utf-8"
    for bom, codec in _BOMS:
        if head.startswith(bom):
            found = _family(codec)
            if forced and declared != found:
                fix = "" if found == "utf-8" else "save it as UTF-8 or "
                raise _unreadable(
                    f"the file is {_UNICODE[found]} (it starts with a byte-order mark) but the "
                    f"profile sets encoding {options.encoding}; {fix}set file.encoding in the "
                    f"profile to {found}"
                )
            return codec
    if declared in ("utf-16", "utf-32"):
        return options.encoding
    even, odd = head[0::2], head[1::2]
    if len(head) >= 8 and max(even.count(0) / len(even), odd.count(0) / len(odd)) > 0.3:
        order = "le" if odd.count(0) > even.count(0) else "be"
        raise _unreadable(
            "the file looks like UTF-16 text without a byte-order mark; save it as UTF-8 or set "
            f"file.encoding in the profile to utf-16-{order}"
        )
    return "utf-8-sig" if declared == "utf-8" else options.encoding


class _Lines:
    """A text file's lines for csv.reader, never reading a record beyond MAX_ROW_CHARS."""

    def __init__(self, text: IO[str]):
        self.text = text
        self.record: list[str] = []  # lines of the record being read, kept to name a long cell
        self.chars = 0

    def __iter__(self) -> Iterator[str]:
        while line := self.text.readline(MAX_ROW_CHARS + 1):
            self.chars += len(line)
            self.record.append(line)
            if self.chars > MAX_ROW_CHARS:
                raise _TooWide
            yield line


class _TooWide(Exception):
    pass


def _csv(path: Path, options: FileOptions, chunk_rows: int) -> Iterator[Chunk]:
    encoding = _encoding(path, options)
    row = 1  # of the record being read: counts records, not blank lines (as a header-led table)
    names: list[str] = []
    try:
        with path.open(encoding=encoding, newline="") as text:
            lines = _Lines(text)
            records = csv.reader(lines, delimiter=options.delimiter, strict=False)
            batches: _Batches | None = None
            width = 0
            for cells in records:
                chars = lines.chars
                lines.record, lines.chars = [], 0
                if not any(cells) or (len(cells) == 1 and not cells[0].strip()):
                    continue  # a blank line, or one of empty cells only (Excel leaves those)
                if batches is None:
                    names = _names(cells)
                    batches, width = _Batches(names, chunk_rows), len(names)
                    row += 1
                    continue
                if len(cells) != width:
                    cells = _fit(cells, width, row, batches.problems)
                batches.batch.append(cells)  # batches.add, inlined: this loop runs once a row
                batches.chars += chars
                row += 1
                if len(batches.batch) >= batches.rows or batches.chars >= CHUNK_CHARS:
                    if (chunk := batches.flush()) is not None:
                        yield chunk
            if batches is None:
                raise _unreadable("the file is empty (no header row)")
            if (chunk := batches.flush()) is not None:
                yield chunk
    except (_TooWide, csv.Error) as exc:
        if isinstance(exc, csv.Error) and "field larger than field limit" not in str(exc):
            raise _unreadable(f"not a readable CSV file: {exc}", row) from None
        lengths = _field_lengths("".join(lines.record), options.delimiter)
        long = next((i for i, n in enumerate(lengths) if n > MAX_CELL_CHARS), None)
        if long is None:
            raise _unreadable(f"the row is longer than {MAX_ROW_CHARS:,} characters", row) from None
        column = names[long] if row > 1 and long < len(names) else f"column_{long + 1}"
        raise _too_long(row, column) from None
    except UnicodeDecodeError:
        offset = _first_undecodable(path, encoding)
        raise _unreadable(
            f"not {encoding.removesuffix('-sig')} text (undecodable byte near byte offset "
            f"{offset}); set file.encoding in the profile, e.g. cp1252 for files saved by Excel"
        ) from None


def _fit(cells: list[str], width: int, row: int, problems: list[Problem]) -> list[str]:
    """A row cut or padded to the header's width; cells past the header that hold text are named."""
    if len(cells) < width:
        return cells + [""] * (width - len(cells))
    if any(c.strip() for c in cells[width:]):
        problems.append(
            Problem(
                row, None, None, f"the row has {len(cells)} cells but the header {width} columns"
            )
        )
    return cells[:width]


def _too_long(row: int, column: str) -> UnreadableFile:
    return _unreadable(
        f"the cell is longer than {MAX_CELL_CHARS:,} characters, the most a spreadsheet cell "
        f"holds; the file is read no further",
        row,
        column,
    )


def _field_lengths(record: str, delimiter: str) -> list[int]:
    """Length of each field of (the start of) one record, by csv's quoting rules.

    Only for naming the column of a cell too long to read: a loop over at most MAX_ROW_CHARS.
    """
    lengths, quoted, at_start, i = [0], False, True, 0
    while i < len(record):
        c = record[i]
        if quoted:
            if c == '"' and record[i + 1 : i + 2] == '"':
                lengths[-1] += 1
                i += 1
            elif c == '"':
                quoted = False
            else:
                lengths[-1] += 1
        elif c == '"' and at_start:
            quoted = True
        elif c == delimiter:
            lengths.append(0)
            at_start, i = True, i + 1
            continue
        elif c not in "\r\n":
            lengths[-1] += 1
        at_start = False
        i += 1
    return lengths


def _first_undecodable(path: Path, encoding: str) -> int:
    """Byte offset of the first byte `encoding` cannot decode (for the message only)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as f:
        while block := f.read(2**20):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return offset + exc.start
            offset += len(block)
    return offset


# --- XLSX ---------------------------------------------------------------------------------------


def check_workbook(path: Path, limits: WorkbookLimits = WORKBOOK_LIMITS) -> None:
    """Refuse a workbook whose parts would expand beyond `limits`, from its zip directory alone.

    The sizes are the ones the zip declares; a part that declares less than it holds is cut at
    its declared size by zipfile (which openpyxl reads through) and fails its checksum, so the
    lie ends in a refusal, never in a bigger expansion.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise _unreadable(f"not a readable XLSX workbook ({exc})") from None
    total = sum(p.file_size for p in parts)
    if total > limits.max_uncompressed:
        raise _unreadable(
            f"the workbook expands to {total:,} bytes in all; at most "
            f"{limits.max_uncompressed:,} are read (export it as CSV instead)"
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > limits.ratio_from and ratio > limits.max_ratio:
            raise _unreadable(
                f"part {part.filename} expands {ratio:,.0f} times ({part.compress_size:,} bytes "
                f"compressed to {part.file_size:,}); a workbook compresses about 10 times, at "
                f"most {limits.max_ratio:,.0f}: this looks like a zip bomb"
            )
        in_memory = not part.filename.startswith(SHEET_PARTS)
        if in_memory and part.file_size > limits.max_part_in_memory:
            raise _unreadable(
                f"part {part.filename} expands to {part.file_size:,} bytes; at most "
                f"{limits.max_part_in_memory:,} bytes are read for a part held whole"
            )


def _xlsx(path: Path, options: FileOptions, chunk_rows: int) -> Iterator[Chunk]:
    import openpyxl

    check_workbook(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise _unreadable(f"not a readable XLSX workbook ({exc})") from None
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
        # a sheet's stated dimensions can claim every column of every row: read what is there
        sheet.reset_dimensions()
        first = _sheet_rows(sheet, max_row=1)
        header = next(first, None)
        first.close()
        if header is None or all(h is None for h in header):
            raise UnreadableFile(
                Problem(None, None, sheet.title, "the sheet is empty (no header row)")
            )
        names = _names(header)
        batches = _Batches(names, chunk_rows)
        for number, row in enumerate(_sheet_rows(sheet, min_row=2, max_col=len(names)), 2):
            if number > XLSX_MAX_ROWS:
                raise _unreadable(
                    f"the sheet has rows beyond row {XLSX_MAX_ROWS:,}, the last a sheet has"
                )
            if all(v is None for v in row):
                continue
            cells = [_cell_text(v) for v in row]
            if len(cells) < len(names):  # max_col pads a row; a short one is padded here too
                cells += [""] * (len(names) - len(cells))
            if (chunk := batches.add(cells, sum(len(c) for c in cells))) is not None:
                yield chunk
        if (chunk := batches.flush()) is not None:
            yield chunk
    finally:
        book.close()


def _sheet_rows(sheet: Any, **bounds: int) -> Generator[tuple[object, ...]]:
    """The sheet's rows as values; a part that fails while being read makes the file unreadable."""
    try:
        yield from sheet.iter_rows(values_only=True, **bounds)
    except UnreadableFile:
        raise
    except Exception as exc:  # a damaged part: bad checksum, truncated or malformed XML
        raise _unreadable(f"not a readable XLSX workbook ({exc})") from None


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


# --- Parquet ------------------------------------------------------------------------------------


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
    for field_, column in zip(batch.schema, batch.columns, strict=True):
        if pa.types.is_list(field_.type) or pa.types.is_large_list(field_.type):
            column = pc.cast(column, pa.list_(pa.string()))
            columns[field_.name] = pd.Series(column, dtype=pd.ArrowDtype(column.type))
            continue
        if pa.types.is_dictionary(field_.type) or pa.types.is_large_string(field_.type):
            column = pc.cast(column, pa.string())
        if pa.types.is_string(column.type):
            columns[field_.name] = pd.Series(column, dtype="string[pyarrow]")
        else:
            columns[field_.name] = column.to_pandas()
    return pd.DataFrame(columns)
