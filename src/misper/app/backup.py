"""Backing up and restoring the whole store as one portable file (SQLite and PostgreSQL alike).

The file is gzipped JSON lines: a header (format, version, schema revision, rows per table), then
each table's column names and rows, parents before children. JSON columns keep their JSON text,
so SQL NULL and JSON null stay apart. Every table is read in one snapshot (a read transaction on
SQLite, REPEATABLE READ on PostgreSQL), so a backup taken while the store is at work is whole.

A backup is trusted only once checked: the written file is read back (rows per table, keys unique,
every foreign key pointing at a row in the file, the audit chain verified with the store's audit
key) before it takes its name, readable by its owner only; a file that fails is deleted. Restore
checks the file the same way, with the key of the store restored into (which must be the key of
the store backed up: the key never enters the file), before writing anything, then loads it in
one transaction into an empty store at the same revision: whole or not at all. The audit chain
comes back byte for byte.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    cast,
    create_engine,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from misper.app.audit.keys import AuditKey, AuditKeyError, key_for
from misper.app.audit.models import AuditEvent
from misper.app.audit.service import Verification, verify
from misper.app.db import current_revision
from misper.incidents.frame import atomic_path

FORMAT = "misper-store-backup"
# What a damaged gzip file raises while it is read.
DAMAGED = (OSError, EOFError, zlib.error, UnicodeDecodeError)
# Version 1 files (no version in the header) have no column names or row counts, and hold JSON
# columns decoded (SQL NULL and JSON null both as null); they still restore.
VERSION = 2
BATCH = 5_000
MAX_PROBLEMS = 20  # told in full; the rest are counted
AUDIT = AuditEvent.__tablename__


class BackupError(Exception):
    """The store cannot be backed up, or the file is not a backup it can take; nothing was
    changed and no unchecked file was left."""


@dataclass(frozen=True)
class Summary:
    """What a checked file holds."""

    rows: dict[str, int]  # per table, in file order
    events: int  # audit events on the verified chain
    pending: int  # audit events committed but not yet chained when the snapshot was taken


def backup(engine: Engine, path: str | Path) -> Summary:
    """Write every table to `path` from one snapshot, read the file back and check it, and only
    then give it its name. On any failure no file is left (an older one there stays)."""
    tables = _tables(engine)
    name = Path(path)
    key = _audit_key(engine)
    with atomic_path(name) as tmp:
        os.chmod(tmp, 0o600)  # it holds every child's record
        with _snapshot(engine) as connection, gzip.open(tmp, "wt", encoding="utf-8") as out:
            revision = MigrationContext.configure(connection).get_current_revision()
            if revision is None:
                raise BackupError(
                    "the database has no case store yet: run `misper db upgrade` first"
                )
            # Counted in the snapshot: the check then proves every row of it reached the file.
            rows = {t.name: connection.scalar(select(func.count()).select_from(t)) for t in tables}
            out.write(
                _line({"format": FORMAT, "version": VERSION, "revision": revision, "rows": rows})
            )
            for table in tables:
                out.write(_line({"table": table.name, "columns": list(table.columns.keys())}))
                for row in connection.execute(_select(table)):
                    out.write(_line([_encode(v) for v in row]))
        return _check(tmp, name, tables, key, outcome="the backup failed its check and was deleted")


def restore(engine: Engine, path: str | Path) -> Summary:
    """Check the file whole, then load it into an empty store at the backup's revision in one
    transaction; returns what it held."""
    name = Path(path)
    tables = _tables(engine)
    with _open(path, name) as (_source, header):
        pass
    revision = current_revision(engine)
    if header.get("revision") != revision:
        raise BackupError(
            f"{name} is at schema revision {header.get('revision')}, the store "
            f"at {revision}; run `misper db upgrade` or use a matching backup"
        )
    with engine.connect() as connection:
        _refuse_non_empty(connection, tables)  # said at once, before reading the whole file
    summary = _check(path, name, tables, _audit_key(engine), outcome="nothing was restored")
    by_name = {t.name: t for t in tables}
    with engine.begin() as connection, _open(path, name) as (source, header):
        _refuse_non_empty(connection, tables)
        problems = _Problems(name, "nothing was restored")  # the file changed since its check
        writers: dict[str, object] = {}
        table, batch, first, number = None, [], 0, 1
        for number, section, row in _rows(source, header, by_name, problems):
            if section is not table or len(batch) >= BATCH:
                _write(connection, writers, table, batch, first, number - 1, name)
                table, batch, first = section, [], number
            if row is not None:
                batch.append({f"p_{k}": v for k, v in row.items()})
        _write(connection, writers, table, batch, first, number, name)
        problems.raise_if_any()
        if engine.dialect.name == "postgresql":
            _reset_sequences(connection, tables)
    return summary


def _audit_key(engine: Engine) -> AuditKey:
    """The store's audit key, for a copy of its log: checked against no checkpoint (a snapshot
    is behind the ones written since it, an older backup behind all those written after it)."""
    try:
        return replace(key_for(engine.url), checkpoints=None)
    except AuditKeyError as exc:
        raise BackupError(str(exc)) from None


def _tables(engine: Engine) -> list[Table]:
    """Every table the migrations made (read from the database itself, so tables added by any
    domain's migration are included), parents before children."""
    metadata = MetaData()
    metadata.reflect(engine)
    return [t for t in metadata.sorted_tables if t.name != "alembic_version"]


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see one committed state of the store, whoever writes."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(
                isolation_level="REPEATABLE READ",
                postgresql_readonly=True,
                postgresql_deferrable=True,
            )
        else:
            # pysqlite begins no transaction for reads, so each SELECT would see the store as it
            # is then; inside one, WAL keeps the state of the first read for all that follow.
            connection.exec_driver_sql("BEGIN")
        yield connection


