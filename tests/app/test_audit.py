"""The audit log: append-only in the database, and `verify` finds an edited or deleted row."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from misper.app.access import Actor
from misper.app.audit import service as audit
from misper.app.users.models import Role

ACTOR = Actor(1, "pc1", Role.police_officer, 1, "police")


def _five_events(sessions):
    with sessions() as session:
        for i in range(5):
            audit.record(session, ACTOR, "read", "child", i, child_id=i, reason=f"case {i}")
        session.commit()


def _drop_guard(session):
    """What someone with the database's owner rights could do: remove the append-only triggers."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    else:
        session.execute(text("DROP TRIGGER audit_events_no_update"))
        session.execute(text("DROP TRIGGER audit_events_no_delete"))


def test_an_untouched_chain_verifies(sessions):
    _five_events(sessions)
    with sessions() as session:
        result = audit.verify(session)
    assert result.ok and result.events == 5 and result.problem is None
    assert len(result.head) == 64


def test_the_database_refuses_to_change_or_delete_an_event(sessions):
    _five_events(sessions)
    for statement in ("UPDATE audit_events SET reason = 'x' WHERE seq = 2",
                      "DELETE FROM audit_events WHERE seq = 2"):
        with sessions() as session:
            with pytest.raises(DatabaseError, match="append-only"):
                session.execute(text(statement))
            session.rollback()
    with sessions() as session:
        assert audit.verify(session).ok


@pytest.mark.parametrize("column, value", [("reason", "'nothing to see'"), ("actor_id", "99"),
                                           ("at", "'2020-01-01 00:00:00'")])
def test_verify_detects_an_edited_event(sessions, column, value):
    _five_events(sessions)
    with sessions() as session:
        _drop_guard(session)
        session.execute(text(f"UPDATE audit_events SET {column} = {value} WHERE seq = 3"))
        session.commit()
        result = audit.verify(session)
    assert not result.ok
    assert result.problem == "event 3 was altered (its hash does not match)"
    assert result.events == 2


def test_verify_detects_a_rehashed_edit_by_the_broken_link(sessions):
    """Editing a row and recomputing its own hash still breaks the next row's link."""
    _five_events(sessions)
    with sessions() as session:
        _drop_guard(session)
        session.execute(text("UPDATE audit_events SET reason = 'edited' WHERE seq = 3"))
        event = session.scalar(audit.select(audit.AuditEvent).where(audit.AuditEvent.seq == 3))
        session.execute(text("UPDATE audit_events SET hash = :h WHERE seq = 3"),
                        {"h": audit.event_hash(event)})
        session.commit()
        result = audit.verify(session)
    assert result.problem == "event 4 does not link to event 3"


def test_verify_detects_a_deleted_event(sessions):
    _five_events(sessions)
    with sessions() as session:
        _drop_guard(session)
        session.execute(text("DELETE FROM audit_events WHERE seq = 2"))
        session.commit()
        result = audit.verify(session)
    assert not result.ok and result.problem == "event 2 is missing (next is 3)"
