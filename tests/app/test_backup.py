"""Backups to trust: one snapshot while the store is written, checked before it is kept, NULL kept,
owner-only files, and a damaged file refused whole (SQLite and PostgreSQL)."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import stat
import threading

import pandas as pd
import pytest
from sqlalchemy import JSON, MetaData, Text, cast, event, func, select, text
from typer.testing import CliRunner

from misper.app.agencies.service import add_agency
from misper.app.audit.models import AuditEvent
from misper.app.audit.service import verify
from misper.app.backup import backup, restore
from misper.app.db import make_engine, session_factory, transaction
from misper.app.episodes.models import Episode
from misper.app.interchange.service import import_frame
from misper.cli import app
from misper.incidents.frame import to_canonical

runner = CliRunner()


def misper(*args: str, ok: bool = True):
    result = runner.invoke(app, list(args))
    assert (result.exit_code == 0) is ok, result.output
    assert "Traceback" not in result.output
    return result


def incidents(*rids: str, risk_flags=None):
    """One new child per incident; `risk_flags` one value per rid (None: SQL NULL)."""
    n = len(rids)
    return to_canonical(
        pd.DataFrame(
            {
                "rid": list(rids),
                "pid": [f"p-{rid}" for rid in rids],
                "reported_at": pd.to_datetime(["2022-01-01 10:00"] * n),
                "age": [14] * n,
                "missing_from_type": ["home"] * n,
                "risk_flags": risk_flags or [None] * n,
            }
        )
    )


def fill(url: str, *, world: bool = False) -> None:
    """A small store: a police force, three incidents (risk flags NULL, [] and listed), one
    episode whose markers are JSON null rather than SQL NULL, the audit events of all that; with
    `world`, the two-sided world of world.py too (most tables, a JSON profile)."""
    engine = make_engine(url)
    if world:
        from app.world import build_world

        with transaction(session_factory(engine)) as session:
            build_world(session)
    with transaction(session_factory(engine)) as session:
        force = add_agency(session, None, "Backup Police", "police")
        session.flush()
        three = incidents("r1", "r2", "r3", risk_flags=[None, [], ["cse"]])
        import_frame(session, None, three, force.id)
    with engine.begin() as connection:
        connection.execute(text("UPDATE episodes SET markers = 'null' WHERE rid = 'r2'"))
    engine.dispose()


def dump(url: str) -> dict[str, list[tuple]]:
    """Every table's rows in key order, JSON columns as their stored text."""
    engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        rows = {
            table.name: connection.execute(
                select(
                    *[cast(c, Text) if isinstance(c.type, JSON) else c for c in table.columns]
                ).order_by(*table.primary_key.columns)
            ).all()
            for table in metadata.sorted_tables
        }
    engine.dispose()
    return rows


def count(url: str, table) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        n = connection.scalar(select(func.count()).select_from(table))
    engine.dispose()
    return n


def fresh_sqlite(sqlite_template, folder) -> str:
    folder.mkdir()
    shutil.copy(sqlite_template, folder / "store.db")
    return f"sqlite:///{folder / 'store.db'}"


