"""Signing in under attack: a lock-out that holds under concurrent guesses, per-address limits,
common passwords refused, the authenticator code (TOTP) as a second factor, and one-time reset
codes that make the user choose their own password."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from app.forms import FormClient
from misper.app.access import actor_of
from misper.app.agencies.models import Agency
from misper.app.audit.models import AuditEvent
from misper.app.auth import service as auth
from misper.app.errors import Invalid
from misper.app.users import service as users
from misper.app.users.models import User

PASSWORD = "a long pass phrase for tests"
GUESSES = 24  # sent at once, as in the attack reported


def _user(session, username, role, agency, password=PASSWORD) -> User:
    user = User(
        username=username,
        display_name=username,
        role=role,
        agency_id=agency.id,
        password_hash=auth.hasher.hash(password),
        created_at=datetime(2024, 1, 1),
    )
    session.add(user)
    return user


@pytest.fixture
def people(sessions):
    """A force and a council, each with an administrator and a worker."""
    session = sessions()
    force = Agency(name="Herts Police", kind="police")
    council = Agency(name="Herts Council", kind="council")
    session.add_all([force, council])
    session.flush()
    _user(session, "admin.police", "admin", force)
    _user(session, "officer", "police_officer", force)
    _user(session, "admin.council", "admin", council)
    _user(session, "sw", "council_social_worker", council)
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


def _log_in(client, username, password) -> int:
    return client.post("/login", data={"username": username, "password": password}).status_code


def _reload(session, username) -> User:
    session.flush()
    session.expire_all()
    return session.scalar(select(User).where(User.username == username))


# --- The lock-out ------------------------------------------------------------------------------


def test_wrong_guesses_sent_at_once_lock_the_account(database_url, sessions, people):
    """24 wrong passwords at once, then the right one: refused, and the account is locked."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serves one request at a time (main.LimitInFlight)")
    start = threading.Barrier(GUESSES)
    errors = []

    def guess():
        session = sessions()
        try:
            session.scalar(select(User).where(User.username == "officer"))  # all read first
            start.wait()
            assert auth.login(session, "officer", "not the password at all") is None
            session.commit()
        except Exception as exc:  # reported below: a thread's assert would vanish otherwise
            errors.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=guess) for _ in range(GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    session = sessions()
    assert auth.login(session, "officer", PASSWORD) is None
    session.commit()
    officer = _reload(session, "officer")
    assert officer.locked_until is not None and officer.locked_until > datetime.now()
    session.close()


def test_five_wrong_passwords_lock_the_account_and_the_right_one_then_fails(people):
    session = people
    for _ in range(4):
        assert auth.login(session, "officer", "not the password at all") is None
    assert _reload(session, "officer").locked_until is None
    assert auth.login(session, "officer", "not the password at all") is None
    assert _reload(session, "officer").locked_until > datetime.now()
    assert auth.login(session, "officer", PASSWORD) is None
    officer = _reload(session, "officer")
    officer.locked_until = datetime.now() - timedelta(seconds=1)  # the lock-out has run out
    session.flush()
    assert auth.login(session, "officer", PASSWORD).username == "officer"


# --- Per-address limits ------------------------------------------------------------------------


def test_too_many_attempts_from_one_address_are_refused(client):
    for _ in range(20):
        answer = client.post("/login", data={"username": "officer", "password": "wrong wrong"})
        assert answer.status_code == 401
    page = client.post("/login", data={"username": "officer", "password": PASSWORD})
    assert page.status_code == 429
    assert "Too many sign-in attempts" in page.text
    api = client.post("/api/auth/token", json={"username": "officer", "password": PASSWORD})
    assert api.status_code == 429
    assert api.json()["error"]["code"] == "too_many_requests"
    assert "too many sign-in attempts from your address" in api.json()["error"]["message"]
    assert api.headers["retry-after"] == "60"


def test_the_limit_counts_each_address_apart():
    from misper.app.auth.throttle import AttemptLimiter

    limiter = AttemptLimiter(limit=3, window=60)
    assert [limiter.allow("10.0.0.1", now=0) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("10.0.0.2", now=1)  # another address has its own budget
    assert not limiter.allow("10.0.0.1", now=59)
    assert limiter.allow("10.0.0.1", now=60.5)  # the first attempts left the window


def test_a_successful_sign_in_gives_its_attempt_back():
    from misper.app.auth.throttle import AttemptLimiter

    limiter = AttemptLimiter(limit=2, window=60)
    for _ in range(5):  # a whole office signing in from one address
        assert limiter.allow("10.0.0.1", now=0)
        limiter.succeeded("10.0.0.1")
    assert limiter.allow("10.0.0.1", now=0) and limiter.allow("10.0.0.1", now=0)
    assert not limiter.allow("10.0.0.1", now=0)


# --- Passwords ---------------------------------------------------------------------------------


def test_the_store_hashes_passwords_with_argon2id_at_owasps_cost(production_hasher):
    """The suite hashes cheaply (conftest); the store's own hasher meets OWASP's minimum for
    Argon2id (19 MiB, two passes), and a hash it makes says so."""
    from argon2 import Type, extract_parameters

    made = extract_parameters(production_hasher.hash("a password of the test"))
    assert made.type is Type.ID
    assert made.memory_cost >= 19 * 1024 and made.time_cost >= 2


@pytest.mark.parametrize(
    "password, says",
    [
        ("short one", "at least 12 characters"),
        ("password1234", "too common"),
        ("Password2024!", "too common"),
        ("qwertyuiop12", "too common"),
        ("1qaz2wsx3edc", "too common"),
        ("aaaaaaaaaaaa", "repeats"),
        ("abcabcabcabc", "repeats"),
        ("officer-rules-ok", "your username"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, says):
    with pytest.raises(Invalid) as refused:
        users.check_password(password, username="officer")
    assert refused.value.fields[0]["field"] == "password"
    assert says in refused.value.fields[0]["message"]


@pytest.mark.parametrize("password", ["misper-demo-password", "correct horse battery staple"])
def test_a_long_uncommon_password_is_taken(password):
    users.check_password(password, username="officer")


def test_the_common_password_list_is_small_and_full():
    from misper.app.auth.passwords import COMMON

    assert len(COMMON) >= 9_000
    assert {"123456", "password", "qwerty", "dragon", "letmein"} <= COMMON


# --- One-time reset codes ----------------------------------------------------------------------


def test_a_reset_code_signs_in_once_and_the_user_must_choose_a_password(client, people):
    admin = actor_of(_reload(people, "admin.police"))
    _user, code = users.reset_sign_in(people, admin, "officer")
    people.commit()
    # The old password stops working; the code works once, and only on the password page.
    assert _log_in(client, "officer", PASSWORD) == 401
    answer = client.post("/login", data={"username": "officer", "password": code})
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert client.get("/", headers={"Accept": "text/html"}).headers["location"] == (
        "/account/password"
    )
    assert client.get("/api/me").status_code == 403
    assert client.get("/api/me").json()["error"]["code"] == "sign_in_setup_required"
    assert client.get("/account/password").status_code == 200
    weak = client.post(
        "/account/password", data={"new_password": "password1234", "confirm": "password1234"}
    )
    assert weak.status_code == 422 and "too common" in weak.text
    chosen = "my own choice of words"
    done = client.post("/account/password", data={"new_password": chosen, "confirm": chosen})
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert client.get("/", headers={"Accept": "text/html"}).status_code == 200
    client.post("/logout")
    assert _log_in(client, "officer", code) == 401
    assert _log_in(client, "officer", chosen) == 303


def test_a_reset_code_expires(client, people):
    admin = actor_of(_reload(people, "admin.police"))
    users.reset_sign_in(people, admin, "officer")
    _user, code = users.reset_sign_in(people, admin, "officer")  # the latest code only
    officer = _reload(people, "officer")
    officer.reset_code_expires = datetime.now() - timedelta(seconds=1)
    people.commit()
    assert _log_in(client, "officer", code) == 401


def test_a_system_cannot_take_a_token_until_the_password_is_changed(client, people):
    admin = actor_of(_reload(people, "admin.police"))
    _user, code = users.reset_sign_in(people, admin, "officer")
    people.commit()
    answer = client.post("/api/auth/token", json={"username": "officer", "password": code})
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "sign_in_setup_required"
    assert "/account/password" in answer.json()["error"]["message"]


def test_the_admin_cannot_choose_a_password_through_the_api(client, people):
    """The attack: the admin set the officer's password and signed in as them."""
    admin = _reload(people, "admin.police")
    token = auth.issue_token(people, admin, "bearer")
    people.commit()
    headers = {"Authorization": f"Bearer {token}"}
    chosen = "the admin's choice here"
    reset = client.post("/api/users/officer/reset", json={"password": chosen}, headers=headers)
    assert reset.status_code == 422  # no password field to send
    assert _log_in(client, "officer", chosen) == 401
    reset = client.post("/api/users/officer/reset", headers=headers)
    assert reset.status_code == 200
    body = reset.json()
    assert "password" not in body and len(body["reset_code"]) == 19
    assert body["user"]["must_change_password"] is True
    added = client.post(
        "/api/users",
        json={"username": "new.officer", "role": "police_officer", "agency": "Herts Police"},
        headers=headers,
    )
    assert added.status_code == 201 and "password" not in added.json()
    with_password = client.post(
        "/api/users",
        json={
            "username": "other.officer",
            "role": "police_officer",
            "agency": "Herts Police",
            "password": chosen,
        },
        headers=headers,
    )
    assert with_password.status_code == 422


# --- The second factor -------------------------------------------------------------------------


def _enrol(client) -> pyotp.TOTP:
    page = client.get("/account/second-factor")
    assert page.status_code == 200
    secret = page.text.split('id="totp-secret">', 1)[1].split("<", 1)[0].replace(" ", "")
    assert f"otpauth://totp/Misper:officer?secret={secret}" in page.text.replace("&amp;", "&")
    totp = pyotp.TOTP(secret)
    done = client.post(
        "/account/second-factor",
        data={"secret": secret, "password": PASSWORD, "code": totp.at(time.time() - 30)},
    )
    assert done.status_code == 303, done.text
    return totp


def test_a_user_enrols_and_then_signs_in_with_the_code(client, people):
    assert _log_in(client, "officer", PASSWORD) == 303
    totp = _enrol(client)
    assert _reload(people, "officer").totp_secret is not None
    client.post("/logout")
    step = client.post("/login", data={"username": "officer", "password": PASSWORD})
    assert step.status_code == 200 and 'name="code"' in step.text  # asked for the code
    assert client.get("/", headers={"Accept": "text/html"}).headers["location"] == "/login"
    wrong = client.post("/login/code", data={"code": "000000"})
    assert wrong.status_code == 401
    now = totp.at(time.time())
    right = client.post("/login/code", data={"code": now})
    assert right.status_code == 303 and right.headers["location"] == "/"
    assert client.get("/", headers={"Accept": "text/html"}).status_code == 200
    client.post("/logout")
    # A code is good once: the same code again is refused.
    client.post("/login", data={"username": "officer", "password": PASSWORD})
    assert client.post("/login/code", data={"code": now}).status_code == 401


def test_a_system_sends_the_code_with_the_password(client, people):
    client.post("/login", data={"username": "officer", "password": PASSWORD})
    totp = _enrol(client)
    client.cookies.clear()  # a system: no browser session
    body = {"username": "officer", "password": PASSWORD}
    without = client.post("/api/auth/token", json=body)
    assert without.status_code == 401 and "code" in without.json()["error"]["message"]
    assert client.post("/api/auth/token", json={**body, "code": "123456"}).status_code == 401
    good = client.post("/api/auth/token", json={**body, "code": totp.at(time.time())})
    assert good.status_code == 200 and good.json()["access_token"]


def test_wrong_codes_count_towards_the_lock_out(people):
    officer = _reload(people, "officer")
    officer.totp_secret = pyotp.random_base32()
    people.flush()
    for _ in range(5):
        assert auth.login(people, "officer", PASSWORD, code="000000") is None
    assert _reload(people, "officer").locked_until > datetime.now()


def test_configuration_requires_the_second_factor_for_chosen_roles(client, people, monkeypatch):
    monkeypatch.setenv("MISPER_REQUIRE_TOTP_ROLES", "police_officer, admin")
    assert _log_in(client, "officer", PASSWORD) == 303
    assert client.get("/episodes", headers={"Accept": "text/html"}).headers["location"] == (
        "/account/second-factor"
    )
    client.cookies.clear()  # a system: no browser session
    token = client.post("/api/auth/token", json={"username": "officer", "password": PASSWORD})
    assert token.status_code == 403
    assert "/account/second-factor" in token.json()["error"]["message"]
    assert _log_in(client, "officer", PASSWORD) == 303
    _enrol(client)
    assert client.get("/", headers={"Accept": "text/html"}).status_code == 200
    # A role not named signs in with the password alone.
    client.post("/logout")
    assert _log_in(client, "sw", PASSWORD) == 303
    assert client.get("/", headers={"Accept": "text/html"}).status_code == 200


def test_an_unknown_role_in_the_configuration_stops_the_server(database_url, monkeypatch):
    from misper.app.main import create_app

    monkeypatch.setenv("MISPER_REQUIRE_TOTP_ROLES", "admin,superuser")
    with pytest.raises(ValueError, match="MISPER_REQUIRE_TOTP_ROLES.*superuser"):
        create_app(database_url)


# --- Detection: every failed sign-in and every sign-out is an audit event ----------------------


def _events(session, action: str) -> list[tuple]:
    session.expire_all()
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    )
    return [(e.actor_id, e.entity, e.entity_id, json.loads(e.detail), e.reason) for e in events]


def _wrong_code(totp: pyotp.TOTP) -> str:
    """A code the app does not show now, nor 30 seconds either side."""
    near = {totp.at(time.time() + drift) for drift in (-30, 0, 30)}
    return next(f"{n:06d}" for n in range(10) if f"{n:06d}" not in near)


def test_every_failed_sign_in_is_audited_and_never_what_was_typed(client, people):
    officer = _reload(people, "officer")
    officer.totp_secret = pyotp.random_base32()
    people.commit()
    totp = pyotp.TOTP(officer.totp_secret)
    sw = _reload(people, "sw")
    assert _log_in(client, "sw", "typed wrong password 1") == 401
    assert _log_in(client, "no.such.person", "typed wrong password 2") == 401
    api = {"username": "sw", "password": "typed wrong password 3"}
    assert client.post("/api/auth/token", json=api).status_code == 401
    assert _log_in(client, "officer", PASSWORD) == 200  # the page asking for the code
    assert client.post("/login/code", data={"code": _wrong_code(totp)}).status_code == 401
    api = {"username": "officer", "password": PASSWORD, "code": _wrong_code(totp)}
    assert client.post("/api/auth/token", json=api).status_code == 401
    sw_id, officer_id = str(sw.id), str(officer.id)
    assert _events(people, "sign_in_failed") == [
        (None, "user", sw_id, {"why": "wrong_password"}, None),
        (None, "user", None, {"why": "unknown_user", "username": "no.such.person"}, None),
        (None, "user", sw_id, {"why": "wrong_password"}, None),
        (None, "user", officer_id, {"why": "wrong_code"}, None),
        (None, "user", officer_id, {"why": "wrong_code"}, None),
    ]
    # The unknown name made nothing: the four people of the fixture, no more.
    assert people.scalar(select(func.count()).select_from(User)) == 4


def test_signing_in_to_a_locked_account_is_audited_too(client, people):
    for n in range(auth.MAX_FAILURES):
        assert _log_in(client, "sw", f"wrong {n}") == 401
    assert _log_in(client, "sw", PASSWORD) == 401  # right, but locked
    whys = [detail["why"] for *_, detail, _reason in _events(people, "sign_in_failed")]
    assert whys == ["wrong_password"] * auth.MAX_FAILURES + ["locked"]
    assert len(_events(people, "lock_out")) == 1


def test_signing_out_is_audited_as_the_user_who_signed_out(client, people):
    sw = _reload(people, "sw")
    assert _log_in(client, "sw", PASSWORD) == 303
    assert client.post("/logout").status_code == 303
    assert _events(people, "logout") == [(sw.id, "user", str(sw.id), {}, None)]
    # Signing out without a session ends nothing, and records nothing.
    assert client.post("/logout").status_code == 303
    assert len(_events(people, "logout")) == 1
