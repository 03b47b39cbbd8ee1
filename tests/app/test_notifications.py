"""Notifications that lead somewhere: opened (and so read) by each user apart, marked read one by
one or all at once, only by those they reach; and emailed, at once or in a daily digest, over a
real SMTP server on loopback (aiosmtpd), carrying no case details and never sent twice.

The world is after_world.py's: one force with its missing persons team ("mispers"), another force
("other.force"); a colleague of "mispers" is added where a test needs one.
"""

from __future__ import annotations

import socket
import time
from datetime import datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from sqlalchemy import func, select

from app.after_world import build
from app.forms import FormClient
from misper.app.access import Actor
from misper.app.auth.service import issue_token
from misper.app.errors import Invalid, NotFound
from misper.app.notifications import mail
from misper.app.notifications import service as notices
from misper.app.notifications.models import NotificationEmail
from misper.app.users.models import Role, User

BASE = "https://misper.example.org"
CHILD_NAME = "Child away"  # after_world's name of the child placed away
HOME = "Oak House"


def _colleague(session, world, role=Role.police_mispers, name="colleague") -> Actor:
    """Another user of the force (of its missing persons team, unless told)."""
    user = User(
        username=name,
        display_name=name,
        role=role.value,
        agency_id=world.agencies["force"].id,
        password_hash="x",
        created_at=datetime(2024, 1, 1),
    )
    session.add(user)
    session.flush()
    return Actor(user.id, name, role, user.agency_id, "police")


def _sighting(session, world, rid="first", link=None):
    """A notice to the whole force about its episode, its text naming the child and the home (as
    a sighting's may)."""
    episode = world.episode(session, "away", datetime.now() - timedelta(hours=3), rid=rid)
    return notices.notify(
        session,
        world.agencies["force"].id,
        f"Sighting near AL1 3 reported for missing episode {rid}",
        episode.id,
        body=f"{CHILD_NAME} seen outside {HOME}",
        link=link,
    )


# --- Reading ------------------------------------------------------------------------------------


def test_opening_a_notice_reads_it_for_the_reader_only(store):
    session, world = store
    mispers, colleague = world.actors["mispers"], _colleague(session, world)
    first = _sighting(session, world)
    second = _sighting(session, world, rid="second")
    session.flush()
    assert notices.unread_count(session, mispers) == 2
    assert notices.unread_count(session, colleague) == 2
    opened = notices.mark_read(session, mispers, first.id, action="open")
    assert opened.read_at is not None
    assert notices.unread_count(session, mispers) == 1
    assert notices.unread_count(session, colleague) == 2  # a notice to the force: each reads it
    listed = notices.list_notifications(session, colleague, True, 0, 10)
    assert [n.id for n in listed] == [second.id, first.id]
    again = notices.mark_read(session, mispers, first.id)  # twice: still read, once, then
    assert again.read_at == opened.read_at


def test_mark_all_read_reads_every_notice_of_the_caller(store):
    session, world = store
    mispers, colleague = world.actors["mispers"], _colleague(session, world)
    for rid in ("one", "two", "three"):
        _sighting(session, world, rid=rid)
    notices.notify(session, world.agencies["force"].id, "For you", user_id=colleague.user_id)
    session.flush()
    assert notices.mark_all_read(session, mispers) == 3
    assert notices.unread_count(session, mispers) == 0
    assert notices.mark_all_read(session, mispers) == 0
    assert notices.unread_count(session, colleague) == 4


def test_only_those_a_notice_reaches_may_mark_it_read(store):
    session, world = store
    colleague = _colleague(session, world)
    to_force = _sighting(session, world)
    to_colleague = notices.notify(
        session, world.agencies["force"].id, "Your review", user_id=colleague.user_id
    )
    session.flush()
    with pytest.raises(NotFound):
        notices.mark_read(session, world.actors["other.force"], to_force.id)
    with pytest.raises(NotFound):
        notices.mark_read(session, world.actors["mispers"], to_colleague.id)
    assert notices.unread_count(session, colleague) == 2


