"""Forms that help: times, dates of birth, names and periods the process cannot mean are refused
by the API and by the pages alike, in plain words beside the field, with what was typed kept;
a note over its limit is refused and kept; error pages keep the menu.

Each test has a store of its own (the two-sided world of world.py), on SQLite and PostgreSQL, so
what one accepts cannot change what another sees."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.forms import FormClient
from app.world import PASSWORD, build_world
from misper.app.auth.service import issue_token
from misper.app.children.models import Child
from misper.app.db import make_engine, session_factory
from misper.app.episodes.models import ControlRoomDecision, Episode
from misper.app.escalation.models import Meeting, Referral
from misper.app.flowchart.models import CarerCheck
from misper.app.main import create_app
from misper.app.tasks.models import Task
from misper.app.users.models import Role

LOCAL = "%Y-%m-%dT%H:%M"


@pytest.fixture
def site(database_url):
    """(app, sessions) over a fresh store holding the world as built."""
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    with sessions() as session:
        world = build_world(session)
        token = issue_token(session, world.users[Role.police_mispers], "bearer")
        session.commit()
    app = create_app(database_url)
    app.state.test_token = token
    yield app, sessions
    app.state.engine.dispose()
    engine.dispose()


def _client(app, role: Role = Role.police_mispers) -> TestClient:
    client = FormClient(app, follow_redirects=False)
    response = client.post("/login", data={"username": role.value, "password": PASSWORD})
    assert response.status_code == 303, response.text
    return client


def _api(app) -> TestClient:
    """A system calling the API as the missing persons team (a bearer token, no cookie)."""
    return TestClient(app, headers={"Authorization": f"Bearer {app.state.test_token}"})


def _api_fields(response) -> dict[str, str]:
    assert response.status_code == 422, response.text[:400]
    return {f["field"]: f["message"] for f in response.json()["error"]["fields"]}


def _inline(html: str, field: str) -> str:
    """The message shown beside `field` (the GOV.UK pattern), '' when none."""
    found = re.search(
        rf'<p class="field-error" id="{re.escape(field)}-error">(.*?)</p>', html, re.S
    )
    return re.sub(r"<[^>]+>", "", found.group(1)).replace("Error:", "").strip() if found else ""


def _summary_links(html: str) -> dict[str, str]:
    """The error summary's links: the field each goes to, with its text."""
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary, "no error summary"
    return {m[0]: m[1] for m in re.findall(r'<a href="#([^"]+)">(.*?)</a>', summary.group(0))}


def _one(sessions, query):
    with sessions() as session:
        return session.scalar(query)


# --- The found time -----------------------------------------------------------------------------


def test_a_found_time_ten_hours_ahead_is_refused_by_the_api(site):
    app, sessions = site
    later = (datetime.now() + timedelta(hours=10)).strftime(LOCAL)
    client = _api(app)
    version = client.get("/api/episodes/ep-a").json()["version"]
    refused = client.post("/api/episodes/ep-a/close", json={"version": version, "found_at": later})
    assert _api_fields(refused) == {"found_at": "The found time cannot be in the future"}
    changed = client.patch("/api/episodes/ep-a", json={"version": version, "found_at": later})
    assert _api_fields(changed) == {"found_at": "The found time cannot be in the future"}
    assert _one(sessions, select(Episode.found_at).where(Episode.rid == "ep-a")) is None


def test_a_found_time_ten_hours_ahead_is_refused_on_the_closing_page_and_kept(site):
    app, sessions = site
    later = (datetime.now() + timedelta(hours=10)).strftime(LOCAL)
    page = _client(app).post(
        "/episodes/ep-a/close",
        data={"version": "1", "found_at": later, "found_text": "at a friend's"},
    )
    assert page.status_code == 422
    assert _inline(page.text, "found_at") == "The found time cannot be in the future"
    assert _summary_links(page.text) == {"found_at": "The found time cannot be in the future"}
    assert f'value="{later}"' in page.text and "at a friend&#39;s</textarea>" in page.text
    assert _one(sessions, select(Episode.found_at).where(Episode.rid == "ep-a")) is None