def test_every_row_comes_back_as_it_was_nulls_too_on_either_backend(
    database_url, second_store, sqlite_template, tmp_path
):
    fill(database_url, world=True)
    first, second = tmp_path / "first.jsonl.gz", tmp_path / "second.jsonl.gz"
    misper("db", "backup", str(first), "--db", database_url)
    # Through a SQLite store and back: one format, whichever backend wrote or reads it.
    middle = fresh_sqlite(sqlite_template, tmp_path / "middle")
    misper("db", "restore", str(first), "--db", middle)
    misper("db", "backup", str(second), "--db", middle)
    done = misper("db", "restore", str(second), "--db", second_store)
    assert f"audit chain intact ({count(database_url, AuditEvent.__table__)} events)" in done.output

    source = dump(database_url)
    assert dump(middle) == source
    assert dump(second_store) == source
    assert sum(map(len, source.values())) > 40  # the world filled many tables
    # SQL NULL, [] and JSON null stay three different things.
    engine = make_engine(second_store)
    with engine.connect() as connection:
        cells = connection.execute(
            text(
                "SELECT rid, CAST(risk_flags AS TEXT), CAST(markers AS TEXT) FROM episodes "
                "WHERE rid IN ('r1', 'r2', 'r3') ORDER BY rid"
            )
        ).all()
    assert cells == [("r1", None, None), ("r2", "[]", "null"), ("r3", '["cse"]', None)]
    with transaction(session_factory(engine)) as session:
        assert verify(session).ok
        add_agency(session, None, "After Restore", "council")  # ids continue past the restored
    engine.dispose()
    assert stat.S_IMODE(first.stat().st_mode) == 0o600


class Writer(threading.Thread):
    """Imports one incident per transaction (a child, an episode, their audit events) until
    stopped."""

    def __init__(self, url: str, force_id: int):
        super().__init__(daemon=True)
        self.engine, self.force_id = make_engine(url), force_id
        self.commits, self.error = 0, None
        self.changed, self.stop = threading.Condition(), threading.Event()

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                with transaction(session_factory(self.engine)) as session:
                    import_frame(session, None, incidents(f"w{self.commits}"), self.force_id)
                with self.changed:
                    self.commits += 1
                    self.changed.notify_all()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
            with self.changed:
                self.changed.notify_all()
        finally:
            self.engine.dispose()

    def wait_for(self, more: int) -> None:
        with self.changed:
            target = self.commits + more
            assert self.changed.wait_for(
                lambda: self.commits >= target or self.error is not None, timeout=60
            ), "the writer made no progress"
        assert self.error is None, self.error


def test_a_backup_taken_while_the_store_is_written_restores_whole(
    database_url, second_store, tmp_path
):
    engine = make_engine(database_url)
    with transaction(session_factory(engine)) as session:
        force = add_agency(session, None, "Busy Police", "police")
    writer = Writer(database_url, force.id)
    writer.start()
    writer.wait_for(3)
    # Make sure writes land between the backup's reads: after children are counted and again
    # after they are read, before episodes are (a reader without one snapshot then writes
    # episodes whose child is not in the file).
    reading = make_engine(database_url)

    @event.listens_for(reading, "after_cursor_execute")
    def _let_the_writer_in(_conn, _cursor, statement, *_args) -> None:
        if "FROM children" in statement:
            writer.wait_for(2)

    path = tmp_path / "busy.jsonl.gz"
    try:
        summary = backup(reading, path)
    finally:
        writer.stop.set()
        writer.join(60)
        reading.dispose()
    assert writer.error is None, writer.error
    taken = summary.rows["episodes"]
    assert count(database_url, Episode.__table__) >= taken + 4  # written during the backup

    target = make_engine(second_store)
    restored = restore(target, path)
    assert restored.rows == summary.rows
    assert count(second_store, Episode.__table__) == taken
    with transaction(session_factory(target)) as session:
        children = session.scalar(text("SELECT count(*) FROM children"))
        imports = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "import", AuditEvent.entity == "episode")
        )
        chain = verify(session)
    target.dispose()
    engine.dispose()
    # Each import committed a child, an episode and an event together: the file holds whole ones.
    assert children == imports == taken
    assert chain.ok and chain.events + chain.pending == summary.events + summary.pending