@pytest.fixture
def client(database_url, sessions):
    """The app over HTTP on a committed world, with bearer tokens for its users."""
    from misper.app.main import create_app

    session = sessions()
    world = build(session)
    notice = _sighting(session, world, link="/episodes/first")
    personal = notices.notify(
        session,
        world.agencies["force"].id,
        "Your review",
        user_id=world.actors["mispers"].user_id,
        link="//elsewhere.example.org/x",  # never followed off the site
    )
    tokens = {
        name: issue_token(session, session.get(User, actor.user_id), "bearer")
        for name, actor in world.actors.items()
    }
    session.commit()
    ids = {"force": notice.id, "personal": personal.id}
    session.close()
    app = create_app(database_url)
    with FormClient(app, follow_redirects=False) as test_client:
        yield test_client, tokens, ids
    app.state.engine.dispose()


def _as(tokens, name):
    return {"Authorization": f"Bearer {tokens[name]}", "Accept": "text/html"}


def test_another_agency_cannot_mark_or_open_a_notice(client):
    http, tokens, ids = client
    stranger = _as(tokens, "other.force")
    assert http.post(f"/api/notifications/{ids['force']}/read", headers=stranger).status_code == 404
    assert http.post(f"/notifications/{ids['force']}/read", headers=stranger).status_code == 404
    assert http.get(f"/notifications/{ids['force']}", headers=stranger).status_code == 404
    mine = http.get("/api/notifications?unread=true", headers=_as(tokens, "mispers")).json()
    assert sorted(n["id"] for n in mine) == sorted(ids.values())  # still unread for its owner


def test_opening_goes_to_the_case_and_the_header_count_drops(client):
    http, tokens, ids = client
    me = _as(tokens, "mispers")
    assert '<span class="count" id="unread-count">2</span>' in http.get("/", headers=me).text
    opened = http.get(f"/notifications/{ids['force']}", headers=me)
    assert (opened.status_code, opened.headers["location"]) == (303, "/episodes/first")
    assert '<span class="count" id="unread-count">1</span>' in http.get("/", headers=me).text
    # A link off the site is never followed: the list instead.
    off_site = http.get(f"/notifications/{ids['personal']}", headers=me)
    assert off_site.headers["location"] == "/notifications"
    listed = http.get("/api/notifications", headers=me).json()
    assert all(n["read_at"] is not None for n in listed)


def test_mark_all_read_from_the_page(client):
    http, tokens, ids = client
    me = _as(tokens, "mispers")
    assert http.post("/notifications/read-all", headers=me).headers["location"] == "/notifications"
    assert http.get("/api/notifications?unread=true", headers=me).json() == []
    page = http.get("/notifications", headers=me).text
    assert "Mark all as read" not in page
    assert '<span class="count" id="unread-count">0</span>' in page


# --- Email preferences --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "email", "field"),
    [
        ("hourly", "a@example.org", "frequency"),
        ("immediately", "", "email"),
        ("daily", "not an address", "email"),
    ],
)
def test_a_wrong_preference_is_refused_by_its_field(store, frequency, email, field):
    session, world = store
    with pytest.raises(Invalid) as refused:
        notices.set_preference(session, world.actors["mispers"], frequency, email)
    assert [f["field"] for f in refused.value.fields] == [field]
    assert notices.preference(session, world.actors["mispers"]) is None


def test_the_preference_page_saves_and_refuses_by_field(client):
    http, tokens, _ids = client
    me = _as(tokens, "mispers")
    refused = http.post(
        "/account/notifications", headers=me, data={"frequency": "daily", "email": ""}
    )
    assert refused.status_code == 422
    assert 'id="email-error"' in refused.text
    saved = http.post(
        "/account/notifications",
        headers=me,
        data={"frequency": "daily", "email": "mispers@example.org"},
    )
    assert saved.status_code == 200 and "Saved." in saved.text
    assert 'value="mispers@example.org"' in http.get("/account/notifications", headers=me).text


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"MISPER_SMTP_PORT": "smtp"}, "MISPER_SMTP_PORT"),
        ({"MISPER_SMTP_STARTTLS": "maybe"}, "MISPER_SMTP_STARTTLS"),
        ({"MISPER_SMTP_PASSWORD_FILE": "/nonexistent/password"}, "MISPER_SMTP_PASSWORD_FILE"),
        ({"MISPER_SMTP_USERNAME": "misper"}, "MISPER_SMTP_PASSWORD_FILE"),
        ({"MISPER_MAIL_FROM": "nobody"}, "MISPER_MAIL_FROM"),
        ({"MISPER_BASE_URL": "misper.example.org"}, "MISPER_BASE_URL"),
    ],
)
def test_wrong_mail_settings_name_the_variable(settings, named):
    environ = {
        "MISPER_SMTP_HOST": "mail.example.org",
        "MISPER_MAIL_FROM": "misper@example.org",
        "MISPER_BASE_URL": BASE,
        **settings,
    }
    with pytest.raises(mail.MailSetupError, match=named):
        mail.mail_settings(environ)


