"""The audit log: append-only in the database, chained after commit, and `verify` finds an
edited, deleted or cut-off row (the attacks one by one: test_audit_tamper.py)."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from typer.testing import CliRunner

from misper.app.access import Actor
from misper.app.audit import chain
from misper.app.audit import service as audit
from misper.app.audit.keys import key_for
from misper.app.audit.models import AuditEvent
from misper.app.users.models import Role
from misper.cli import app as cli

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
    for statement in (
        "UPDATE audit_events SET reason = 'x' WHERE seq = 2",
        "DELETE FROM audit_events WHERE seq = 2",
    ):
        with sessions() as session:
            with pytest.raises(DatabaseError, match="append-only"):
                session.execute(text(statement))
            session.rollback()
    with sessions() as session:
        assert audit.verify(session).ok


@pytest.mark.parametrize(
    "column, value",
    [("reason", "'nothing to see'"), ("actor_id", "99"), ("at", "'2020-01-01 00:00:00'")],
)
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


def test_verify_detects_an_edit_rehashed_without_the_key(sessions):
    """Editing a row and recomputing its hash the unkeyed way fails: the link needs the key."""
    _five_events(sessions)
    with sessions() as session:
        _drop_guard(session)
        session.execute(text("UPDATE audit_events SET reason = 'edited' WHERE seq = 3"))
        event = session.scalar(audit.select(audit.AuditEvent).where(audit.AuditEvent.seq == 3))
        session.execute(
            text("UPDATE audit_events SET hash = :h WHERE seq = 3"), {"h": audit.event_hash(event)}
        )
        session.commit()
        result = audit.verify(session)
    assert result.problem == "event 3 was altered (its hash does not match)"


def test_verify_detects_a_deleted_event(sessions):
    _five_events(sessions)
    with sessions() as session:
        _drop_guard(session)
        session.execute(text("DELETE FROM audit_events WHERE seq = 2"))
        session.commit()
        result = audit.verify(session)
    assert not result.ok and result.problem == "event 2 is missing (next is 3)"


def _unchained(monkeypatch):
    """Commits leave their events unchained, as when another chainer was busy."""
    monkeypatch.setattr(audit, "chain_after_commit", lambda engine: None)


def _seqs(sessions):
    with sessions() as session:
        return session.execute(text("SELECT id, seq FROM audit_events ORDER BY id")).all()


def test_a_commit_inserts_unchained_events_and_chains_them_just_after(sessions, monkeypatch):
    _unchained(monkeypatch)
    _five_events(sessions)
    assert [seq for _id, seq in _seqs(sessions)] == [None] * 5
    with sessions() as session:
        waiting = audit.verify(session)
    assert waiting.ok and waiting.events == 0 and waiting.pending == 5
    monkeypatch.undo()
    _five_events(sessions)  # the next commit chains its own events and those left behind
    assert [seq for _id, seq in _seqs(sessions)] == list(range(1, 11))
    with sessions() as session:
        result = audit.verify(session)
    assert result.ok and result.events == 10 and result.pending == 0


def test_a_rolled_back_transaction_leaves_no_event(sessions):
    with sessions() as session:
        audit.record(session, ACTOR, "read", "child", 1, child_id=1)
        session.rollback()
        session.commit()
    assert _seqs(sessions) == []


def test_the_database_allows_chaining_an_event_once_and_nothing_else(sessions, monkeypatch):
    _unchained(monkeypatch)
    _five_events(sessions)
    chain_once = "UPDATE audit_events SET seq = 1, prev_hash = :h, hash = :h WHERE id = :id"
    first, second = [row.id for row in _seqs(sessions)][:2]
    for statement in (
        "UPDATE audit_events SET reason = 'x' WHERE id = :id",
        "UPDATE audit_events SET seq = 1 WHERE id = :id",
        "UPDATE audit_events SET seq = 1, prev_hash = :h, hash = :h, reason = 'x' WHERE id = :id",
    ):
        with sessions() as session:
            with pytest.raises(DatabaseError, match="append-only"):
                session.execute(text(statement), {"id": first, "h": "a" * 64})
            session.rollback()
    with sessions() as session:
        session.execute(text(chain_once), {"id": first, "h": "a" * 64})
        session.commit()
        with pytest.raises(DatabaseError, match="append-only"):  # chained rows are final
            session.execute(
                text("UPDATE audit_events SET seq = 2, prev_hash = :h, hash = :h WHERE id = :id"),
                {"id": first, "h": "b" * 64},
            )
        session.rollback()
        with pytest.raises(DatabaseError, match="append-only"):
            session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": second})
        session.rollback()


def test_concurrent_commits_make_one_unbroken_chain(engine, sessions):
    def worker(n):
        for i in range(5):
            with sessions() as session:
                audit.record(session, ACTOR, "read", "child", n * 100 + i, child_id=n)
                audit.record(session, ACTOR, "read", "episode", n * 100 + i, child_id=n)
                session.commit()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    chain.chain_pending(engine, wait=True)  # whatever a busy chainer left
    with sessions() as session:
        result = audit.verify(session)
    assert result.ok and result.events == 60 and result.pending == 0


@pytest.mark.postgres
def test_a_chainer_finding_another_at_work_skips(engine, sessions, monkeypatch):
    if engine.dialect.name != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's")
    _unchained(monkeypatch)
    _five_events(sessions)
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": chain._LOCK_KEY})
        assert chain.chain_pending(engine) == 0
        holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": chain._LOCK_KEY})
    assert chain.chain_pending(engine) == 5
    assert chain.chain_pending(engine) == 0


def _cut_tail(sessions, keep: int, *, checkpoints_too: bool = False):
    with sessions() as session:
        _drop_guard(session)
        session.execute(text("DELETE FROM audit_events WHERE seq > :n"), {"n": keep})
        session.commit()
        if checkpoints_too:  # an attacker who could reach the checkpoint file as well
            key_for(session.get_bind().url).checkpoints.unlink()


def test_a_recorded_head_detects_the_tail_cut_off(sessions):
    """A head kept by hand still catches a cut tail when the checkpoint file went with it."""
    _five_events(sessions)
    with sessions() as session:
        recorded = audit.verify(session)
        assert audit.verify(session, head=recorded.head, events=5).ok
        assert audit.verify(session, head=recorded.head).ok
    _cut_tail(sessions, 3, checkpoints_too=True)
    with sessions() as session:
        plain = audit.verify(session)
        cut = audit.verify(session, head=recorded.head, events=5)
        unnumbered = audit.verify(session, head=recorded.head)
    # Without the checkpoints and without the head, a shorter chain looks whole.
    assert plain.ok and plain.events == 3
    assert not cut.ok and cut.problem == (
        "the chain ends at event 3, before the recorded head at event 5: its tail was cut off"
    )
    assert not unnumbered.ok and "is not on the chain" in unnumbered.problem


def test_a_recorded_head_detects_a_rebuilt_tail(sessions):
    """Likewise for a tail cut and written again, with the checkpoint file gone."""
    _five_events(sessions)
    with sessions() as session:
        recorded = audit.verify(session)
    _cut_tail(sessions, 3, checkpoints_too=True)
    _five_events(sessions)  # as long again, but not the same events
    with sessions() as session:
        # Within BATCH_SECONDS of the last round the background thread chains; wait for it here.
        chain.chain_pending(session.get_bind(), wait=True)
        rebuilt = audit.verify(session, head=recorded.head, events=5)
        assert audit.verify(session).ok
    assert not rebuilt.ok and "is not on the chain" in rebuilt.problem


def test_cli_verify_chains_what_waits_and_checks_a_recorded_head(
    database_url, sessions, monkeypatch
):
    runner = CliRunner()
    _unchained(monkeypatch)
    _five_events(sessions)
    first = runner.invoke(cli, ["audit", "verify", "--db", database_url])
    assert first.exit_code == 0, first.output
    assert "Chained 5 event(s)" in first.output and "Audit log intact: 5 events" in first.output
    with sessions() as session:
        head = audit.verify(session).head
    again = runner.invoke(
        cli, ["audit", "verify", "--db", database_url, "--head", head, "--events", "5"]
    )
    assert again.exit_code == 0 and "Chained" not in again.output
    _cut_tail(sessions, 4)
    cut = runner.invoke(
        cli, ["audit", "verify", "--db", database_url, "--head", head, "--events", "5"]
    )
    assert cut.exit_code == 1 and "its tail was cut off" in cut.output
    lone = runner.invoke(cli, ["audit", "verify", "--db", database_url, "--events", "5"])
    assert lone.exit_code == 1 and "--events needs the --head" in lone.output


def test_the_server_chains_what_commits_left_behind(database_url, sessions, monkeypatch):
    from fastapi.testclient import TestClient

    from misper.app import main

    monkeypatch.setattr(main, "CHAIN_EVERY", 0.05)
    app = main.create_app(database_url)
    with TestClient(app):
        _unchained(monkeypatch)
        _five_events(sessions)
        deadline = time.monotonic() + 10
        while any(seq is None for _id, seq in _seqs(sessions)) and time.monotonic() < deadline:
            time.sleep(0.05)
    app.state.engine.dispose()
    assert [seq for _id, seq in _seqs(sessions)] == [1, 2, 3, 4, 5]


def test_a_commit_landing_while_its_process_chains_is_chained_in_the_background(
    engine, sessions, monkeypatch
):
    real, calls = chain.chain_pending, []

    def chain_pending(chained, **kwargs):
        if chained is not engine:  # another store's chainer, still at work in this process
            return real(chained, **kwargs)
        calls.append(threading.current_thread().name)
        if len(calls) == 1:  # another request commits now: it finds the chainer busy, and returns
            with sessions() as other:
                audit.record(other, ACTOR, "read", "child", 9, child_id=9)
                other.commit()
            assert _seqs(sessions)[-1].seq is None
            time.sleep(0.2)  # that commit's events are read by this round, or handed over
        return real(chained, **kwargs)

    monkeypatch.setattr(chain, "chain_pending", chain_pending)
    _five_events(sessions)
    deadline = time.monotonic() + 10
    while len(calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    assert calls[0] == threading.current_thread().name  # one round in the committing thread
    assert calls[1:] == ["misper-audit-chainer"]  # the note taken by the background chainer
    assert [seq for _id, seq in _seqs(sessions)] == [1, 2, 3, 4, 5, 6]


def test_migration_0004_keeps_a_chain_made_before_it_and_chains_after_it(empty_url):
    from types import SimpleNamespace

    from misper.app.db import make_engine, session_factory, upgrade

    upgrade(empty_url, "0003")
    engine = make_engine(empty_url)
    prev = chain.GENESIS
    with engine.begin() as c:  # three events chained the old way, inside their transaction
        for seq in (1, 2, 3):
            row = dict(
                seq=seq,
                at=datetime(2026, 1, seq, 9, 0),
                actor_id=1,
                actor_role="police_officer",
                action="read",
                entity="child",
                entity_id=str(seq),
                child_id=seq,
                reason=None,
                detail="{}",
                prev_hash=prev,
            )
            prev = row["hash"] = chain.event_hash(SimpleNamespace(**row))
            c.execute(AuditEvent.__table__.insert().values(**row))
    upgrade(empty_url)
    sessions = session_factory(engine)
    _five_events(sessions)
    with sessions() as session:
        result = audit.verify(session, head=prev, events=3)
        assert result.ok and result.events == 8 and result.pending == 0
        with pytest.raises(DatabaseError, match="append-only"):
            session.execute(text("DELETE FROM audit_events WHERE seq = 1"))
        session.rollback()
        with pytest.raises(DatabaseError, match="append-only"):
            session.execute(text("UPDATE audit_events SET reason = 'x' WHERE seq = 8"))
        session.rollback()
    engine.dispose()


def test_commits_in_quick_succession_are_chained_together_in_the_background(
    engine, sessions, monkeypatch
):
    rounds = []
    real = chain.chain_pending

    def chain_pending(chained, **kwargs):
        if chained is engine:  # not another store's chainer, still at work in this process
            rounds.append(threading.current_thread().name)
        return real(chained, **kwargs)

    monkeypatch.setattr(chain, "chain_pending", chain_pending)
    monkeypatch.setattr(chain, "BATCH_SECONDS", 1.0)  # wide: a loaded CI machine commits slowly
    _five_events(sessions)  # a quiet store: chained by the committing thread at once
    assert [seq for _id, seq in _seqs(sessions)] == [1, 2, 3, 4, 5]
    for _ in range(3):  # within the batch window: each returns at once, nothing chained yet
        _five_events(sessions)
    assert [seq for _id, seq in _seqs(sessions)][5:] == [None] * 15
    deadline = time.monotonic() + 10
    while any(seq is None for _id, seq in _seqs(sessions)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [seq for _id, seq in _seqs(sessions)] == list(range(1, 21))
    # One round in the committing thread, then the three commits in one background round.
    assert rounds == [threading.current_thread().name, "misper-audit-chainer"]
    with sessions() as session:
        assert audit.verify(session).ok
