"""Web sessions of issue 13: a session left unused for the idle time-out ends (the sign-in page
saying why), use keeps it going without a write per request, and over https the cookies carry
the `__Host-` prefix so that no sibling host can plant one."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.browsing import log_in, serving
from app.forms import csrf_token, post_form
from app.world import PASSWORD, build_world
from misper.app.audit.models import AuditEvent
from misper.app.auth.models import AuthToken
from misper.app.auth.service import issue_token
from misper.app.db import alembic_config, make_engine, upgrade
from misper.app.users.models import Role, User

HTML = {"Accept": "text/html"}
SAYS_IDLE = "was not used for 30 minutes"
HTTPS = "https://testserver"


@pytest.fixture
def app(database_url, sessions):
    from misper.app.main import create_app

    with sessions() as session:
        build_world(session)
        session.commit()
    app = create_app(database_url)
    yield app
    app.state.engine.dispose()


def _signed_in(app, role: Role = Role.police_mispers, base_url: str = "http://testserver"):
    client = TestClient(app, base_url=base_url, follow_redirects=False)
    answer = post_form(client, "/login", data={"username": role.value, "password": PASSWORD})
    assert answer.status_code == 303, answer.text[:300]
    return client


def _holding(app, secret: str, name: str = "misper_session", base_url="http://testserver"):
    """Another browser holding the session's secret in the cookie `name`."""
    client = TestClient(app, base_url=base_url, follow_redirects=False)
    client.cookies.set(name, secret)
    return client


def _last_seen(app, kind: str = "session", set_to: datetime | None = None) -> datetime:
    """When the newest token of `kind` was last used (first set to `set_to`, if given)."""
    with app.state.sessions() as session:
        token = session.scalars(
            select(AuthToken).where(AuthToken.kind == kind).order_by(AuthToken.id.desc())
        ).first()
        if set_to is not None:
            token.last_seen_at = set_to
            session.commit()
        return token.last_seen_at


# --- The idle time-out -------------------------------------------------------------------------


def test_a_session_unused_for_30_minutes_ends_and_the_sign_in_page_says_why(app):
    police = _signed_in(app)
    secret = police.cookies["misper_session"]
    _last_seen(app, set_to=datetime.now() - timedelta(minutes=31))
    page = police.get("/groups", headers=HTML)
    assert (page.status_code, page.headers["location"]) == (303, "/login")
    assert _holding(app, secret).get("/api/groups").status_code == 401
    sign_in = police.get("/login")
    assert sign_in.status_code == 200 and SAYS_IDLE in sign_in.text
    assert "misper_session" not in police.cookies  # the page deleted it
    # Said once: the session is ended for good, not merely idle.
    assert SAYS_IDLE not in _holding(app, secret).get("/login").text
    _last_seen(app, set_to=datetime.now())
    assert _holding(app, secret).get("/api/groups").status_code == 401
    with app.state.sessions() as session:
        officer = session.scalar(select(User).where(User.username == "police_mispers"))
        ended = session.scalars(select(AuditEvent).where(AuditEvent.action == "session_idle"))
        assert [e.entity_id for e in ended] == [str(officer.id)]


def test_use_keeps_a_session_going_written_at_most_once_a_minute(app):
    police = _signed_in(app)
    before = datetime.now().replace(microsecond=0)
    _last_seen(app, set_to=datetime.now() - timedelta(minutes=29))
    assert police.get("/groups", headers=HTML).status_code == 200
    assert _last_seen(app) >= before  # used now: 30 more minutes from here
    recent = datetime.now().replace(microsecond=0) - timedelta(seconds=30)
    _last_seen(app, set_to=recent)
    assert police.get("/groups", headers=HTML).status_code == 200
    assert police.get("/api/groups").status_code == 200
    assert _last_seen(app) == recent  # used under a minute ago: not written again


def test_the_idle_time_out_is_configurable(app, monkeypatch):
    monkeypatch.setenv("MISPER_SESSION_IDLE_MINUTES", "5")
    police = _signed_in(app)
    _last_seen(app, set_to=datetime.now() - timedelta(minutes=4))
    assert police.get("/groups", headers=HTML).status_code == 200
    _last_seen(app, set_to=datetime.now() - timedelta(minutes=6))
    assert police.get("/groups", headers=HTML).status_code == 303
    assert "was not used for 5 minutes" in police.get("/login").text


@pytest.mark.parametrize("value", ["0", "ten", "-5", "601", "1.5"])
def test_an_idle_time_out_that_is_no_number_of_minutes_stops_the_server(
    database_url, monkeypatch, value
):
    from misper.app.main import create_app

    monkeypatch.setenv("MISPER_SESSION_IDLE_MINUTES", value)
    with pytest.raises(ValueError, match="MISPER_SESSION_IDLE_MINUTES must be a whole number"):
        create_app(database_url)


def test_a_system_s_bearer_token_has_no_idle_time_out(app):
    with app.state.sessions() as session:
        user = session.scalar(select(User).where(User.username == "police_mispers"))
        bearer = issue_token(session, user, "bearer")
        session.commit()
    _last_seen(app, kind="bearer", set_to=datetime.now() - timedelta(hours=5))
    system = TestClient(app, headers={"Authorization": f"Bearer {bearer}"})
    assert system.get("/api/groups").status_code == 200


# --- `__Host-` cookies over https --------------------------------------------------------------