def test_a_found_time_a_minute_ahead_is_taken_as_a_fast_clock(site):
    app, sessions = site
    soon = datetime.now().replace(second=0, microsecond=0) + timedelta(minutes=2)
    closed = _client(app).post(
        "/episodes/ep-a/close", data={"version": "1", "found_at": soon.strftime(LOCAL)}
    )
    assert closed.status_code == 303, closed.text[:400]
    assert _one(sessions, select(Episode.found_at).where(Episode.rid == "ep-a")) == soon


def test_closing_with_no_found_time_asks_for_it_in_plain_words(site):
    app, _sessions = site
    page = _client(app).post("/episodes/ep-a/close", data={"version": "1", "found_at": ""})
    assert page.status_code == 422
    assert _inline(page.text, "found_at") == "Enter the time the child was found"
    assert "Field required" not in page.text and "found_at:" not in page.text


# --- The review time of a delay ---------------------------------------------------------------


def test_a_delay_reviewed_in_thirty_days_is_refused_by_the_api(site):
    app, sessions = site
    later = (datetime.now() + timedelta(days=30)).strftime(LOCAL)
    refused = _api(app).post(
        "/api/episodes/ep-a/decisions",
        json={"decision": "delay", "review_at": later, "rationale": "usual pattern"},
    )
    assert _api_fields(refused)["review_at"].startswith("The review time must be within 24 hours")
    assert (
        _one(
            sessions, select(ControlRoomDecision.id).where(ControlRoomDecision.decision == "delay")
        )
        is None
    )


def test_a_delay_reviewed_in_thirty_days_is_refused_on_the_triage_page_and_kept(site):
    app, _sessions = site
    later = (datetime.now() + timedelta(days=30)).strftime(LOCAL)
    page = _client(app).post(
        "/triage/ep-a/decision",
        data={"decision": "delay", "review_at": later, "rationale": "usual pattern"},
    )
    assert page.status_code == 422
    assert _inline(page.text, "review_at").startswith("The review time must be within 24 hours")
    assert f'value="{later}"' in page.text and "usual pattern</textarea>" in page.text
    assert "within 24 hours of now" in page.text  # the hint, from the process configuration


def test_a_delay_is_shown_with_the_date_and_time_of_its_review(site):
    app, _sessions = site
    review = datetime.now().replace(second=0, microsecond=0) + timedelta(hours=3)
    client = _client(app)
    made = client.post(
        "/triage/ep-a/decision",
        data={"decision": "delay", "review_at": review.strftime(LOCAL), "rationale": "pattern"},
    )
    assert made.status_code == 303, made.text[:400]
    shown = f"review at {review:%H:%M on %d %b %Y}"
    assert shown in client.get("/triage/ep-a").text
    assert f"(review {review:%H:%M on %d %b %Y})" in client.get("/control-room").text


# --- A child's report: date of birth and name ---------------------------------------------------


@pytest.mark.parametrize(
    ("child", "field", "message"),
    [
        ({"name": "Jo", "date_of_birth": "2030-01-01"}, "date_of_birth", "in the past"),
        ({"name": "Jo", "date_of_birth": "1990-01-01"}, "date_of_birth", "under 18"),
        ({"name": "   ", "date_of_birth": "2012-01-01"}, "name", "Enter a name"),
    ],
)
def test_a_childs_report_with_an_impossible_child_is_refused_by_the_api(
    site, child, field, message
):
    app, sessions = site
    before = _one(sessions, select(Child.id).order_by(Child.id.desc()).limit(1))
    expected = (datetime.now() - timedelta(hours=1)).strftime(LOCAL)
    refused = _api(app).post("/api/checks", json={"child": child, "expected_back": expected})
    assert message in _api_fields(refused)[f"body.child.{field}"]
    assert _one(sessions, select(Child.id).order_by(Child.id.desc()).limit(1)) == before


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"name": "Jo Bloggs", "date_of_birth": "2030-01-01"}, "date_of_birth",
         "The date of birth must be in the past"),
        ({"name": "Jo Bloggs", "date_of_birth": "1990-01-01"}, "date_of_birth",
         "under 18. Check the year"),
        ({"name": "  ", "date_of_birth": "2012-01-01"}, "name", "Enter the child's name"),
    ],
)  # fmt: skip
def test_a_parents_report_with_an_impossible_child_is_refused_on_the_page_and_kept(
    site, typed, field, message
):
    app, sessions = site
    expected = (datetime.now() - timedelta(hours=1)).strftime(LOCAL)
    page = _client(app).post("/not-here", data={**typed, "expected_back": expected})
    assert page.status_code == 422
    assert message in _inline(page.text, field).replace("&#39;", "'")
    assert f'value="{typed["date_of_birth"]}"' in page.text and f'value="{expected}"' in page.text
    assert f'value="{typed["name"]}"' in page.text
    assert _one(sessions, select(CarerCheck.id)) is None


