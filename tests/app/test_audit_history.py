"""The field history of case records, and the audit log's record of attempts and of reads that
were not audited before: refusals (403), records not found (404), notifications, users, the log."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from misper.app.audit import chain
from misper.app.audit import service as audit
from misper.app.audit.models import AuditEvent, FieldChange
from misper.app.auth.service import issue_token
from misper.app.children.models import Child
from misper.app.users.models import Role, User


@pytest.fixture(scope="module")
def api(world_store):
    from misper.app.main import create_app

    session, world, url = world_store
    tokens = {role: issue_token(session, world.users[role], "bearer") for role in Role}
    session.commit()
    app = create_app(url)
    with TestClient(app) as client:

        def call(role, method, path, **kwargs):
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            return client.request(method, path, headers=headers, **kwargs)

        yield call, session, world
    app.state.engine.dispose()


def _last_event(session, **where) -> AuditEvent:
    session.expire_all()
    query = select(AuditEvent).filter_by(**where).order_by(AuditEvent.id.desc()).limit(1)
    return session.scalar(query)


def test_an_update_is_in_the_history_with_who_when_before_and_after(api):
    call, session, world = api
    child = world.a.child
    changed = call(
        Role.council_social_worker,
        "PATCH",
        "/api/children/child-a",
        json={"name": "Child A Renamed", "ethnic_appearance": "white", "in_care": "full_care"},
    )
    assert changed.status_code == 200
    history = call(
        Role.admin, "GET", "/api/audit/history", params={"table": "children", "row_id": child.id}
    )
    assert history.status_code == 200
    rows = {row["field"]: row for row in history.json()}
    assert set(rows) == {"name", "ethnic_appearance"}  # in_care was set to what it was
    assert (rows["name"]["old_value"], rows["name"]["new_value"]) == ("Child A", "Child A Renamed")
    assert (rows["ethnic_appearance"]["old_value"], rows["ethnic_appearance"]["new_value"]) == (
        None,
        "white",
    )
    worker = world.users[Role.council_social_worker]
    assert {(r["actor_id"], r["actor_role"], r["table_name"]) for r in rows.values()} == {
        (worker.id, "council_social_worker", "children")
    }
    read = _last_event(session, entity="field_history")
    assert (read.action, read.entity_id, read.actor_role) == (
        "read",
        f"children:{child.id}",
        "admin",
    )


def test_the_history_is_the_admins_and_only_of_case_tables(api):
    call, _session, world = api
    query = {"table": "children", "row_id": world.a.child.id}
    for role in (Role.police_officer, Role.council_social_worker, Role.analyst):
        assert call(role, "GET", "/api/audit/history", params=query).status_code == 403
    for table in ("users", "audit_events", "no_such_table"):
        answer = call(Role.admin, "GET", "/api/audit/history", params={**query, "table": table})
        assert answer.status_code == 422 and answer.json()["error"]["fields"][0]["field"] == "table"


def test_a_refusal_and_a_record_not_found_are_audited(api):
    call, session, world = api
    assert call(Role.police_officer, "GET", "/api/users").status_code == 403
    refused = _last_event(session, action="refused")
    assert (refused.actor_id, refused.entity, refused.entity_id) == (
        world.users[Role.police_officer].id,
        "request",
        "/api/users",
    )
    assert json.loads(refused.detail) == {"method": "GET", "route": "/api/users", "status": 403}
    assert call(Role.council_social_worker, "GET", "/api/children/child-b").status_code == 404
    missing = _last_event(session, action="not_found")
    assert (missing.actor_role, missing.entity_id) == (
        "council_social_worker",
        "/api/children/child-b",
    )
    assert json.loads(missing.detail)["route"] == "/api/children/{pid}"
    assert missing.mac is not None  # MACed like any other, and chained:
    chain.chain_pending(session.get_bind(), wait=True)  # (a busy chainer leaves it for a moment)
    session.refresh(missing)
    assert missing.seq is not None


@pytest.mark.parametrize(
    "role, path, action, entity",
    [
        (Role.care_staff, "/api/notifications", "list", "notification"),
        (Role.admin, "/api/users", "list", "user"),
        (Role.admin, "/api/audit", "list", "audit_event"),
        (Role.admin, "/api/audit/verify", "verify", "audit_event"),
    ],
)
def test_reads_of_notifications_users_and_the_log_are_audited(api, role, path, action, entity):
    call, session, world = api
    assert call(role, "GET", path).status_code == 200
    event = _last_event(session)
    assert (event.actor_id, event.action, event.entity) == (world.users[role].id, action, entity)


def test_the_history_reads_an_old_value_never_loaded_and_skips_what_is_not_a_case(world):
    session, built = world
    before = session.scalar(select(func.coalesce(func.max(FieldChange.id), 0)))
    audit.act_as(session, built.actor(Role.council_missing_coordinator))
    try:
        child = session.get(Child, built.b.child.id)
        session.expire(child, ["name"])  # the old value is not in memory: read before the write
        child.name = "Child B Renamed"
        session.get(User, built.users[Role.analyst].id).display_name = "renamed"  # not a case
        session.flush()
    finally:
        audit.act_as(session, None)
    changes = session.scalars(select(FieldChange).where(FieldChange.id > before)).all()
    assert [(c.table_name, c.row_id, c.field, c.old_value, c.new_value) for c in changes] == [
        ("children", str(child.id), "name", "Child B", "Child B Renamed")
    ]
    assert changes[0].actor_role == "council_missing_coordinator"


def test_the_history_is_append_only_and_neither_table_can_be_truncated(sessions):
    with sessions() as session:
        session.execute(
            text(
                "INSERT INTO field_history (at, table_name, row_id, field, old_value, new_value) "
                "VALUES ('2026-01-01 09:00:00', 'children', '1', 'name', 'A', 'B')"
            )
        )
        session.commit()
    statements = ["UPDATE field_history SET new_value = 'C'", "DELETE FROM field_history"]
    if sessions.kw["bind"].dialect.name == "postgresql":  # TRUNCATE fires no row trigger
        statements += ["TRUNCATE field_history", "TRUNCATE audit_events"]
    for statement in statements:
        with sessions() as session:
            with pytest.raises(DatabaseError, match="append-only"):
                session.execute(text(statement))
            session.rollback()
