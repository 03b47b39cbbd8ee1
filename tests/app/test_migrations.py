"""Migrations that move data, on SQLite and PostgreSQL: rows written as the store held them at the
revision before, the migration run, what arrived checked, and (where it goes back) downgraded and
checked again. 0006: the interviews' 72-hour clocks backfilled. 0008: a task's progress folded
into the task, an interview's clock into the interview."""

from __future__ import annotations

import importlib.util
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic import command

import misper
from misper.app.db import alembic_config, make_engine, session_factory, upgrade
from misper.app.interviews import return_home
from misper.app.interviews.models import ReturnHomeInterview
from misper.app.tasks.models import Task

FOUND = datetime(2024, 3, 2, 10, 0)
# Agencies, one user, and two children of the placing council: "away" placed in a home of the host
# council (out of area), "local" in one of its own.
FORCE, PLACING, HOST, PROVIDER = 1, 2, 3, 4
USER, AWAY, LOCAL = 1, 1, 2
PROGRESS = (
    "risk_level",
    "status",
    "assigned_to",
    "reason",
    "contributed",
    "closed_at",
    "closed_by",
)
CLOCK = (
    "council_id",
    "placing_council_id",
    "out_of_area",
    "found_at",
    "due_at",
    "interviewer_kind",
    "host_agreement",
    "host_agreed_at",
    "host_agreed_by",
    "overdue_notified_at",
)
CLOSED = datetime(2024, 3, 1, 12)
_TYPES = {bool: sa.Boolean(), datetime: sa.DateTime(), date: sa.Date()}
# Types to read raw rows back with (SQLite keeps booleans as 0/1 and times as text).
_BOOL = {"done": sa.Boolean()}
_PROGRESS_TYPES = {"contributed": sa.Boolean(), "closed_at": sa.DateTime()}
_CLOCK_TYPES = {
    "out_of_area": sa.Boolean(),
    **{c: sa.DateTime() for c in ("found_at", "due_at", "host_agreed_at", "overdue_notified_at")},
}


def _row(connection, table: str, **values) -> None:
    """Insert as raw as the revision's own SQL would (no model of today's schema)."""
    columns = [sa.column(k, _TYPES.get(type(v))) for k, v in values.items()]
    connection.execute(sa.table(table, *columns).insert().values(**values))


def _rows(connection, table: str, *columns: str, types=None, order="id") -> list[dict]:
    types = types or {}
    query = sa.select(*(sa.column(c, types.get(c)) for c in columns)).select_from(sa.table(table))
    return [dict(r._mapping) for r in connection.execute(query.order_by(sa.column(order)))]


def _store(connection) -> None:
    """What every revision here has: agencies, a user, two placed children."""
    for id_, name, kind in (
        (FORCE, "force", "police"),
        (PLACING, "placing", "council"),
        (HOST, "host", "council"),
        (PROVIDER, "provider", "care_provider"),
    ):
        _row(connection, "agencies", id=id_, name=name, kind=kind)
    _row(
        connection,
        "users",
        id=USER,
        username="mispers",
        display_name="Mispers",
        role="police_mispers",
        agency_id=FORCE,
        password_hash="x",
        disabled=False,
        failed_logins=0,
        created_at=FOUND,
    )
    for child, host in ((AWAY, HOST), (LOCAL, PLACING)):
        _row(
            connection,
            "children",
            id=child,
            pid=f"P{child}",
            responsible_council_id=PLACING,
            created_at=FOUND,
        )
        _row(
            connection,
            "homes",
            id=child,
            place_id=f"H{child}",
            name=f"home {child}",
            provider_id=PROVIDER,
            host_council_id=host,
            police_force_id=FORCE,
        )
        _row(
            connection,
            "placements",
            id=child,
            child_id=child,
            home_id=child,
            placing_council_id=PLACING,
            start_date=date(2023, 1, 1),
        )


def _episode(connection, id_: int, child: int, found_at: datetime | None) -> None:
    _row(
        connection,
        "episodes",
        id=id_,
        rid=f"e{id_}",
        child_id=child,
        force_id=FORCE,
        links_recorded=False,
        associates_recorded=False,
        version=1,
        updated_at=FOUND,
        reported_at=datetime(2024, 3, 1, 9),
        found_at=found_at,
        age=14,
        missing_from_type="care_home",
    )


def _interview(connection, id_: int, episode: int) -> None:
    _row(
        connection,
        "return_home_interviews",
        id=id_,
        episode_id=episode,
        offered=True,
        shared_with_police=False,
        version=3,
    )


def _progress(risk_level, status, *, assigned_to=None, reason=None, contributed=None) -> dict:
    """A task_progress row as 0003 to 0007 kept it; closed (when, by whom) unless open."""
    closed = status != "open"
    return {
        "risk_level": risk_level,
        "status": status,
        "assigned_to": assigned_to,
        "reason": reason,
        "contributed": contributed,
        "closed_at": CLOSED if closed else None,
        "closed_by": USER if closed else None,
    }


def _revision(name: str):
    path = Path(misper.__file__).parent / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_migration_0006_backfills_clocks_as_closing_would_and_0008_keeps_them(empty_url):
    upgrade(empty_url, "0006")
    engine = make_engine(empty_url)
    now = FOUND + timedelta(hours=72)
    found = {1: now - timedelta(hours=72, minutes=1), 2: now - timedelta(hours=71, minutes=59)}
    with engine.begin() as c:
        _store(c)
        for id_, child, found_at in ((1, AWAY, found[1]), (2, LOCAL, found[2]), (3, LOCAL, None)):
            _episode(c, id_, child, found_at)
            _interview(c, id_, id_)
        backfill = _revision("0006_after_episode_2.py").backfill_clocks
        assert backfill(c, now) == 2  # the third episode is not found yet
        assert backfill(c, now) == 0  # idempotent
        clocks = {
            r["rhi_id"]: r
            for r in _rows(
                c,
                "rhi_arrangements",
                "rhi_id",
                *CLOCK,
                types=_CLOCK_TYPES,
            )
        }
    assert set(clocks) == {1, 2}
    away, local = clocks[1], clocks[2]
    assert (away["council_id"], away["placing_council_id"], away["out_of_area"]) == (
        PLACING,
        PLACING,
        True,
    )
    assert (local["council_id"], local["out_of_area"]) == (PLACING, False)
    assert away["due_at"] == found[1] + timedelta(hours=72)  # the frozen target, not the config
    # Past its target when backfilled: marked as told, so history brings no burst of notices.
    assert away["overdue_notified_at"] is not None and local["overdue_notified_at"] is None
    upgrade(empty_url)
    session = session_factory(engine)()
    rhis = {r.id: r for r in session.scalars(sa.select(ReturnHomeInterview))}
    assert (rhis[1].found_at, rhis[1].due_at) == (found[1], found[1] + timedelta(hours=72))
    assert (rhis[1].council_id, rhis[1].out_of_area) == (PLACING, True)
    assert (rhis[2].found_at, rhis[3].found_at) == (found[2], None)
    assert return_home.raise_overdue(session, now + timedelta(minutes=2)) == 1  # the second, once
    session.close()
    engine.dispose()


def test_migration_0008_folds_task_progress_into_the_task_and_back(empty_url):
    upgrade(empty_url, "0007")
    engine = make_engine(empty_url)
    # task id: (ticked done, its progress row or None)
    before = {
        1: (True, _progress("medium", "done", assigned_to=USER, contributed=True)),
        2: (False, _progress("high", "open", assigned_to=USER)),
        3: (False, _progress("high", "not_needed", reason="home searched")),
        4: (True, None),  # keyed by hand, ticked, never listed: no progress row
        5: (False, _progress("low", "done", contributed=False)),  # completed, then unticked
        6: (True, _progress("low", "open")),  # ticked, never completed
    }
    with engine.begin() as c:
        _store(c)
        _episode(c, 1, AWAY, None)
        for task_id, (done, progress) in before.items():
            _row(
                c,
                "tasks",
                id=task_id,
                episode_id=1,
                description=f"task {task_id}",
                done=done,
                created_at=FOUND,
                created_by=USER,
            )
            if progress is not None:
                _row(c, "task_progress", id=10 + task_id, task_id=task_id, **progress)
    upgrade(empty_url, "0008")
    assert "task_progress" not in _tables(engine)
    session = session_factory(engine)()
    after = {t.id: t for t in session.scalars(sa.select(Task))}
    assert {i: t.status for i, t in after.items()} == {
        1: "done",
        2: "open",
        3: "not_needed",
        4: "done",
        5: "open",  # the later word: unticked after completing, so open again
        6: "done",  # the later word: ticked without completing
    }
    assert {i: t.done for i, t in after.items()} == {
        i: t.status == "done" for i, t in after.items()
    }
    for task_id in (1, 2, 3):  # where both agreed, everything arrived
        assert {k: getattr(after[task_id], k) for k in PROGRESS} == before[task_id][1]
    assert (after[4].risk_level, after[4].closed_at) == (None, None)  # done, when unknown
    assert (after[5].contributed, after[5].closed_at, after[5].closed_by) == (None, None, None)
    assert (after[6].contributed, after[6].closed_at) == (None, None)
    session.close()

    command.downgrade(alembic_config(empty_url), "0007")
    with engine.connect() as c:
        ticked = {r["id"]: r["done"] for r in _rows(c, "tasks", "id", "done", types=_BOOL)}
        back = {
            r["task_id"]: {k: r[k] for k in PROGRESS}
            for r in _rows(c, "task_progress", "task_id", *PROGRESS, types=_PROGRESS_TYPES)
        }
    assert ticked == {1: True, 2: False, 3: False, 4: True, 5: False, 6: True}
    for task_id in (1, 2, 3):
        assert back[task_id] == before[task_id][1]
    assert back[4]["status"] == "done" and back[5]["status"] == "open"
    assert back[6]["status"] == "done"
    engine.dispose()


def test_migration_0008_folds_the_clock_into_the_interview_and_back(empty_url):
    upgrade(empty_url, "0007")
    engine = make_engine(empty_url)
    clock = dict(
        council_id=HOST,
        placing_council_id=PLACING,
        out_of_area=True,
        found_at=FOUND,
        due_at=FOUND + timedelta(hours=72),
        interviewer_kind="social_worker",
        host_agreement="agreed by phone",
        host_agreed_at=FOUND + timedelta(hours=5),
        host_agreed_by=USER,
        overdue_notified_at=FOUND + timedelta(hours=73),
    )
    with engine.begin() as c:
        _store(c)
        _episode(c, 1, AWAY, FOUND)
        _episode(c, 2, LOCAL, None)
        _interview(c, 7, 1)
        _interview(c, 8, 2)  # assigned before the child was found: no clock
        _row(c, "rhi_arrangements", id=30, rhi_id=7, **clock)
    upgrade(empty_url, "0008")
    assert "rhi_arrangements" not in _tables(engine)
    session = session_factory(engine)()
    on_clock, waiting = session.get(ReturnHomeInterview, 7), session.get(ReturnHomeInterview, 8)
    assert {k: getattr(on_clock, k) for k in CLOCK} == clock
    assert (waiting.found_at, waiting.due_at, waiting.out_of_area) == (None, None, False)
    assert (on_clock.version, waiting.version) == (3, 3)  # the interviews' own counters kept
    assert return_home.state(on_clock, FOUND + timedelta(hours=80)) == "overdue"
    session.close()

    command.downgrade(alembic_config(empty_url), "0007")
    with engine.connect() as c:
        [back] = _rows(c, "rhi_arrangements", "rhi_id", *CLOCK, types=_CLOCK_TYPES)
        columns = {col["name"] for col in sa.inspect(c).get_columns("return_home_interviews")}
    assert back == {"rhi_id": 7, **clock}
    assert not columns & set(CLOCK)
    engine.dispose()
