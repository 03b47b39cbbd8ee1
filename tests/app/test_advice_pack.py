"""The parents' advice pack and the patrol briefing (issue 14) on advice_world.py's hand-set world:
the pack from each force's own template, emailed over a real SMTP server on loopback (aiosmtpd)
and printed, each giving kept once on the episode with the address masked; never for a care-home
episode; 404 for whoever cannot see the episode. The briefing shows the world's facts, and no
other force's associates."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import func, select

from app.advice_world import DAY, build
from app.forms import FormClient
from app.test_notifications import smtp  # noqa: F401  (the SMTP server fixture)
from misper.app.audit.models import AuditEvent
from misper.app.auth.service import issue_token
from misper.app.db import alembic_config, upgrade
from misper.app.episodes import advice, briefing
from misper.app.episodes.models import AdvicePack
from misper.app.errors import Conflict, NotFound
from misper.app.users.models import User

NORTH_OWN = "Call North Family Line on 01632 960001 any time."
ADDRESS = "jane.parent@example.org"


@pytest.fixture
def advice_dir(tmp_path, monkeypatch):
    """A configured directory holding North Police's own pack; South Police has none."""
    folder = tmp_path / "advice"
    folder.mkdir()
    (folder / "north-police.md.j2").write_text(
        f"## Help in the north\n\n{NORTH_OWN}\n\nFrom {{{{ force }}}}. <b>raw html</b>\n"
    )
    monkeypatch.setenv(advice.ADVICE_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def client(database_url, sessions):
    """The app over HTTP on the committed world, with bearer tokens for its users."""
    from misper.app.main import create_app

    session = sessions()
    world = build(session)
    tokens = {
        name: issue_token(session, session.get(User, actor.user_id), "bearer")
        for name, actor in world.actors.items()
    }
    session.commit()
    session.close()
    app = create_app(database_url)
    with FormClient(app, follow_redirects=False) as http:
        yield http, tokens
    app.state.engine.dispose()


def _as(tokens, name):
    return {"Authorization": f"Bearer {tokens[name]}", "Accept": "text/html"}


def _givings(sessions) -> list[tuple[str, str | None]]:
    with sessions() as session:
        return [
            (p.method, p.masked_address)
            for p in session.scalars(select(AdvicePack).order_by(AdvicePack.id))
        ]


# --- The pack's content ---------------------------------------------------------------------


def test_each_force_gets_its_own_pack_or_the_default(advice_dir):
    north = advice.render_pack("North Police")
    south = advice.render_pack("South Police")
    assert NORTH_OWN in north.markdown and "From North Police." in north.markdown
    assert NORTH_OWN not in south.markdown
    for part in (
        "Signs of exploitation to look out for",
        "If your child goes missing again",
        "Why children go missing, and what helps",
        "Support for you and your child",
        "to see friends or a partner, after an argument with their family or by staying out "
        "past a curfew",
        "South Police",
    ):
        assert part in " ".join(south.markdown.split()), part
    assert "<b>raw html</b>" not in north.html  # shown as text, never run
    assert "&lt;b&gt;raw html&lt;/b&gt;" in north.html


def test_the_agency_code_names_the_file():
    assert advice.agency_code("North Police") == "north-police"
    assert advice.agency_code("Hertfordshire Constabulary") == "hertfordshire-constabulary"
    assert advice.agency_code("St. Albans & District") == "st-albans-district"


def test_the_page_shows_the_episodes_forces_pack(client, advice_dir):
    http, tokens = client
    north = http.get("/episodes/now-1/advice", headers=_as(tokens, "officer.north"))
    assert north.status_code == 200
    assert NORTH_OWN in north.text
    south = http.get("/episodes/south-1/advice", headers=_as(tokens, "officer.south"))
    assert south.status_code == 200
    assert NORTH_OWN not in south.text
    assert "Advice for parents and carers from South Police" in south.text


# --- Giving it ------------------------------------------------------------------------------


def test_emailing_sends_once_keeps_a_masked_record_and_shows_it(client, smtp, sessions):  # noqa: F811
    http, tokens = client
    me = _as(tokens, "coord.north")
    sent = http.post("/episodes/now-1/advice/email", headers=me, data={"email": ADDRESS})
    assert (sent.status_code, sent.headers["location"]) == (303, "/episodes/now-1#advice")
    received = smtp.wait_for(1)
    assert len(received) == 1
    recipients, message = received[0]
    assert recipients == [ADDRESS]
    assert message["Subject"] == "Advice for parents and carers from North Police"
    text = message.get_body(("plain",)).get_content()
    assert "Signs of exploitation to look out for" in text
    html = message.get_body(("html",)).get_content()
    assert "<h2>If your child goes missing again</h2>" in html
    for detail in ("Lily", "P-lily", "now-1"):  # the pack names no one
        assert detail not in message.as_string()
    assert _givings(sessions) == [("email", "j***@e***.org")]
    with sessions() as session:  # the address itself is kept nowhere
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "advice_pack"))
        assert [(e.action, e.actor_role) for e in events] == [
            ("create", "council_missing_coordinator")
        ]
        naming = select(func.count()).where(AuditEvent.detail.contains("jane.parent"))
        assert session.scalar(naming) == 0
    page = http.get("/episodes/now-1", headers=_as(tokens, "officer.north")).text
    assert "emailed to j***@e***.org by coord.north" in page