def _is_json(column) -> bool:
    return isinstance(column.type, JSON)


def _select(table: Table):
    """The rows in key order, streamed; JSON columns as their text (SQL NULL stays None)."""
    columns = [cast(c, Text).label(c.name) if _is_json(c) else c for c in table.columns]
    return select(*columns).order_by(*table.primary_key.columns).execution_options(yield_per=BATCH)


def _encode(value):
    return value.isoformat() if isinstance(value, (datetime, date)) else value


def _line(item) -> str:
    return json.dumps(item) + "\n"


class _Problems:
    """What is wrong with a file, each said with where it is (line, table, row)."""

    def __init__(self, name: Path, outcome: str):
        self.name, self.outcome, self.told, self.count = name, outcome, [], 0

    def add(self, message: str, *, first: bool = False) -> None:
        """`first`: the cause of what was told before it (a damaged file), so it is told first."""
        self.count += 1
        if first:
            self.told.insert(0, message)
        else:
            self.told.append(message)
        del self.told[MAX_PROBLEMS:]

    def raise_if_any(self) -> None:
        if not self.count:
            return
        more = self.count - len(self.told)
        raise BackupError(
            f"{self.name}: {self.outcome}; {self.count:,} problem(s):\n  "
            + "\n  ".join(self.told)
            + (f"\n  and {more:,} more" if more else "")
        )


@contextmanager
def _open(path: str | Path, name: Path) -> Iterator[tuple[TextIO, dict]]:
    """The file, positioned after its header, and the header; anything else is refused."""
    try:
        source = gzip.open(path, "rt", encoding="utf-8")
    except OSError as exc:
        raise BackupError(f"{name}: not a store backup ({exc.__class__.__name__})") from None
    with source:
        try:
            header = json.loads(source.readline())
        except (*DAMAGED, ValueError) as exc:
            raise BackupError(f"{name}: not a store backup, or a damaged one ({exc})") from None
        if (
            not isinstance(header, dict)
            or header.get("format") != FORMAT
            or header.get("version", 1) not in (1, VERSION)
        ):
            raise BackupError(f"{name}: not a store backup of a version this program reads")
        yield source, header


def _rows(
    source: TextIO, header: dict, tables: dict[str, Table], problems: _Problems
) -> Iterator[tuple[int, Table, dict | None]]:
    """(line, table, row) for every row, decoded for the store, and (line, table, None) where a
    table begins; a line that cannot be read is a problem, not a row."""
    version = header.get("version", 1)
    table, columns, number = None, [], 1
    try:
        for number, line in enumerate(source, start=2):
            try:
                item = json.loads(line)
            except ValueError:
                problems.add(f"line {number}: not JSON")
                continue
            if isinstance(item, dict):
                table = tables.get(item.get("table"))
                if table is None:
                    problems.add(f"line {number}: no table {item.get('table')!r} in the store")
                    continue
                columns = item.get("columns", list(table.columns.keys()))  # version 1: in order
                if sorted(columns) != sorted(table.columns.keys()):
                    problems.add(f"line {number}: the columns of {table.name} are not the store's")
                    table = None
                    continue
                yield number, table, None
            elif table is None:
                continue  # the rows of a table already refused
            elif not isinstance(item, list) or len(item) != len(columns):
                problems.add(f"line {number}, table {table.name}: the row does not fit its table")
            else:
                row = _decode(table, columns, item, version, number, problems)
                if row is not None:
                    yield number, table, row
    except DAMAGED as exc:
        problems.add(f"after line {number}: the file is cut short or damaged ({exc})", first=True)


