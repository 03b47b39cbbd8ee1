"""Authenticator secrets sealed at rest (ASVS 2.8.2): the database never holds a user's base32
secret, signing in with a code still works, a secret kept in clear from before is sealed at its
next use, and a copy of the database without the store's key cannot make the codes."""

from __future__ import annotations

import time
from datetime import datetime

import pyotp
import pytest
from alembic import command
from sqlalchemy import select, text

from app.forms import FormClient
from misper.app.agencies.models import Agency
from misper.app.audit.keys import KEY_ENV, AuditKey, keygen
from misper.app.auth import sealing
from misper.app.auth import service as auth
from misper.app.auth.service import hasher
from misper.app.db import alembic_config, make_engine, upgrade
from misper.app.users.models import User

PASSWORD = "a long pass phrase for tests"


@pytest.fixture
def people(sessions):
    """A force with two officers, neither with an authenticator yet."""
    session = sessions()
    force = Agency(name="Herts Police", kind="police")
    session.add(force)
    session.flush()
    for username in ("officer", "other"):
        session.add(
            User(
                username=username,
                display_name=username,
                role="police_officer",
                agency_id=force.id,
                password_hash=hasher.hash(PASSWORD),
                created_at=datetime(2024, 1, 1),
            )
        )
    session.commit()
    yield session
    session.close()


@pytest.fixture
def client(database_url, people):
    from misper.app.main import create_app

    app = create_app(database_url)
    with FormClient(app, follow_redirects=False) as client:
        yield client
    app.state.engine.dispose()


def _stored(session, username: str) -> str | None:
    """The column as the database holds it (as a copy of it would)."""
    session.expire_all()
    return session.execute(
        text("SELECT totp_secret FROM users WHERE username = :u"), {"u": username}
    ).scalar_one()


def _user_id(session, username: str) -> int:
    return session.scalar(select(User.id).where(User.username == username))


def _enrol(client) -> str:
    assert client.post("/login", data={"username": "officer", "password": PASSWORD}).status_code
    page = client.get("/account/second-factor")
    secret = page.text.split('id="totp-secret">', 1)[1].split("<", 1)[0].replace(" ", "")
    assert len(secret) == 32
    done = client.post(
        "/account/second-factor",
        data={"secret": secret, "password": PASSWORD, "code": pyotp.TOTP(secret).now()},
    )
    assert done.status_code == 303, done.text
    client.cookies.clear()
    return secret


def _token(client, code: str) -> int:
    body = {"username": "officer", "password": PASSWORD, "code": code}
    return client.post("/api/auth/token", json=body).status_code


def test_an_enrolled_secret_is_sealed_and_signing_in_with_a_code_works(client, people):
    secret = _enrol(client)
    stored = _stored(people, "officer")
    assert stored is not None and stored.startswith("v1:")
    assert secret not in stored and secret.lower() not in stored.lower()
    assert len(stored) == 83  # "v1:" and 60 bytes (nonce, secret, tag) in base64
    next_step = pyotp.TOTP(secret).at(time.time() + 30)  # the enrolment's code is used up
    assert _token(client, "000000") == 401
    assert _token(client, next_step) == 200
    assert _stored(people, "officer") == stored  # using it leaves it sealed as it was


def test_a_secret_kept_in_clear_from_before_works_and_is_sealed_at_its_next_use(people):
    secret = pyotp.random_base32()
    people.execute(
        text("UPDATE users SET totp_secret = :s WHERE username = 'officer'"), {"s": secret}
    )
    people.commit()
    user = people.scalar(select(User).where(User.username == "officer"))
    assert auth.login(people, "officer", PASSWORD, code=pyotp.TOTP(secret).now()) is not None
    people.commit()
    stored = _stored(people, "officer")
    assert stored.startswith("v1:") and secret not in stored
    assert sealing.unseal(sealing.store_key(people), user.id, stored) == secret
    later = pyotp.TOTP(secret).at(time.time() + 30)
    assert auth.login(people, "officer", PASSWORD, code=later) is not None


def test_a_copy_of_the_database_without_the_key_cannot_make_codes(
    client, people, tmp_path, monkeypatch
):
    secret = _enrol(client)
    stored = _stored(people, "officer")
    officer = _user_id(people, "officer")
    # The store's own key opens it; another key (the copy's finder has none) does not.
    assert sealing.unseal(sealing.store_key(people), officer, stored) == secret
    other = AuditKey(b"\x01" * 32, None, None)
    with pytest.raises(sealing.SealedSecretError):
        sealing.unseal(other, officer, stored)
    # Nor does the same value copied onto another user's row, under the store's own key.
    with pytest.raises(sealing.SealedSecretError):
        sealing.unseal(sealing.store_key(people), _user_id(people, "other"), stored)
    # The store run with another key file: the right code no longer signs in.
    elsewhere = tmp_path / "elsewhere.key"
    keygen(elsewhere)
    monkeypatch.setenv(KEY_ENV, str(elsewhere))
    people.expire_all()
    code = pyotp.TOTP(secret).at(time.time() + 30)
    assert auth.login(people, "officer", PASSWORD, code=code) is None
    people.rollback()
    monkeypatch.undo()
    assert auth.login(people, "officer", PASSWORD, code=code) is not None


def test_migration_0013_keeps_clear_secrets_and_its_downgrade_drops_only_sealed_ones(empty_url):
    """Upgraded: a clear secret of before stays (sealed at its next use) and a sealed one fits the
    column on PostgreSQL too. Downgraded: the sealed one cannot be opened without the key, so
    its user enrols again; the clear one stays."""
    upgrade(empty_url, "0012")
    engine = make_engine(empty_url)
    clear = pyotp.random_base32()
    sealed = "v1:" + "A" * 80  # the length `sealing.seal` makes
    with engine.begin() as c:
        c.execute(text("INSERT INTO agencies (id, name, kind) VALUES (1, 'force', 'police')"))
        for id_, username, secret in ((1, "clear", clear), (2, "sealed", None)):
            c.execute(
                text(
                    "INSERT INTO users (id, username, display_name, role, agency_id, "
                    "password_hash, disabled, failed_logins, created_at, must_change_password, "
                    "totp_secret, totp_last_step) VALUES (:id, :u, :u, 'police_officer', 1, 'x', "
                    ":f, 0, :at, :f, :s, 7)"
                ),
                {"id": id_, "u": username, "f": False, "at": datetime(2024, 1, 1), "s": secret},
            )
    upgrade(empty_url, "0013")
    with engine.begin() as c:
        c.execute(text("UPDATE users SET totp_secret = :s WHERE id = 2"), {"s": sealed})
        stored = dict(c.execute(text("SELECT username, totp_secret FROM users")).all())
    assert stored == {"clear": clear, "sealed": sealed}
    command.downgrade(alembic_config(empty_url), "0012")
    with engine.connect() as c:
        rows = c.execute(text("SELECT username, totp_secret, totp_last_step FROM users")).all()
    assert sorted(tuple(r) for r in rows) == [("clear", clear, 7), ("sealed", None, None)]
    engine.dispose()