def test_a_wrong_address_or_no_mail_server_is_refused_by_its_field(client, sessions, monkeypatch):
    http, tokens = client
    me = _as(tokens, "officer.north")
    wrong = http.post("/episodes/now-1/advice/email", headers=me, data={"email": "jane at home"})
    assert wrong.status_code == 422
    assert 'id="email-error"' in wrong.text and 'value="jane at home"' in wrong.text
    monkeypatch.delenv("MISPER_SMTP_HOST", raising=False)
    off = http.post("/episodes/now-1/advice/email", headers=me, data={"email": ADDRESS})
    assert off.status_code == 422
    assert "this store does not send email: print the pack instead" in off.text
    assert _givings(sessions) == []


def test_a_mail_server_that_does_not_answer_keeps_nothing(client, sessions, monkeypatch):
    from app.test_notifications import _free_port

    http, tokens = client
    for name, value in {
        "MISPER_SMTP_HOST": "127.0.0.1",
        "MISPER_SMTP_PORT": str(_free_port()),  # nothing listens there
        "MISPER_SMTP_STARTTLS": "false",
        "MISPER_MAIL_FROM": "misper@example.org",
        "MISPER_BASE_URL": "https://misper.example.org",
    }.items():
        monkeypatch.setenv(name, value)
    answer = http.post(
        "/episodes/now-1/advice/email",
        headers=_as(tokens, "officer.north"),
        data={"email": ADDRESS},
    )
    assert answer.status_code == 422
    assert "nothing was sent" in answer.text
    assert _givings(sessions) == []


def test_printing_is_kept_and_shown_on_the_episode(client, sessions):
    http, tokens = client
    me = _as(tokens, "officer.north")
    printed = http.post("/episodes/now-1/advice/printed", headers=me)
    assert printed.headers["location"] == "/episodes/now-1/advice?printed=true"
    assert "Recorded as given in print" in http.get(printed.headers["location"], headers=me).text
    assert _givings(sessions) == [("print", None)]
    assert "printed by officer.north" in http.get("/episodes/now-1", headers=me).text


# --- Who gets it ----------------------------------------------------------------------------


def test_not_offered_for_an_episode_from_a_care_home(client, sessions):
    http, tokens = client
    me = _as(tokens, "officer.north")
    assert http.get("/episodes/care-1/advice", headers=me).status_code == 409
    assert http.post("/episodes/care-1/advice/printed", headers=me).status_code == 409
    emailed = http.post("/episodes/care-1/advice/email", headers=me, data={"email": ADDRESS})
    assert emailed.status_code == 409
    page = http.get("/episodes/care-1", headers=me).text
    assert "/episodes/care-1/briefing" in page
    assert "/episodes/care-1/advice" not in page
    assert "/episodes/now-1/advice" in http.get("/episodes/now-1", headers=me).text
    assert _givings(sessions) == []


