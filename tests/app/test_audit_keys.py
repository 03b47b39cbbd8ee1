"""The audit key and the checkpoint file: where they are, how they are made, and migration 0009
taking a log chained before the keys."""

from __future__ import annotations

import stat
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError
from typer.testing import CliRunner

from misper.app.access import Actor
from misper.app.audit import chain
from misper.app.audit import service as audit
from misper.app.audit.keys import KEY_ENV, AuditKeyError, key_for, keygen
from misper.app.audit.models import AuditEvent
from misper.app.db import alembic_config, make_engine, session_factory, upgrade
from misper.app.users.models import Role
from misper.cli import app as cli

ACTOR = Actor(1, "pc1", Role.police_officer, 1, "police")


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_keygen_writes_a_key_for_its_owner_only_and_never_over_another(tmp_path):
    runner, path = CliRunner(), tmp_path / "audit.key"
    made = runner.invoke(cli, ["audit", "keygen", str(path)])
    assert made.exit_code == 0 and f"{KEY_ENV}={path}" in made.output
    assert _mode(path) == 0o600 and len(bytes.fromhex(path.read_text().strip())) == 32
    key = path.read_text()
    again = runner.invoke(cli, ["audit", "keygen", str(path)])
    assert again.exit_code == 1 and "exists already" in again.output
    assert path.read_text() == key


def test_a_sqlite_store_without_a_key_file_gets_one_beside_it(database_url, monkeypatch):
    if not database_url.startswith("sqlite"):
        pytest.skip("a key beside the store is SQLite's default")
    monkeypatch.delenv(KEY_ENV)
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        audit.record(session, ACTOR, "read", "child", 1, child_id=1)
        session.commit()
        assert audit.verify(session).ok
    engine.dispose()
    store = make_url(database_url).database
    assert _mode(Path(f"{store}.audit-key")) == 0o600
    assert _mode(Path(f"{store}.audit-checkpoints")) == 0o600
    assert key_for(make_url(database_url)).path == Path(f"{store}.audit-key")


def test_a_postgresql_store_needs_a_key_file(monkeypatch, tmp_path):
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(AuditKeyError, match=f"set {KEY_ENV} to a key file made with"):
        key_for(make_url("postgresql+psycopg://db.example/misper"))
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "absent.key"))
    with pytest.raises(AuditKeyError, match="cannot read the audit key .*absent.key"):
        key_for(make_url("postgresql+psycopg://db.example/misper"))
    keygen(tmp_path / "audit.key")
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "audit.key"))
    found = key_for(make_url("postgresql+psycopg://db.example/misper"))
    assert found.checkpoints == tmp_path / "misper.audit-checkpoints"  # beside the key, per store


def test_cli_verify_says_where_the_checkpoints_are(database_url, sessions):
    with sessions() as session:
        audit.record(session, ACTOR, "read", "child", 1, child_id=1)
        session.commit()
    checkpoints = key_for(make_url(database_url)).checkpoints
    result = CliRunner().invoke(cli, ["audit", "verify", "--db", database_url])
    assert result.exit_code == 0, result.output
    assert "Audit log intact: 1 events" in result.output
    assert f"Checked against the signed checkpoints in {checkpoints}" in result.output.replace(
        "\n", ""
    )


def _previous() -> str:
    """The revision migration 0009 follows."""
    return ScriptDirectory.from_config(alembic_config()).get_revision("0009").down_revision


def _legacy_events(engine, n: int) -> str:
    """`n` events chained the way the store did before migration 0009; returns the head."""
    prev = chain.GENESIS
    with engine.begin() as c:
        for seq in range(1, n + 1):
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
    return prev


def test_migration_0009_keeps_the_old_chain_and_guards_the_new_columns(empty_url):
    upgrade(empty_url, _previous())
    engine = make_engine(empty_url)
    head = _legacy_events(engine, 3)
    upgrade(empty_url)
    sessions = session_factory(engine)
    with sessions() as session:
        audit.record(session, ACTOR, "read", "child", 4, child_id=4)
        session.commit()
        chain.chain_pending(engine, wait=True)
        result = audit.verify(session, head=head, events=3)
        assert result.ok and result.events == 4
        with pytest.raises(DatabaseError, match="append-only"):
            session.execute(text("UPDATE audit_events SET mac = NULL WHERE seq = 4"))
        session.rollback()
    engine.dispose()


def test_migration_0009_goes_down_only_while_no_event_is_keyed(empty_url):
    from alembic import command

    upgrade(empty_url, _previous())
    engine = make_engine(empty_url)
    _legacy_events(engine, 2)
    upgrade(empty_url)
    command.downgrade(alembic_config(empty_url), _previous())  # nothing keyed yet: it may
    upgrade(empty_url)
    with session_factory(engine)() as session:
        audit.record(session, ACTOR, "read", "child", 3, child_id=3)
        session.commit()
    with pytest.raises(RuntimeError, match="1 audit events carry a MAC"):
        command.downgrade(alembic_config(empty_url), _previous())
    engine.dispose()