def test_email_is_off_by_default():
    assert mail.mail_settings({}) is None


# --- Email over SMTP ----------------------------------------------------------------------------


class Inbox:
    """What the SMTP server received: (recipients, message) in order."""

    def __init__(self):
        self.received: list = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = message_from_bytes(envelope.content, policy=default_policy)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def wait_for(self, count: int, seconds: float = 10) -> list:
        end = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < end:
            time.sleep(0.05)
        return self.received


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch):
    """A real SMTP server on a free loopback port, and the store's settings pointing at it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    for name, value in {
        "MISPER_SMTP_HOST": "127.0.0.1",
        "MISPER_SMTP_PORT": str(port),
        "MISPER_SMTP_STARTTLS": "false",
        "MISPER_MAIL_FROM": "misper@example.org",
        "MISPER_BASE_URL": BASE,
    }.items():
        monkeypatch.setenv(name, value)
    yield inbox
    controller.stop()


def _text(message) -> str:
    return message["Subject"] + "\n" + message.get_content()


def _no_case_details(message, *details: str) -> None:
    text = _text(message)
    for detail in details:
        assert detail not in text


def test_an_immediate_email_arrives_once_with_a_sign_in_link(smtp, sessions):
    session = sessions()
    world = build(session)
    mispers = world.actors["mispers"]
    notices.set_preference(session, mispers, "immediately", "mispers@example.org")
    session.commit()
    notice = _sighting(session, world)
    session.commit()  # the email goes after this commit, from a thread of its own
    received = smtp.wait_for(1)
    assert len(received) == 1
    recipients, message = received[0]
    assert recipients == ["mispers@example.org"]
    assert message["Subject"] == "Misper: a new notice for you"
    assert f"{BASE}/notifications/{notice.id}" in message.get_content()
    assert "a missing episode" in message.get_content()
    _no_case_details(message, CHILD_NAME, "P-away", "first", HOME, "AL1 3", "Sighting")
    # Nothing more: neither the next run nor the catch-up command sends it again.
    assert mail.send_immediate(sessions, mail.mail_settings()) == 0
    time.sleep(0.5)
    assert len(smtp.received) == 1
    assert session.scalar(select(func.count()).select_from(NotificationEmail)) == 1
    session.close()


def test_a_notice_already_read_or_from_before_the_choice_is_not_emailed(smtp, sessions):
    session = sessions()
    world = build(session)
    mispers = world.actors["mispers"]
    before = _sighting(session, world, rid="before")
    session.commit()
    notices.set_preference(session, mispers, "daily", "mispers@example.org")
    session.commit()
    read = _sighting(session, world, rid="read")
    session.flush()
    notices.mark_read(session, mispers, read.id)
    session.commit()
    assert mail.send_digests(sessions, mail.mail_settings()) == 0
    assert smtp.received == []
    _sighting(session, world, rid="new")  # unread, after the choice: this one goes
    session.commit()
    assert mail.send_digests(sessions, mail.mail_settings()) == 1
    assert smtp.received[0][1]["Subject"] == "Misper: 1 new notice"
    emailed = session.scalars(select(NotificationEmail.notification_id)).all()
    assert before.id not in emailed and read.id not in emailed
    session.close()


def test_the_digest_gathers_the_days_notices_into_one_email_once(smtp, sessions):
    session = sessions()
    world = build(session)
    mispers = world.actors["mispers"]
    notices.set_preference(session, mispers, "daily", "mispers@example.org")
    session.commit()
    for rid in ("one", "two"):
        _sighting(session, world, rid=rid)
    notices.notify(
        session,
        world.agencies["force"].id,
        f"MARM referral raised for child P-away ({CHILD_NAME})",
        link="/referrals/7",
    )
    session.commit()
    time.sleep(0.5)
    assert smtp.received == []  # a digest waits for its run, not for the commit
    settings = mail.mail_settings()
    assert mail.send_digests(sessions, settings) == 1
    assert len(smtp.received) == 1
    recipients, message = smtp.received[0]
    assert recipients == ["mispers@example.org"]
    assert message["Subject"] == "Misper: 3 new notices"
    body = message.get_content()
    assert "- 2 about a missing episode" in body
    assert "- 1 about a MARM or MACE referral" in body
    assert f"{BASE}/notifications" in body
    _no_case_details(message, CHILD_NAME, "P-away", HOME, "one", "two", "MARM referral raised")
    # Run again the same day: nothing more is sent.
    assert mail.send_digests(sessions, settings) == 0
    assert len(smtp.received) == 1
    session.close()


def test_a_refused_email_is_sent_on_the_next_run(sessions, monkeypatch, smtp):
    session = sessions()
    world = build(session)
    notices.set_preference(session, world.actors["mispers"], "daily", "mispers@example.org")
    session.commit()
    _sighting(session, world)
    session.commit()
    down = mail.MailSettings("127.0.0.1", _free_port(), False, None, None, "m@example.org", BASE)
    assert mail.send_digests(sessions, down) == 0  # nothing listens there
    assert session.scalar(select(func.count()).select_from(NotificationEmail)) == 0
    assert mail.send_digests(sessions, mail.mail_settings()) == 1
    assert len(smtp.received) == 1
    session.close()


def test_the_digest_command_sends_once_and_says_so(smtp, sessions, database_url):
    from typer.testing import CliRunner

    from misper.cli import app

    session = sessions()
    world = build(session)
    notices.set_preference(session, world.actors["mispers"], "daily", "mispers@example.org")
    session.commit()
    _sighting(session, world)
    session.commit()
    session.close()
    runner = CliRunner()
    first = runner.invoke(app, ["notifications", "send-digests", "--db", database_url])
    assert (first.exit_code, first.output.strip()) == (0, "sent 1 digest email(s)")
    again = runner.invoke(app, ["notifications", "send-digests", "--db", database_url])
    assert (again.exit_code, again.output.strip()) == (0, "sent 0 digest email(s)")
    assert len(smtp.received) == 1


def test_the_digest_command_refuses_when_email_is_off(monkeypatch, database_url):
    from typer.testing import CliRunner

    from misper.cli import app

    monkeypatch.delenv("MISPER_SMTP_HOST", raising=False)
    answer = CliRunner().invoke(app, ["notifications", "send-digests", "--db", database_url])
    assert answer.exit_code == 1
    assert "MISPER_SMTP_HOST" in answer.output


def test_a_notice_leads_only_to_a_page_the_role_works_on(database_url, sessions):
    """A referral told to the whole force: the missing persons team opens the referral; an
    officer, whose role works on no referral, lands on the list, never on "not for your role"."""
    from misper.app.main import create_app

    session = sessions()
    world = build(session)
    notice = notices.notify(session, world.agencies["force"].id, "Referral", link="/referrals/1")
    officer = session.get(User, _colleague(session, world, Role.police_officer, "officer").user_id)
    mispers = session.get(User, world.actors["mispers"].user_id)
    tokens = {
        "mispers": issue_token(session, mispers, "bearer"),
        "officer": issue_token(session, officer, "bearer"),
    }
    session.commit()
    session.close()
    app = create_app(database_url)
    with FormClient(app, follow_redirects=False) as http:
        for name, page in (("mispers", "/referrals/1"), ("officer", "/notifications")):
            opened = http.get(f"/notifications/{notice.id}", headers=_as(tokens, name))
            assert (opened.status_code, opened.headers["location"]) == (303, page), name
    app.state.engine.dispose()
