"""The tamper catalogue: each attack an intruder with the database (but not the audit key) can
make on the log, and `verify` naming it with no head kept by hand.

The attacker works in plain SQL with the append-only triggers out of the way, as the database's
owner can; they know the code, so they can compute any unkeyed hash, but never touch the key.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from misper.app.access import Actor
from misper.app.audit import chain
from misper.app.audit import service as audit
from misper.app.audit.keys import key_for
from misper.app.users.models import Role

ACTOR = Actor(1, "pc1", Role.police_officer, 1, "police")
COLUMNS = "at, actor_id, actor_role, action, entity, entity_id, child_id, reason, detail"


def _events(sessions, n=5):
    """`n` events, committed and chained (a commit soon after another leaves its chaining to a
    background thread: this waits for it)."""
    with sessions() as session:
        for i in range(n):
            audit.record(session, ACTOR, "read", "child", i, child_id=i, reason=f"case {i}")
        session.commit()
        chain.chain_pending(session.get_bind(), wait=True)


def _verify(sessions, **kwargs):
    with sessions() as session:
        return audit.verify(session, **kwargs)


def _attack(sessions, *statements, params=None):
    """Run `statements` as the database's owner would: the append-only triggers bypassed."""
    with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        else:
            session.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            session.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        for statement in statements:
            session.execute(text(statement), params or {})
        session.commit()


def _insert(sessions, rows: list[dict]) -> None:
    """Rows written straight into the table, every column given."""
    columns = ", ".join(rows[0])
    with sessions() as session:
        session.execute(
            text(f"INSERT INTO audit_events ({columns}) VALUES (:{', :'.join(rows[0])})"), rows
        )
        session.commit()


def _rows(sessions):
    with sessions() as session:
        return [
            dict(row._mapping)
            for row in session.execute(text("SELECT * FROM audit_events ORDER BY seq"))
        ]


def _unkeyed(row: dict) -> str:
    """The best an attacker without the key can do: a SHA-256 over everything, MAC included."""
    at = row["at"] if isinstance(row["at"], str) else row["at"].isoformat()
    content = [row["seq"], at, *(row[c] for c in COLUMNS.split(", ")[1:])]
    content += [row["nonce"], row["mac"], row["prev_hash"]]
    return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()


def test_an_untouched_log_verifies_clean_and_is_checkpointed(sessions):
    for _ in range(3):
        _events(sessions)
    first = _verify(sessions)
    assert (first.ok, first.events, first.problem, first.pending) == (True, 15, None, 0)
    again = _verify(sessions)
    assert again.ok and again.checkpoint == 15 and again.bad_checkpoints == 0
    with sessions() as session:
        lines = key_for(session.get_bind().url).checkpoints.read_text().splitlines()
    assert json.loads(lines[-1])["head"] == first.head


def test_an_edited_event_is_named(sessions):
    _events(sessions)
    _attack(sessions, "UPDATE audit_events SET reason = 'nothing to see' WHERE seq = 3")
    result = _verify(sessions)
    assert not result.ok and result.events == 2
    assert result.problem == "event 3 was altered (its hash does not match)"


def test_a_deleted_event_is_named(sessions):
    _events(sessions)
    _attack(sessions, "DELETE FROM audit_events WHERE seq = 2")
    assert _verify(sessions).problem == "event 2 is missing (next is 3)"


@pytest.mark.parametrize("mac", [None, "forged"], ids=["without a MAC", "with a forged MAC"])
def test_an_event_inserted_unchained_is_named_once_the_store_chains_it(engine, sessions, mac):
    _events(sessions)
    forged = secrets.token_hex(32) if mac else None
    _attack(
        sessions,
        f"INSERT INTO audit_events ({COLUMNS}, nonce, mac) VALUES "
        "(:at, 7, 'police_officer', 'read', 'child', '9', 9, 'routine', '{}', :nonce, :mac)",
        params={"at": datetime(2026, 1, 1, 9, 0), "nonce": mac and "0" * 32, "mac": forged},
    )
    waiting = _verify(sessions)  # before it is chained: named among the waiting events
    assert not waiting.ok and "unchained event" in waiting.problem
    assert "has no valid MAC" in waiting.problem
    assert chain.chain_pending(engine, wait=True) == 1  # the store's chainer links it, keyed
    result = _verify(sessions)
    assert not result.ok and result.events == 5
    assert result.problem == (
        "event 6 has no valid MAC: it was put into the table, not written by the store"
    )