def _decode(table: Table, columns: list[str], values: list, version: int, number: int, problems):
    row, ok = {}, True
    for name, value in zip(columns, values, strict=True):
        column = table.columns[name]
        try:
            row[name] = _value(column, value, version)
        except (TypeError, ValueError):
            raw = dict(zip(columns, values, strict=True))
            where = f"line {number}, table {table.name} ({_row_key(table, raw)})"
            problems.add(f"{where}: {name} is not a valid {column.type} value")
            ok = False
    return row if ok else None


def _value(column, value, version: int):
    if value is None:
        # Version 1 wrote SQL NULL and JSON null alike: NULL where the column allows it.
        return "null" if version == 1 and _is_json(column) and not column.nullable else None
    if _is_json(column):
        if version == 1:
            return json.dumps(value)
        json.loads(value)  # raises on text that is not JSON
        return value
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    try:
        expected = column.type.python_type
    except NotImplementedError:  # a type that names none: taken as it is
        return value
    # SQLite would store a value of another type without a word.
    if isinstance(value, bool) is not (expected is bool) or not isinstance(
        value, (int, float) if expected is float else expected
    ):
        raise TypeError(value)
    return value


def _check(
    path: str | Path, name: Path, tables: list[Table], key: AuditKey, *, outcome: str
) -> Summary:
    """Read the whole file and check it against the store's schema; raise with every problem."""
    by_name = {t.name: t for t in tables}
    problems = _Problems(name, outcome)
    uniques = {t.name: _unique_keys(t) for t in tables}
    # The values of every key a row must not repeat or a foreign key may point at, per table.
    recorded = {t: set(ks) for t, ks in uniques.items()}
    for fk in (fk for t in tables for fk in _fks(t)):
        recorded[fk.referred_table.name].add(_referred(fk))
    keys = {(t, columns): set() for t, ks in recorded.items() for columns in ks}
    rows: dict[str, int] = {}
    with (
        _open(path, name) as (source, header),
        tempfile.TemporaryDirectory() as folder,
        _AuditCopy(Path(folder), key) as audit,
    ):
        for number, table, row in _rows(source, header, by_name, problems):
            if row is None:
                _check_section(number, table, rows, problems)
                continue
            rows[table.name] += 1
            where = f"line {number}, table {table.name} ({_row_key(table, row)})"
            for column in table.columns:
                if row[column.name] is None and not column.nullable:
                    problems.add(f"{where}: {column.name} is empty, which it may not be")
            for columns in uniques[table.name]:
                value = tuple(row[c] for c in columns)
                if None not in value and value in keys[(table.name, columns)]:
                    problems.add(f"{where}: {', '.join(columns)} repeats an earlier row's")
            for fk in _fks(table):
                value = tuple(row[c] for c in fk.column_keys)
                if None not in value and value not in keys[(fk.referred_table.name, _referred(fk))]:
                    shown = ", ".join(
                        f"{c} {v}" for c, v in zip(fk.column_keys, value, strict=True)
                    )
                    problems.add(f"{where}: {shown} points at no row of {fk.referred_table.name}")
            for columns in recorded[table.name]:
                keys[(table.name, columns)].add(tuple(row[c] for c in columns))
            if table.name == AUDIT:
                audit.add(row)
        for table in tables:
            if table.name not in rows:
                problems.add(f"the file has no table {table.name}")
        expected = header.get("rows")
        for table_name, count in rows.items():
            if expected is not None and expected.get(table_name) != count:
                problems.add(
                    f"table {table_name}: {count:,} rows in the file, "
                    f"{expected.get(table_name)} in the snapshot it was taken from"
                )
        chain = audit.verify() if AUDIT in rows else Verification(True, 0, "")
        if not chain.ok:
            problems.add(
                f"table {AUDIT}: the audit chain is broken after {chain.events:,} good events: "
                f"{chain.problem} (checked with the audit key {key.path or 'of this process'}, "
                "which must be the key of the store backed up)"
            )
    problems.raise_if_any()
    return Summary(rows, chain.events, chain.pending)


