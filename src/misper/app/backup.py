"""Backing up and restoring the whole store as one portable file (SQLite and PostgreSQL alike).

The file is gzipped JSON lines: a header naming the schema revision, then every table's rows in
foreign-key order. A backup restores only into an empty store at the same revision (run
`misper db upgrade` first), in one transaction: it lands whole or not at all. The audit chain
comes back byte for byte, so `misper audit verify` passes on the restored store.
"""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Date, DateTime, MetaData, func, insert, select, text
from sqlalchemy.engine import Engine

from misper.app.db import current_revision
from misper.incidents.frame import atomic_path

FORMAT = "misper-store-backup"
BATCH = 5_000


class BackupError(Exception):
    """The file is not a backup this store can take; nothing was changed."""


def _tables(engine: Engine):
    """Every table the migrations made (read from the database itself, so tables added by any
    domain's migration are included), parents before children."""
    metadata = MetaData()
    metadata.reflect(engine)
    return [t for t in metadata.sorted_tables if t.name != "alembic_version"]


def _encode(value):
    return value.isoformat() if isinstance(value, (datetime, date)) else value


def backup(engine: Engine, path: str | Path) -> dict[str, int]:
    """Write every table to `path` (atomically); returns rows per table."""
    counts = {}
    tables = _tables(engine)
    with engine.connect() as connection, atomic_path(Path(path)) as tmp:
        # One repeatable snapshot on PostgreSQL, so tables agree with each other.
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        with gzip.open(tmp, "wt", encoding="utf-8") as out:
            header = {
                "format": FORMAT,
                "revision": current_revision(engine),
                "tables": [t.name for t in tables],
            }
            out.write(json.dumps(header) + "\n")
            for table in tables:
                rows = connection.execute(select(table).order_by(*table.primary_key.columns))
                counts[table.name] = 0
                out.write(json.dumps({"table": table.name}) + "\n")
                for row in rows:
                    out.write(json.dumps([_encode(v) for v in row]) + "\n")
                    counts[table.name] += 1
    return counts


def restore(engine: Engine, path: str | Path) -> dict[str, int]:
    """Load a backup into an empty store at the backup's revision; returns rows per table."""
    tables = {t.name: t for t in _tables(engine)}
    try:
        source = gzip.open(path, "rt", encoding="utf-8")
        header = json.loads(source.readline())
    except (OSError, EOFError, ValueError) as exc:
        raise BackupError(f"{path}: not a store backup ({exc.__class__.__name__})") from None
    with source:
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise BackupError(f"{path}: not a store backup")
        revision = current_revision(engine)
        if header.get("revision") != revision:
            raise BackupError(
                f"{path} is at schema revision {header.get('revision')}, the store "
                f"at {revision}; run `misper db upgrade` or use a matching backup"
            )
        counts: dict[str, int] = {}
        with engine.begin() as connection:
            for table in tables.values():
                if connection.scalar(select(func.count()).select_from(table)):
                    raise BackupError(
                        f"the store is not empty (table {table.name} has rows); "
                        "restore into a new, upgraded database"
                    )
            table, batch = None, []
            for number, line in enumerate(source, start=2):
                item = json.loads(line)
                if isinstance(item, dict):
                    _flush(connection, table, batch, counts)
                    if item.get("table") not in tables:
                        raise BackupError(
                            f"{path} line {number}: unknown table {item.get('table')!r}"
                        )
                    table, batch = tables[item["table"]], []
                    counts[table.name] = 0
                    continue
                if table is None or len(item) != len(table.columns):
                    raise BackupError(f"{path} line {number}: row does not fit its table")
                batch.append(_decode(table, item))
                if len(batch) >= BATCH:
                    _flush(connection, table, batch, counts)
                    batch = []
            _flush(connection, table, batch, counts)
            if engine.dialect.name == "postgresql":
                _reset_sequences(connection, tables.values())
    return counts


def _decode(table, values: list) -> dict:
    row = {}
    for column, value in zip(table.columns, values):
        if value is not None and isinstance(column.type, DateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, Date):
            value = date.fromisoformat(value)
        row[column.name] = value
    return row


def _flush(connection, table, batch: list[dict], counts: dict[str, int]) -> None:
    if table is not None and batch:
        connection.execute(insert(table), batch)
        counts[table.name] += len(batch)


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