def test_the_name_typed_into_a_parents_report_is_shown_on_the_steps(site):
    app, _sessions = site
    client = _client(app)
    expected = (datetime.now() - timedelta(hours=1)).strftime(LOCAL)
    started = client.post(
        "/not-here",
        data={"name": "Jo Bloggs", "date_of_birth": "2012-06-30", "expected_back": expected},
    )
    assert started.status_code == 303, started.text[:400]
    assert "<h1>Steps taken for Jo Bloggs</h1>" in client.get(started.headers["location"]).text


def test_the_birth_date_rule_counts_whole_years():
    from misper.app.schemas import child_birth_date_problem

    today = date(2026, 5, 10)
    assert child_birth_date_problem(date(2008, 5, 11), today) is None  # 17, 18 tomorrow
    assert "makes the person 18" in child_birth_date_problem(date(2008, 5, 10), today)
    assert child_birth_date_problem(date(2026, 5, 10), today) == (
        "The date of birth must be in the past"
    )


# --- Meetings -----------------------------------------------------------------------------------


def _referral_id(sessions) -> int:
    return _one(
        sessions,
        select(Referral.id)
        .join(Child, Child.id == Referral.child_id)
        .where(Child.pid == "child-a"),
    )


@pytest.mark.parametrize(("days", "message"), [(400, "more than 90 days ahead"), (-3, "ago")])
def test_a_meeting_far_from_today_is_refused_by_the_api(site, days, message):
    app, sessions = site
    held = (datetime.now() + timedelta(days=days)).strftime(LOCAL)
    refused = _api(app).post(
        f"/api/referrals/{_referral_id(sessions)}/meetings", json={"held_at": held}
    )
    assert message in _api_fields(refused)["held_at"]
    assert _one(sessions, select(Meeting.id)) is None


def test_a_meeting_a_year_ahead_is_refused_on_the_referral_page_and_kept(site):
    app, sessions = site
    held = (datetime.now() + timedelta(days=400)).strftime(LOCAL)
    rid = _referral_id(sessions)
    page = _client(app).post(
        f"/referrals/{rid}/meetings", data={"held_at": held, "attendees": "police, home"}
    )
    assert page.status_code == 422
    assert "more than 90 days ahead" in _inline(page.text, "held_at")
    assert f'value="{held}"' in page.text and 'value="police, home"' in page.text
    assert _one(sessions, select(Meeting.id)) is None


def test_a_meeting_with_no_time_asks_for_it_in_plain_words(site):
    app, sessions = site
    page = _client(app).post(f"/referrals/{_referral_id(sessions)}/meetings", data={})
    assert page.status_code == 422
    assert _inline(page.text, "held_at") == "Enter the date and time of the meeting"
    assert "Field required" not in page.text


# --- Dashboard periods ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/dashboards/care-homes", "/dashboards/hotspots"])
@pytest.mark.parametrize(
    ("period", "field"),
    [({"start": "2024-06-01", "end": "2024-01-01"}, "end"), ({"start": "notadate"}, "start")],
)
def test_a_dashboard_period_that_is_none_is_refused_beside_the_date(site, path, period, field):
    app, _sessions = site
    page = _client(app).get(path, params=period)
    assert page.status_code == 422
    message = _inline(page.text, field)
    assert message in (
        "The end of the period must be after its start",
        "Enter the start of the period as a date, for example 2010-05-31",
    )
    assert f'value="{period[field]}"' in page.text
    assert "<table" not in page.text  # no figures of some other period