def _check_section(number: int, table: Table, rows: dict[str, int], problems: _Problems) -> None:
    """A table appears once, after every table it refers to (the order it is restored in)."""
    if table.name in rows:
        problems.add(f"line {number}: table {table.name} appears a second time")
    for fk in _fks(table):
        parent = fk.referred_table.name
        if parent != table.name and parent not in rows:
            problems.add(f"line {number}: table {table.name} comes before {parent}, its parent")
    rows[table.name] = 0


def _fks(table: Table):
    return sorted(table.foreign_key_constraints, key=lambda fk: fk.column_keys)


def _referred(fk) -> tuple[str, ...]:
    return tuple(element.column.name for element in fk.elements)


def _unique_keys(table: Table) -> list[tuple[str, ...]]:
    """The primary key, unique constraints, and unique indexes over the whole table."""
    keys = [tuple(table.primary_key.columns.keys())]
    keys += [tuple(c.columns.keys()) for c in table.constraints if isinstance(c, UniqueConstraint)]
    keys += [
        tuple(index.columns.keys())
        for index in table.indexes
        if index.unique
        and not any(k.endswith("_where") and v is not None for k, v in index.dialect_kwargs.items())
    ]
    return list(dict.fromkeys(k for k in keys if k))


def _row_key(table: Table, row: dict) -> str:
    return ", ".join(f"{c} {row[c]}" for c in table.primary_key.columns.keys()) or "no key"


class _AuditCopy:
    """The file's audit events in a scratch SQLite store, for the store's own chain verifier."""

    def __init__(self, folder: Path, key: AuditKey):
        self.engine = create_engine(f"sqlite:///{folder / 'audit.db'}", hide_parameters=True)
        self.key = key
        # The columns only: a key the file repeats is a problem `_check` names, not a crash here.
        columns = [Column(c.name, c.type) for c in AuditEvent.__table__.columns]
        self.table = Table(AUDIT, MetaData(), *columns)
        self.batch: list[dict] = []

    def __enter__(self) -> _AuditCopy:
        self.table.create(self.engine)
        return self

    def __exit__(self, *_exc) -> None:
        self.engine.dispose()

    def add(self, row: dict) -> None:
        self.batch.append({c: row[c] for c in self.table.columns.keys() if c in row})
        if len(self.batch) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.batch:
            with self.engine.begin() as connection:
                connection.execute(insert(self.table), self.batch)
            self.batch = []

    def verify(self) -> Verification:
        self._flush()
        with Session(self.engine) as session:
            return verify(session, key=self.key)


def _refuse_non_empty(connection: Connection, tables: list[Table]) -> None:
    for table in tables:
        if connection.scalar(select(func.count()).select_from(table)):
            raise BackupError(
                f"the store is not empty (table {table.name} has rows); "
                "restore into a new, upgraded database"
            )


def _writer(table: Table, dialect: str):
    """An INSERT of a file row as it is. JSON columns take their text unchanged, cast on
    PostgreSQL (SQLite keeps JSON as text; a cast there would make it a number)."""
    values = {}
    for column in table.columns:
        if _is_json(column):
            param = bindparam(f"p_{column.name}", type_=Text())
            values[column.name] = cast(param, column.type) if dialect == "postgresql" else param
        else:
            values[column.name] = bindparam(f"p_{column.name}", type_=column.type)
    return insert(table).values(values)


def _write(connection, writers, table, batch, first, last, name) -> None:
    if table is None or not batch:
        return
    if table.name not in writers:
        writers[table.name] = _writer(table, connection.dialect.name)
    try:
        connection.execute(writers[table.name], batch)
    except DBAPIError as exc:
        # The database's own words, first line only: PostgreSQL's detail quotes the row's values.
        reason = str(exc.orig).splitlines()[0] if exc.orig else exc.__class__.__name__
        raise BackupError(
            f"{name}: lines {first}-{last}, table {table.name}: the store refused them "
            f"({reason}); nothing was restored"
        ) from None


def _reset_sequences(connection, tables) -> None:
    """Restored ids were inserted explicitly; move each id sequence past them."""
    for table in tables:
        if "id" in table.columns:
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )
