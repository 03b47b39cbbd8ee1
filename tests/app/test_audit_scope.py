"""The audit log and the field history, scoped to the administrator's own agency (issue 13): an
admin reads the events of their agency's users and the history of the records their agency holds;
another agency's answers as absent, and the refusal is itself an event. The operator, on the host,
reads everything.

The world is tenancy_world.py's: North Police (F1) and South Police (F2) each with an admin.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.tenancy_world import TenancyWorld, build
from misper.app import access
from misper.app.access import actor_of
from misper.app.audit import chain, history
from misper.app.audit import service as audit
from misper.app.audit.models import AuditEvent
from misper.app.auth.service import issue_token
from misper.app.children.models import Child
from misper.app.db import Base, make_engine, session_factory
from misper.app.episodes.models import Episode
from misper.app.tasks.models import Task
from misper.app.users.models import User

ADMIN_A, ADMIN_B = "admin.F1", "admin.F2"  # force A (north) and force B (south)
OFFICER_A, OFFICER_B = "police_officer.F1", "police_officer.F2"


@pytest.fixture
def store(database_url):
    """A fresh store holding the tenancy world, a changed record of each force, an event by an
    officer of each, and the app; `get(username, path, ...)` calls it as that user."""
    from misper.app.main import create_app

    engine = make_engine(database_url)
    session = session_factory(engine)()
    world = build(session)
    users = {name: session.get(User, world.user[name]) for name in world.user}
    tokens = {name: issue_token(session, users[name], "bearer") for name in (ADMIN_A, ADMIN_B)}
    session.commit()
    _change(session, world, users[OFFICER_A], "A")
    _change(session, world, users[OFFICER_B], "B")
    app = create_app(database_url)
    with TestClient(app) as client:

        def get(username, path, html=False, **params):
            headers = {"Authorization": f"Bearer {tokens[username]}"}
            if html:
                headers["Accept"] = "text/html"
            return client.get(path, headers=headers, params=params)

        yield get, session, world
    session.close()
    app.state.engine.dispose()
    engine.dispose()


def _change(session, world: TenancyWorld, officer: User, side: str) -> None:
    """Force `side`'s officer changes the force's own child record, episode and task (each a
    record the force holds), and reads a child: field history and an event of that force."""
    child, episode = {"A": ("H", "ep-held"), "B": ("RQ", "ep-south")}[side]
    actor = actor_of(officer)
    audit.act_as(session, actor)
    try:
        session.get(Child, world.child[child]).ethnic_appearance = f"appearance-of-{side}"
        session.get(Episode, world.episode[episode]).circumstances_text = f"circumstances-{side}"
        task = session.get(Task, world.task["N" if side == "A" else "S"])
        task.description = f"task-of-{side}"
        reason = f"reason-of-force-{side}"
        audit.record(
            session,
            actor,
            "read",
            "child",
            f"entity-{side}",
            child_id=world.child[child],
            reason=reason,
        )
        session.commit()
    finally:
        audit.act_as(session, None)


def _history(get, username, table, row_id):
    return get(username, "/api/audit/history", table=table, row_id=str(row_id))


def _last_event(session) -> AuditEvent:
    session.expire_all()
    return session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))


def test_an_admin_reads_the_field_history_of_their_own_agencys_records(store):
    get, _session, world = store
    own = _history(get, ADMIN_B, "children", world.child["RQ"])
    assert own.status_code == 200
    assert [(c["field"], c["new_value"]) for c in own.json()] == [
        ("ethnic_appearance", "appearance-of-B")
    ]
    episode = _history(get, ADMIN_B, "episodes", world.episode["ep-south"]).json()
    assert [c["new_value"] for c in episode] == ["circumstances-B"]
    task = _history(get, ADMIN_B, "tasks", world.task["S"]).json()  # held through its episode
    assert [c["new_value"] for c in task] == ["task-of-B"]


@pytest.mark.parametrize(
    "table, record",
    [("children", ("child", "H")), ("episodes", ("episode", "ep-held")), ("tasks", ("task", "N"))],
)
def test_another_forces_field_history_answers_as_absent_and_is_audited(store, table, record):
    get, session, world = store
    row_id = getattr(world, record[0])[record[1]]
    theirs = _history(get, ADMIN_B, table, row_id)
    never = _history(get, ADMIN_B, table, 999_999)
    assert (theirs.status_code, never.status_code) == (404, 404)
    assert theirs.json() == never.json()  # not told apart from a record that never was
    assert "appearance-of-A" not in theirs.text and "circumstances-A" not in theirs.text
    refused = _last_event(session)
    assert (refused.action, refused.actor_id, refused.entity_id) == (
        "not_found",
        world.user[ADMIN_B],
        "/api/audit/history",
    )
    assert json.loads(refused.detail)["status"] == 404
    # ...while force A's own admin reads it.
    assert len(_history(get, ADMIN_A, table, row_id).json()) == 1


def test_a_council_record_is_not_the_forces_to_read(store):
    """North Council's child lives in North Police's area: the record is still the council's."""
    get, _session, world = store
    assert _history(get, ADMIN_A, "children", world.child["N"]).status_code == 404
    assert _history(get, ADMIN_A, "children", "12abc").status_code == 404


def test_an_admin_lists_only_the_events_of_their_agencys_users(store):
    get, _session, world = store
    events = get(ADMIN_B, "/api/audit", limit=500).json()
    assert "reason-of-force-B" in {e["reason"] for e in events}
    assert "reason-of-force-A" not in {e["reason"] for e in events}
    mine = {world.user[name] for name in world.user if name.endswith(".F2")}
    assert {e["actor_id"] for e in events} <= mine
    filtered = get(ADMIN_B, "/api/audit", entity="child", limit=500).json()
    assert [e["entity_id"] for e in filtered] == ["entity-B"]
    page = get(ADMIN_B, "/audit", html=True)
    assert page.status_code == 200
    assert "entity-B" in page.text and "reason-of-force-B" in page.text
    assert "entity-A" not in page.text and "reason-of-force-A" not in page.text
    by_child = get(ADMIN_B, "/audit", html=True, child_id=str(world.child["H"])).text
    assert "No events match this filter" in by_child and "reason-of-force-A" not in by_child
    other = get(ADMIN_A, "/api/audit", limit=500).json()
    assert [e["entity_id"] for e in other if e["entity"] == "child"] == ["entity-A"]


def test_verify_checks_the_whole_chain_and_shows_only_counts(store):
    get, session, _world = store
    chain.chain_pending(session.get_bind(), wait=True)
    chained = session.scalar(select(func.count()).where(AuditEvent.seq.is_not(None)))
    listed = get(ADMIN_B, "/api/audit", limit=500).json()
    answer = get(ADMIN_B, "/api/audit/verify").json()
    assert answer["ok"] is True and answer["problem"] is None
    # The whole chain: more events than the admin may list, force A's among them.
    assert answer["events"] >= chained > len(listed)
    page = get(ADMIN_B, "/audit/verify", html=True)
    assert page.status_code == 200 and "The chain is whole" in page.text
    assert "reason-of-force-A" not in page.text and "entity-A" not in page.text


def test_the_operator_reads_every_agencys_events_and_history(store):
    _get, session, world = store
    events = audit.list_events(session, None, entity="child", limit=500)
    assert sorted(e.entity_id for e in events) == ["entity-A", "entity-B"]
    for key in ("H", "RQ"):
        changes = audit.field_history(session, None, "children", str(world.child[key]))
        assert len(changes) == 1
    session.rollback()


def test_every_case_table_names_who_holds_its_records():
    """A new case table must say whose its records are, or no admin reads its history."""
    import misper.app.registry  # noqa: F401  (every table)

    tables = Base.metadata.tables
    tracked = {name for name in tables if history.tracked(name)}
    assert sorted(tracked - set(access.RECORD_HOLDERS)) == []
    for table, holders in access.RECORD_HOLDERS.items():
        assert table in tables and "id" in tables[table].c, table  # a record named by its id
        for holder in holders:
            column, _, parent = holder.partition(">")
            assert column in tables[table].c, (table, column)
            assert not parent or parent in access.RECORD_HOLDERS, (table, parent)