@pytest.mark.parametrize("path", ["/api/dashboards/care-homes", "/api/dashboards/hotspots"])
def test_a_reversed_period_is_refused_by_the_api(site, path):
    app, _sessions = site
    refused = _api(app).get(path, params={"start": "2024-06-01T00:00", "end": "2024-01-01T00:00"})
    assert _api_fields(refused) == {"end": "The end of the period must be after its start"}
    assert (
        _api(app).get(path, params={"start": "notadate", "end": "2024-01-01T00:00"}).status_code
        == 422
    )


# --- Plain words, and notes over their limit ---------------------------------------------------


def test_a_risk_assessment_with_no_level_asks_for_one_in_plain_words(site):
    app, _sessions = site
    page = _client(app).post("/triage/ep-a/risk", data={"level": "", "rationale": "seen"})
    assert page.status_code == 422
    assert _inline(page.text, "level") == "Choose a risk level"
    assert "is not one of" not in page.text and "seen</textarea>" in page.text


def test_a_note_of_five_thousand_characters_is_kept(site):
    app, _sessions = site
    client = _client(app)
    note = "The carer rang every friend on the profile. " * 114  # 5,016 characters
    added = client.post(
        "/episodes/ep-a/updates", data={"kind": "update", "text": note, "back": "/episodes/ep-a"}
    )
    assert added.status_code == 303, added.text[:400]
    texts = [u["text"] for u in _api(app).get("/api/episodes/ep-a/updates").json()]
    assert note.strip() in texts


def test_a_note_over_its_limit_is_refused_and_the_text_kept(site):
    app, _sessions = site
    client = _client(app)
    note = "x" * 10_001
    before = _api(app).get("/api/episodes/ep-a/updates").json()
    page = client.post(
        "/episodes/ep-a/updates", data={"kind": "update", "text": note, "back": "/episodes/ep-a"}
    )
    assert page.status_code == 422
    assert (
        _inline(page.text, "text")
        == "What is new must be 10,000 characters or fewer (it has 10,001)"
    )
    assert f">{note}</textarea>" in page.text
    assert _api(app).get("/api/episodes/ep-a/updates").json() == before
    reason = client.post(
        "/triage/ep-a/decision", data={"decision": "deploy", "rationale": "y" * 10_001}
    )
    assert reason.status_code == 422
    assert "10,000 characters or fewer" in _inline(reason.text, "decision_rationale")
    assert ">" + "y" * 10_001 + "</textarea>" in reason.text


def test_a_sector_over_its_limit_is_refused_beside_it_and_kept(site):
    app, _sessions = site
    page = _client(app).post(
        "/episodes/ep-a/updates",
        data={"kind": "sighting", "text": "at the bus station", "postcode_sector": "AL1 3 NOT"},
    )
    assert page.status_code == 422
    assert _inline(page.text, "postcode_sector") == (
        "A postcode sector is at most 8 characters, for example AL1 3"
    )
    assert 'value="AL1 3 NOT"' in page.text and ">at the bus station</textarea>" in page.text


# --- Error pages keep the menu --------------------------------------------------------------------


MENU = 'aria-label="Main"'


def test_error_pages_keep_the_menu_for_a_signed_in_user(site):
    app, _sessions = site

    def boom():
        raise RuntimeError("a fault")

    app.add_api_route("/test-only-fault", boom, include_in_schema=False)
    client = _client(app, Role.care_staff)
    client = FormClient(
        app, follow_redirects=False, raise_server_exceptions=False, cookies=client.cookies
    )
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and MENU in missing.text
    refused = client.get("/control-room")  # not the care home's
    assert refused.status_code == 403 and MENU in refused.text
    fault = client.get("/test-only-fault")
    assert fault.status_code == 500 and MENU in fault.text
    anonymous = TestClient(app, follow_redirects=False).get("/no-such-page")
    assert anonymous.status_code == 404 and MENU not in anonymous.text


# --- maxlength: each form field's limit is its API shape's -----------------------------------


def _schema_limit(model, field: str) -> int:
    """The field's maxLength in the API's own JSON schema (what /openapi.json publishes)."""
    prop = model.model_json_schema()["properties"][field]
    found = [p["maxLength"] for p in [prop, *prop.get("anyOf", [])] if "maxLength" in p]
    assert len(found) == 1, (model.__name__, field, prop)
    return found[0]