def test_files_of_the_store_are_readable_by_their_owner_only(tmp_path):
    before = os.umask(0o022)  # the usual umask, under which files are made readable by all
    try:
        url = f"sqlite:///{tmp_path / 'new.db'}"
        misper("db", "upgrade", "--db", url)
        engine = make_engine(url)
        with transaction(session_factory(engine)) as session:
            add_agency(session, None, "Owner Police", "police")
        # The pool keeps the connection open, so the -wal and -shm files are there too.
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.glob("new.db*")}
        engine.dispose()
        assert {"new.db", "new.db-wal", "new.db-shm"} <= modes.keys()
        assert set(modes.values()) == {0o600}
        misper("db", "backup", str(tmp_path / "b.jsonl.gz"), "--db", url)
        assert stat.S_IMODE((tmp_path / "b.jsonl.gz").stat().st_mode) == 0o600
    finally:
        os.umask(before)


def read_items(path) -> list:
    with gzip.open(path, "rt") as f:
        return [json.loads(line) for line in f]


def write_items(path, items: list) -> None:
    with gzip.open(path, "wt") as f:
        f.writelines(json.dumps(item) + "\n" for item in items)


def section(items: list, table: str) -> tuple[int, int, list[str]]:
    """Index of the table's first row, one past its last, and its columns."""
    start = next(
        i for i, item in enumerate(items) if isinstance(item, dict) and item.get("table") == table
    )
    end = next((i for i in range(start + 1, len(items)) if isinstance(items[i], dict)), len(items))
    return start + 1, end, items[start]["columns"]


def dangling_child(items):
    start, _end, columns = section(items, "episodes")
    items[start][columns.index("child_id")] = 999
    return items


def no_children(items):
    start, end, _columns = section(items, "children")
    return items[: start - 1] + items[end:]


def altered_event(items):
    start, _end, columns = section(items, "audit_events")
    items[start][columns.index("detail")] = '{"added":99}'
    return items


def wrong_type(items):
    start, _end, columns = section(items, "episodes")
    items[start][columns.index("age")] = "fourteen"
    return items


def lost_event(items):
    _start, end, _columns = section(items, "audit_events")
    return items[: end - 1] + items[end:]


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (dangling_child, r"table episodes \(id 1\): child_id 999 points at no row of children"),
        (no_children, "the file has no table children"),
        (altered_event, "audit chain is broken after 0 good events: event 1 was altered"),
        (wrong_type, r"table episodes \(id 1\): age is not a valid INTEGER value"),
        (lost_event, r"table audit_events: (\d+) rows in the file, (?!\1)\d+ in the snapshot"),
    ],
)
def test_a_damaged_backup_is_refused_and_nothing_is_written(
    database_url, second_store, tmp_path, damage, said
):
    fill(database_url)
    path = tmp_path / "b.jsonl.gz"
    misper("db", "backup", str(path), "--db", database_url)
    write_items(path, damage(read_items(path)))
    refused = misper("db", "restore", str(path), "--db", second_store, ok=False)
    assert refused.exit_code == 1
    assert f"{path}: nothing was restored" in refused.output
    assert re.search(said, refused.output), refused.output
    assert not any(rows for name, rows in dump(second_store).items() if name != "alembic_version")


def test_a_cut_or_foreign_file_is_refused(database_url, second_store, tmp_path):
    fill(database_url)
    path = tmp_path / "b.jsonl.gz"
    misper("db", "backup", str(path), "--db", database_url)
    whole = path.read_bytes()
    path.write_bytes(whole[:-40])
    cut = misper("db", "restore", str(path), "--db", second_store, ok=False)
    assert "the file is cut short or damaged" in cut.output
    middle = len(whole) // 2
    path.write_bytes(
        whole[:middle] + bytes(b ^ 0xFF for b in whole[middle : middle + 8]) + whole[middle + 8 :]
    )
    flipped = misper("db", "restore", str(path), "--db", second_store, ok=False)
    # Refused at the header or, if the bytes still inflate, by the gzip check sum at the end:
    # either way the damage is said first.
    said = flipped.output.split("\n", 2)
    assert "a damaged one" in said[0] or "cut short or damaged" in said[1], flipped.output
    path.write_text("rid,pid\n")
    foreign = misper("db", "restore", str(path), "--db", second_store, ok=False)
    assert "not a store backup" in foreign.output
    assert count(second_store, Episode.__table__) == 0