def test_a_copied_event_is_named(engine, sessions):
    """A copy of a real event carries a valid MAC; its nonce gives it away."""
    _events(sessions)
    _attack(
        sessions,
        "DROP INDEX ix_audit_events_nonce",
        f"INSERT INTO audit_events ({COLUMNS}, nonce, mac) "
        f"SELECT {COLUMNS}, nonce, mac FROM audit_events WHERE seq = 2",
    )
    chain.chain_pending(engine, wait=True)
    result = _verify(sessions)
    assert result.problem == "events 2 and 6 share one nonce: one is a copy of the other"


def test_a_cut_tail_is_named_from_the_checkpoint(sessions):
    _events(sessions)
    _attack(sessions, "DELETE FROM audit_events WHERE seq > 3")
    result = _verify(sessions)
    assert not result.ok and result.events == 3
    assert result.problem.startswith("the chain ends at event 3, before the checkpoint of ")
    assert result.problem.endswith(" at event 5: its tail was cut off")


def test_an_emptied_log_is_named_from_the_checkpoint(sessions):
    _events(sessions)
    _attack(sessions, "DELETE FROM audit_events")
    result = _verify(sessions)
    assert not result.ok and "the chain ends at event 0" in result.problem


def test_a_tail_cut_and_written_again_is_named_from_the_checkpoint(sessions):
    _events(sessions)
    _attack(sessions, "DELETE FROM audit_events WHERE seq > 3")
    _events(sessions, 4)  # new events, chained by the store onto the cut chain: longer again
    result = _verify(sessions)
    assert not result.ok and result.events == 4
    assert result.problem.startswith("event 5 is not the event checkpointed at ")


def test_a_chain_rebuilt_with_unkeyed_hashes_is_named(sessions):
    """Event 2 taken out and every later event renumbered and rehashed: no link matches."""
    _events(sessions)
    kept = [row for row in _rows(sessions) if row["seq"] != 2]
    prev = chain.GENESIS
    for seq, row in enumerate(kept, start=1):
        row.update(seq=seq, prev_hash=prev)
        prev = row["hash"] = _unkeyed(row)
    _attack(sessions, "DELETE FROM audit_events")
    _insert(sessions, kept)
    result = _verify(sessions)
    assert not result.ok and result.events == 0
    assert result.problem == (
        "event 1 has a hash not made with the audit key: the chain was rebuilt without it"
    )


def test_an_event_passed_off_as_chained_before_the_keys_is_named(sessions):
    """No MAC and an unkeyed hash, as events chained before migration 0009 have: accepted only
    at the opening of the chain, never after a keyed event."""
    _events(sessions)
    last = _rows(sessions)[-1]
    forged = {**last, "id": last["id"] + 1, "seq": 6, "reason": "forged", "nonce": None}
    forged.update(mac=None, prev_hash=last["hash"])
    at = forged["at"] if isinstance(forged["at"], datetime) else datetime.fromisoformat(last["at"])
    forged["hash"] = chain.event_hash(SimpleNamespace(**{**forged, "at": at}))
    _insert(sessions, [forged])
    result = _verify(sessions)
    assert not result.ok and result.events == 5
    assert result.problem == (
        "event 6 has no valid MAC: it was put into the table, not written by the store"
    )


def test_a_forged_checkpoint_line_is_skipped_and_counted(sessions):
    _events(sessions)
    with sessions() as session:
        path = key_for(session.get_bind().url).checkpoints
    with path.open("a") as out:
        out.write('{"seq":99,"head":"00","events":99,"at":"2030-01-01T00:00:00+00:00","mac":"0"}\n')
        out.write("half a line")
    result = _verify(sessions)
    assert result.ok and result.bad_checkpoints == 2 and result.checkpoint == 5


def test_another_key_verifies_nothing(sessions, tmp_path, monkeypatch):
    """The store's log checked with a key that is not its own fails at the first event."""
    from misper.app.audit.keys import KEY_ENV, keygen

    _events(sessions)
    keygen(tmp_path / "other.key")
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "other.key"))
    result = _verify(sessions)
    assert result.problem == (
        "event 1 was altered (its hash does not match), or the audit key is not this store's"
    )