def _typed_fields(html: str) -> dict[str, str | None]:
    """The text boxes of a page's forms that send something: id -> maxlength (None when none)."""
    found = {}
    for tag in re.findall(r"<(?:input|textarea)\b[^>]*>", html):
        kind = re.search(r'type="([^"]+)"', tag)
        if tag.startswith("<input") and (kind is None or kind.group(1) != "text"):
            continue  # dates, times, choices and hidden fields have no length to type
        ident = re.search(r'id="([^"]+)"', tag).group(1)
        limit = re.search(r'maxlength="(\d+)"', tag)
        found[ident] = limit.group(1) if limit else None
    return found


def test_every_form_fields_maxlength_is_its_schemas_max_length(site):
    from misper.app.episodes.api import EpisodeClose
    from misper.app.episodes.schemas import DecisionIn, UpdateIn
    from misper.app.escalation.api import ActionDone, ActionIn, MeetingIn
    from misper.app.escalation.schemas import OutcomeIn
    from misper.app.flowchart.schemas import NewChild, StepIn
    from misper.app.tasks.schemas import AssignIn, NotNeededIn
    from misper.app.triage.schemas import AssessmentIn

    app, sessions = site
    client = _client(app)
    rid = _referral_id(sessions)
    now = datetime.now().strftime(LOCAL)
    meeting = _api(app).post(f"/api/referrals/{rid}/meetings", json={"held_at": now}).json()
    action = _api(app).post(f"/api/meetings/{meeting['id']}/actions", json={"description": "a"})
    task = _one(sessions, select(Task.id).join(Episode).where(Episode.rid == "ep-a"))
    started = client.post(
        "/not-here", data={"name": "Jo", "date_of_birth": "2012-01-01", "expected_back": now}
    )
    update = {"text": (UpdateIn, "text"), "postcode_sector": (UpdateIn, "postcode_sector")}
    pages = {  # page: {field id: (API shape, field)}, written out by hand
        "/episodes/ep-a": update,
        "/episodes/ep-a/close": {
            "found_postcode_sector": (EpisodeClose, "found_postcode_sector"),
            "found_text": (EpisodeClose, "found_text"),
            "with_rids": None,  # references, each checked whole (a list, not a text)
            "associates": None,
        },
        "/triage/ep-a": {
            **update,
            "rationale": (AssessmentIn, "rationale"),
            "decision_rationale": (DecisionIn, "rationale"),
            f"reason-{task}": (NotNeededIn, "reason"),
            f"assignee-{task}": (AssignIn, "username"),
        },
        "/not-here": {"name": (NewChild, "name")},
        started.headers["location"]: {"note": (StepIn, "note")},
        f"/referrals/{rid}": {
            "attendees": (MeetingIn, "attendees"),
            "summary": (MeetingIn, "summary"),
            "outcome": (OutcomeIn, "outcome"),
            f"action-{meeting['id']}": (ActionIn, "description"),
            f"outcome-{action.json()['id']}": (ActionDone, "outcome"),
        },
    }
    for path, expected in pages.items():
        shown = _typed_fields(client.get(path).text)
        assert set(shown) == set(expected), path  # a new text box needs a row here
        for ident, source in expected.items():
            limit = None if source is None else str(_schema_limit(*source))
            assert shown[ident] == limit, (path, ident)


def test_pydantics_errors_become_sentences_a_carer_understands():
    from pydantic import ValidationError

    from misper.app.episodes.api import EpisodeClose
    from misper.app.episodes.schemas import RiskAssessmentIn
    from misper.app.ui.forms import plain_errors

    def refusal(model, body):
        with pytest.raises(ValidationError) as caught:
            model.model_validate(body)
        return plain_errors(caught.value.errors())

    assert refusal(RiskAssessmentIn, {"level": ""}) == {"level": "Choose a risk level"}
    assert refusal(RiskAssessmentIn, {"level": "low", "rationale": "r" * 10_001}) == {
        "rationale": "The reason must be 10,000 characters or fewer"
    }
    assert refusal(EpisodeClose, {"version": 1}) == {
        "found_at": "Enter the time the child was found"
    }
    assert refusal(EpisodeClose, {"version": 1, "found_at": "tuesday"}) == {
        "found_at": "Enter the found time as a date and time, for example 2024-03-01 21:30"
    }