def _set_cookies(answer) -> dict[str, str]:
    """Each Set-Cookie of an answer by cookie name, its attributes in lower case."""
    return {
        header.split("=", 1)[0]: header.split(";", 1)[1].lower()
        for header in answer.headers.get_list("set-cookie")
    }


def _host_only_secure(attributes: str) -> bool:
    parts = {part.strip().split("=")[0] for part in attributes.split(";")}
    return {"secure", "httponly", "path"} <= parts and "domain" not in parts


def test_over_https_the_cookies_are_host_prefixed_secure_and_host_only(app):
    browser = TestClient(app, base_url=HTTPS, follow_redirects=False)
    first = browser.get("/login")
    assert list(_set_cookies(first)) == ["__Host-misper_csrf"]
    assert _host_only_secure(_set_cookies(first)["__Host-misper_csrf"])
    assert "path=/" in _set_cookies(first)["__Host-misper_csrf"].replace(" ", "")
    before = csrf_token(browser)  # bound to the browser's own cookie, before signing in
    credentials = {"username": Role.police_mispers.value, "password": PASSWORD}
    signed = post_form(browser, "/login", data=credentials)
    assert signed.status_code == 303
    cookie = _set_cookies(signed)["__Host-misper_session"]
    assert _host_only_secure(cookie) and "path=/" in cookie.replace(" ", "")
    assert "misper_session" not in _set_cookies(signed)
    assert browser.get("/groups", headers=HTML).status_code == 200
    # The forms' token is bound to the prefixed session now: the one from before is refused.
    stale = browser.post(
        "/groups", data={"name": "Stale token", "csrf_token": before}, headers={"Origin": HTTPS}
    )
    assert stale.status_code == 403
    assert post_form(browser, "/groups", data={"name": "Over https"}).status_code == 303
    # The API with the session cookie needs the token too.
    api = browser.post("/api/groups", json={"name": "No token"}, headers={"Origin": HTTPS})
    assert api.status_code == 403
    out = post_form(browser, "/logout")
    ended = _set_cookies(out)["__Host-misper_session"]
    assert "max-age=0" in ended.replace(" ", "") and _host_only_secure(ended)
    assert browser.get("/groups", headers=HTML).status_code == 303


def test_over_https_an_unprefixed_cookie_signs_no_one_in(app):
    plain = _signed_in(app)  # over http the names stay as they were
    secret = plain.cookies["misper_session"]
    assert "__Host-" not in " ".join(plain.cookies.keys())
    planted = _holding(app, secret, base_url=HTTPS)
    assert planted.get("/groups", headers=HTML).headers["location"] == "/login"
    assert planted.get("/api/groups").status_code == 401
    prefixed = _holding(app, secret, "__Host-misper_session", base_url=HTTPS)
    assert prefixed.get("/groups", headers=HTML).status_code == 200


# --- Migration 0012 ----------------------------------------------------------------------------


def test_migration_0012_counts_each_token_last_used_when_it_was_made(empty_url):
    made = datetime(2024, 3, 1, 9, 30)
    upgrade(empty_url, "0011")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO agencies (id, name, kind) VALUES (1, 'force', 'police')")
            )
            connection.execute(
                sa.text(
                    "INSERT INTO users (id, username, display_name, role, agency_id, "
                    "password_hash, disabled, failed_logins, created_at) VALUES (1, 'mispers', "
                    "'Mispers', 'police_mispers', 1, 'x', :no, 0, :made)"
                ),
                {"no": False, "made": made},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO auth_tokens (id, token_hash, kind, user_id, created_at, "
                    "expires_at, revoked) VALUES (1, 'h', 'session', 1, :made, :ends, :no)"
                ),
                {"made": made, "ends": made + timedelta(hours=10), "no": False},
            )
        upgrade(empty_url, "0012")
        seen = sa.column("last_seen_at", sa.DateTime())
        query = sa.select(seen).select_from(sa.table("auth_tokens"))
        with engine.connect() as connection:
            assert connection.execute(query).scalars().all() == [made]
        command.downgrade(alembic_config(empty_url), "0011")
        columns = {c["name"] for c in sa.inspect(engine).get_columns("auth_tokens")}
        assert "last_seen_at" not in columns and "created_at" in columns
    finally:
        engine.dispose()


# --- In a browser ------------------------------------------------------------------------------


@pytest.fixture
def served(database_url, sessions):
    with sessions() as session:
        build_world(session)
        session.commit()
    with serving(database_url) as base:
        yield base


@pytest.mark.browser
def test_in_a_browser_an_idle_session_leads_to_the_sign_in_page_saying_why(
    served, browser, sessions
):
    base = served
    context = browser.new_context()
    page = context.new_page()
    log_in(page, base, Role.police_mispers.value)
    page.wait_for_url(f"{base}/")
    with sessions() as session:
        token = session.scalars(select(AuthToken).order_by(AuthToken.id.desc())).first()
        token.last_seen_at = datetime.now() - timedelta(minutes=31)
        session.commit()
    page.goto(f"{base}/groups")
    page.wait_for_url(f"{base}/login")
    assert SAYS_IDLE in page.get_by_role("status").inner_text()
    assert [c for c in context.cookies(base) if c["name"] == "misper_session"] == []
    log_in(page, base, Role.police_mispers.value)
    page.wait_for_url(f"{base}/")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{base}/login")
    assert [c for c in context.cookies(base) if c["name"] == "misper_session"] == []
    context.close()