def test_a_backup_that_fails_its_check_is_deleted_and_the_last_good_one_kept(
    database_url, tmp_path
):
    fill(database_url)
    (tmp_path / "backups").mkdir()
    path = tmp_path / "backups" / "b.jsonl.gz"
    misper("db", "backup", str(path), "--db", database_url)
    good = path.read_bytes()
    engine = make_engine(database_url)
    with engine.begin() as c:
        if engine.dialect.name == "postgresql":
            c.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        else:
            c.execute(text("DROP TRIGGER audit_events_no_delete"))
        c.execute(text("DELETE FROM audit_events WHERE seq = 1"))
    engine.dispose()
    failed = misper("db", "backup", str(path), "--db", database_url, ok=False)
    assert "the backup failed its check and was deleted" in failed.output
    assert "audit chain is broken after 0 good events: event 1 is missing" in failed.output
    assert path.read_bytes() == good
    assert [p.name for p in path.parent.iterdir()] == ["b.jsonl.gz"]


def test_a_backup_of_the_first_format_still_restores(database_url, second_store, tmp_path):
    """Version 1: no column names or counts, JSON columns decoded (NULL where a column allows)."""
    fill(database_url)
    path = tmp_path / "b.jsonl.gz"
    misper("db", "backup", str(path), "--db", database_url)
    items, table, columns = read_items(path), None, []
    header = items[0]
    old = [{"format": header["format"], "revision": header["revision"], "tables": []}]
    lists = {"risk_flags", "reason_vulnerability", "reason_codes", "markers"}
    for item in items[1:]:
        if isinstance(item, dict):
            table, columns = item["table"], item["columns"]
            old[0]["tables"].append(table)
            old.append({"table": table})
        elif table == "episodes":  # the only JSON columns with rows here
            decoded = zip(columns, item, strict=True)
            old.append([json.loads(v) if c in lists and v is not None else v for c, v in decoded])
        else:
            old.append(item)
    write_items(path, old)
    misper("db", "restore", str(path), "--db", second_store)
    engine = make_engine(second_store)
    with engine.connect() as connection:
        cells = connection.execute(
            text("SELECT rid, CAST(risk_flags AS TEXT) FROM episodes ORDER BY rid")
        ).all()
    engine.dispose()
    assert cells == [("r1", None), ("r2", "[]"), ("r3", '["cse"]')]


def test_a_restore_needs_the_audit_key_of_the_store_backed_up(
    sqlite_template, tmp_path, monkeypatch
):
    """Without MISPER_AUDIT_KEY_FILE each SQLite store keeps its key beside it; the key never
    enters a backup, so a restored store must be given the key of the store backed up."""
    from misper.app.audit.keys import KEY_ENV, KEY_SUFFIX

    monkeypatch.delenv(KEY_ENV, raising=False)
    source = fresh_sqlite(sqlite_template, tmp_path / "source")
    fill(source)
    path = tmp_path / "b.jsonl.gz"
    misper("db", "backup", str(path), "--db", source)

    other_key = fresh_sqlite(sqlite_template, tmp_path / "other")
    refused = misper("db", "restore", str(path), "--db", other_key, ok=False)
    assert "event 1 was altered" in refused.output
    assert f"checked with the audit key {tmp_path / 'other' / 'store.db'}{KEY_SUFFIX}" in (
        refused.output
    )
    assert count(other_key, Episode.__table__) == 0

    same_key = fresh_sqlite(sqlite_template, tmp_path / "same")
    shutil.copy(f"{tmp_path / 'source' / 'store.db'}{KEY_SUFFIX}", tmp_path / "same")
    misper("db", "restore", str(path), "--db", same_key)
    assert "Audit log intact" in misper("audit", "verify", "--db", same_key).output