def test_not_offered_in_the_service_either(sessions):
    with sessions() as session:
        world = build(session)
        with pytest.raises(Conflict):
            advice.record_printed(session, world.actors["coord.north"], "care-1")


def test_whoever_cannot_see_the_episode_gets_404(client, sessions):
    http, tokens = client
    south = _as(tokens, "officer.south")
    for path in ("/episodes/now-1/advice", "/episodes/now-1/briefing"):
        assert http.get(path, headers=south).status_code == 404, path
    for path in ("/episodes/now-1/advice/printed", "/episodes/now-1/advice/email"):
        assert http.post(path, headers=south, data={"email": ADDRESS}).status_code == 404
    care = _as(tokens, "care.north")  # its own episodes are the home's: not Lily's
    assert http.get("/episodes/now-1/briefing", headers=care).status_code == 404
    assert http.get("/episodes/now-1/advice", headers=care).status_code == 403  # not its role's
    assert _givings(sessions) == []


# --- The briefing ---------------------------------------------------------------------------


def test_the_briefing_shows_the_worlds_facts_to_the_north(sessions):
    with sessions() as session:
        world = build(session)
        b = briefing.briefing(session, world.actors["officer.north"], "now-1", now=DAY)
        assert (b.name, b.age, b.gender, b.pid) == ("Lily Fielding", 14, "female", "P-lily")
        assert b.photo_url == "/children/P-lily/photo"
        assert b.profile == (("Description", "tall, red hair, green school coat"),)
        assert (b.risk, b.risk_flags, b.is_open) == ("high", ("cse",), True)
        assert (b.last_seen_at, b.last_seen_sector) == (DAY + timedelta(hours=11), "AL2 7")
        found = [(f.place, f.sector, f.times) for f in b.found_before]
        assert found == [("friend address", "AL3 5", 2), ("street public", "AL1 2", 1)]
        assert b.associates == (("adult-7", "person", "north-adult-desc"),)
        events = session.scalars(select(AuditEvent)).all()  # pending until the commit: none yet
        assert events == []
        session.commit()
        read = session.scalars(select(AuditEvent).where(AuditEvent.entity == "briefing")).all()
        assert [(e.action, e.child_id, e.actor_role) for e in read] == [
            ("read", world.lily, "police_officer")
        ]


def test_the_councils_briefing_has_no_police_intelligence(sessions):
    with sessions() as session:
        world = build(session)
        b = briefing.briefing(session, world.actors["coord.north"], "now-1", now=DAY)
        assert b.name == "Lily Fielding"
        assert b.associates == ()
        # The council reads every episode of the children it is responsible for, both forces'.
        assert [(f.sector, f.times) for f in b.found_before] == [
            ("AL3 5", 2),
            ("AL1 2", 1),
            ("SG1 9", 1),
        ]
        with pytest.raises(NotFound):
            briefing.briefing(session, world.actors["officer.south"], "now-1")


def test_the_briefing_page_names_no_other_forces_associate(client):
    http, tokens = client
    page = http.get("/episodes/now-1/briefing", headers=_as(tokens, "officer.north"))
    assert page.status_code == 200
    for fact in (
        "Missing: Lily Fielding",
        'src="/children/P-lily/photo"',
        "Risk: <strong>high</strong> · cse",
        "postcode sector AL2 7",
        "friend address, AL3 5: 2 times",
        "street public, AL1 2: 1 time",
        "adult-7 (person): north-adult-desc",
        "tall, red hair, green school coat",
    ):
        assert fact in page.text, fact
    for other in ("adult-9", "south-adult-desc", "SG1 9"):
        assert other not in page.text


# --- The migration --------------------------------------------------------------------------


def test_migration_0017_adds_the_table_and_takes_it_away(empty_url):
    upgrade(empty_url)
    engine = sa.create_engine(empty_url)
    try:
        columns = {c["name"] for c in sa.inspect(engine).get_columns("advice_packs")}
        assert columns == {
            "id",
            "episode_id",
            "method",
            "masked_address",
            "sent_at",
            "sent_by",
            "agency_id",
        }
        command.downgrade(alembic_config(empty_url), "0016")
        assert "advice_packs" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
