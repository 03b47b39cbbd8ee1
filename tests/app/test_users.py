"""User administration: an administrator manages the users of their own agency only, through the
services and the API alike; passwords are never chosen or seen by an administrator."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select, text

from misper.app import access
from misper.app.access import actor_of
from misper.app.agencies.models import Agency
from misper.app.audit.models import AuditEvent
from misper.app.auth.service import hasher, issue_token
from misper.app.errors import Forbidden, NotFound
from misper.app.users import service as users
from misper.app.users.models import User

PASSWORD = "a long pass phrase for tests"


@pytest.fixture
def people(sessions):
    """A force and a council, each with an administrator and a worker."""
    session = sessions()
    force = Agency(name="Herts Police", kind="police")
    council = Agency(name="Herts Council", kind="council")
    session.add_all([force, council])
    session.flush()
    for username, role, agency in (
        ("admin.police", "admin", force),
        ("officer", "police_officer", force),
        ("admin.council", "admin", council),
        ("sw", "council_social_worker", council),
    ):
        session.add(
            User(
                username=username,
                display_name=username,
                role=role,
                agency_id=agency.id,
                password_hash=hasher.hash(PASSWORD),
                created_at=datetime(2024, 1, 1),
            )
        )
    session.commit()
    yield session
    session.close()


def _actor(session, username):
    return actor_of(session.scalar(select(User).where(User.username == username)))


def test_the_rule_an_admin_manages_their_own_agency_only(people):
    police, council = (_actor(people, n) for n in ("admin.police", "admin.council"))
    officer = people.scalar(select(User).where(User.username == "officer"))
    assert access.manages_agency(police, officer.agency_id)
    assert not access.manages_agency(council, officer.agency_id)
    assert not access.manages_agency(_actor(people, "officer"), officer.agency_id)  # not an admin
    managed = people.scalars(select(User.username).where(access.users(police))).all()
    assert sorted(managed) == ["admin.police", "officer"]


def test_an_admin_of_the_police_cannot_add_disable_or_reset_a_councils_user(people):
    police = _actor(people, "admin.police")
    with pytest.raises(Forbidden):
        users.add_user(
            people, police, username="new.sw", role="council_social_worker", agency="Herts Council"
        )
    with pytest.raises(NotFound):  # as if there were no such user
        users.disable_user(people, police, "sw")
    with pytest.raises(NotFound):
        users.reset_sign_in(people, police, "sw")
    assert [u.username for u in users.list_users(people, police)] == ["admin.police", "officer"]
    sw = people.scalar(select(User).where(User.username == "sw"))
    assert not sw.disabled and not sw.must_change_password


def test_the_command_line_manages_every_agency(people):
    user, code = users.add_user(
        people, None, username="new.sw", role="council_social_worker", agency="Herts Council"
    )
    assert user.must_change_password and code is not None
    users.disable_user(people, None, "sw")
    _user, code = users.reset_sign_in(people, None, "officer")
    assert len(code) == 19


def test_the_api_applies_the_same_rule(database_url, people):
    from misper.app.main import create_app

    admin = people.scalar(select(User).where(User.username == "admin.police"))
    token = issue_token(people, admin, "bearer")
    people.commit()
    app = create_app(database_url)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        listed = client.get("/api/users", headers=headers).json()
        assert sorted(u["username"] for u in listed) == ["admin.police", "officer"]
        assert client.post("/api/users/sw/disable", headers=headers).status_code == 404
        assert client.post("/api/users/sw/reset", headers=headers).status_code == 404
        added = client.post(
            "/api/users",
            json={"username": "new.sw", "role": "council_social_worker", "agency": "Herts Council"},
            headers=headers,
        )
        assert added.status_code == 403
        assert "own agency" in added.json()["error"]["message"]
        assert client.post("/api/users/officer/disable", headers=headers).status_code == 200
    app.state.engine.dispose()


def test_a_reset_is_audited_with_who_asked_and_never_the_code(people):
    police = _actor(people, "admin.police")
    user, code = users.reset_sign_in(people, police, "officer")
    people.commit()
    event = people.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "reset_password", AuditEvent.entity_id == str(user.id)
        )
    ).one()
    assert event.actor_id == police.user_id
    assert code not in str(event.detail) and code.replace("-", "") not in str(event.detail)


def test_migration_0010_keeps_existing_users_signing_in_as_before(empty_url):
    """Users of a store made at 0009 keep their password, need no change and have no second
    factor; the downgrade drops the new columns again."""
    from alembic import command

    from misper.app.db import alembic_config, make_engine, upgrade

    upgrade(empty_url, "0009")
    engine = make_engine(empty_url)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO agencies (id, name, kind) VALUES (1, 'Herts Police', 'police')")
        )
        connection.execute(
            text(
                "INSERT INTO users (id, username, display_name, role, agency_id, password_hash,"
                " disabled, failed_logins, created_at) VALUES (1, 'officer', 'Officer',"
                " 'police_officer', 1, :hash, false, 0, '2024-01-01 00:00:00')"
            ),
            {"hash": hasher.hash(PASSWORD)},
        )
    upgrade(empty_url, "0010")
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT must_change_password, reset_code_hash, reset_code_expires, totp_secret,"
                " totp_last_step FROM users"
            )
        ).one()
    assert tuple(row) == (False, None, None, None, None)
    command.downgrade(alembic_config(empty_url), "0009")
    columns = {c["name"] for c in sa_inspect(engine).get_columns("users")}
    assert "must_change_password" not in columns and "totp_secret" not in columns
    engine.dispose()
