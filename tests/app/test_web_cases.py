"""The children and episodes lists and the home page's work queue, per role, over HTTP.

Side A's records are the caller's own, side B's another area's (see world.py): every list holds
A's and never B's, and the home page counts only what the role may see.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.forms import FormClient
from app.world import PASSWORD, build_world
from misper.app.db import make_engine, session_factory
from misper.app.main import create_app
from misper.app.users.models import Role
from misper.incidents.schema import BY_NAME

CASE_ROLES = [
    Role.care_staff,
    Role.police_mispers,
    Role.police_control_room,
    Role.police_officer,
    Role.council_social_worker,
    Role.council_missing_coordinator,
]
OTHERS = [r for r in Role if r not in CASE_ROLES]


@pytest.fixture(scope="module")
def app(world_store):
    _session, _world, url = world_store
    return create_app(url)


def _client(app, role: Role) -> TestClient:
    client = FormClient(app, follow_redirects=False)
    response = client.post("/login", data={"username": role.value, "password": PASSWORD})
    assert response.status_code == 303, response.text
    return client


def _panel(html: str, title: str) -> tuple[int, str]:
    """The count and the body of the home page's panel with this title."""
    match = re.search(
        rf"<h3[^>]*>{re.escape(title)} <span class=\"count\" data-count=\"(\d+)\">"
        rf".*?</h3>(.*?)</section>",
        html,
        re.S,
    )
    assert match, f"no panel {title!r}"
    return int(match.group(1)), match.group(2)


@pytest.mark.parametrize("role", CASE_ROLES)
def test_lists_hold_own_records_only(app, role):
    client = _client(app, role)
    children = client.get("/children")
    assert children.status_code == 200
    assert "child-a" in children.text and "child-b" not in children.text
    episodes = client.get("/episodes", params={"status": "open"})
    assert episodes.status_code == 200
    assert "ep-a" in episodes.text and "ep-b" not in episodes.text
    assert "ep-a" not in client.get("/episodes", params={"status": "closed"}).text
    # Asking for the other side's child by id finds nothing rather than saying it exists.
    other = client.get("/children", params={"pid": "child-b"})
    assert other.status_code == 200 and "No child matches" in other.text


@pytest.mark.parametrize("role", OTHERS)
def test_roles_without_case_work_are_refused_the_lists(app, role):
    client = _client(app, role)
    assert client.get("/children").status_code == 403
    assert client.get("/episodes").status_code == 403


def test_bad_filters_are_refused_field_by_field_keeping_the_rest(app):
    client = _client(app, Role.police_mispers)
    response = client.get(
        "/episodes", params={"status": "sideways", "risk": "extreme", "pid": "child-a"}
    )
    assert response.status_code == 422
    assert "choose open, closed or all" in response.text
    risks = ", ".join(BY_NAME["risk_final"].values)
    assert f"choose one of: {risks}" in response.text
    assert 'value="child-a"' in response.text
    refused = client.get("/children", params={"in_care": "sometimes"})
    assert refused.status_code == 422 and 'id="in_care-error"' in refused.text
    assert client.get("/children", params={"page": 0}).status_code == 422


def test_links_follow_the_role(app):
    police = _client(app, Role.police_mispers).get("/episodes").text
    assert 'href="/triage/ep-a"' in police and 'href="/episodes/ep-a/close"' in police
    care = _client(app, Role.care_staff).get("/episodes").text
    assert 'href="/triage/ep-a"' not in care  # control-room work is the police's
    council = _client(app, Role.council_social_worker).get("/children").text
    assert 'href="/children/child-a/profile"' in council
    assert 'href="/children/child-a/not-here"' not in council  # councils do not report


def test_home_queue_counts_what_the_role_may_see(app):
    count, body = _panel(_client(app, Role.police_mispers).get("/").text, "Missing now")
    assert count == 1 and 'href="/triage/ep-a"' in body and "child-b" not in body
    count, body = _panel(_client(app, Role.care_staff).get("/").text, "Missing now")
    assert count == 1 and 'href="/episodes/ep-a"' in body
    rhi = _client(app, Role.rhi_worker).get("/").text
    _panel(rhi, "Return home interviews to do")
    assert "Missing now" not in rhi
    assert "Missing now" not in _client(app, Role.admin).get("/").text


def test_home_without_a_session_goes_to_login(app):
    response = TestClient(app, follow_redirects=False).get("/")
    assert response.status_code == 303 and response.headers["location"] == "/login"


@pytest.mark.parametrize("role", CASE_ROLES)
def test_episode_page_for_every_case_role_and_404_for_the_other_side(app, role):
    client = _client(app, role)
    page = client.get("/episodes/ep-a")
    assert page.status_code == 200
    assert "Episode ep-a" in page.text and "child-a" in page.text
    assert "Missing from" in page.text and "care home" in page.text
    assert 'action="/episodes/ep-a/updates"' in page.text  # every case role may add an update
    assert ('href="/triage/ep-a"' in page.text) == (role.value.startswith("police"))
    assert client.get("/episodes/ep-b").status_code == 404
    assert client.get("/episodes/no-such-episode").status_code == 404


@pytest.mark.parametrize("role", OTHERS)
def test_episode_page_refused_without_case_work(app, role):
    assert _client(app, role).get("/episodes/ep-a").status_code == 403


def test_a_browser_is_told_in_a_page_and_a_system_in_json(app):
    client = _client(app, Role.police_mispers)
    page = client.get("/episodes/ep-b", headers={"accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "not one your agency may see" in page.text and "ep-b" not in page.text
    api = client.get("/episodes/ep-b", headers={"accept": "application/json"})
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    assert client.get("/api/episodes/ep-b", headers={"accept": "text/html"}).json()
    bad = client.get("/children", params={"page": "0"}, headers={"accept": "text/html"})
    assert bad.status_code == 422 and "page: give a page number between 1" in bad.text


def test_an_update_from_the_episode_page_is_kept_or_refused_on_that_page(app):
    client = _client(app, Role.council_social_worker)
    refused = client.post(
        "/episodes/ep-a/updates",
        data={
            "kind": "sighting",
            "text": " ",
            "postcode_sector": "AL1 3",
            "back": "/episodes/ep-a",
        },
    )
    assert refused.status_code == 422 and "Episode ep-a" in refused.text
    assert "Say what is new" in refused.text and 'value="AL1 3"' in refused.text
    saved = client.post(
        "/episodes/ep-a/updates",
        data={"kind": "update", "text": "Phoned school", "back": "/episodes/ep-a"},
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/episodes/ep-a#updates"
    assert "Phoned school" in client.get("/episodes/ep-a").text


@pytest.mark.parametrize("role", list(Role))
def test_every_menu_entry_is_a_page_of_its_own(app, role):
    """No menu entry falls through to nothing: each answers its role with a page."""
    from misper.app import access

    client = _client(app, role)
    for label, path in access.menu(role):
        response = client.get(path, headers={"accept": "text/html"}, follow_redirects=True)
        assert response.status_code == 200, (label, path, response.status_code)
        assert response.headers["content-type"].startswith("text/html"), path


def test_a_notification_about_an_episode_links_to_its_page(world_store, app):
    from datetime import datetime

    from misper.app.notifications.models import Notification

    session, world, _url = world_store
    notice = Notification(
        agency_id=world.a.agencies["force"].id,
        subject="Sighting reported",
        episode_id=world.a.episode.id,
        created_at=datetime.now(),
    )
    session.add(notice)
    session.commit()
    client = _client(app, Role.police_control_room)
    _count, body = _panel(client.get("/").text, "Unread notifications")
    # Each opens through its notice (read, then on to its case): this one to its episode.
    assert f'<a href="/notifications/{notice.id}">Sighting reported</a>' in body
    assert "episode reported" in body
    opened = client.get(f"/notifications/{notice.id}", follow_redirects=False)
    assert opened.headers["location"] == "/episodes/ep-a"


def test_a_nul_in_the_path_or_query_is_refused_before_any_query(app):
    client = _client(app, Role.police_mispers)
    for url in ("/api/episodes/ep%00a", "/api/episodes?pid=a%00b", "/episodes?pid=%00"):
        response = client.get(url)
        assert response.status_code == 422, url
        assert response.json()["error"]["fields"][0]["message"] == "contains a NUL character"
    assert client.get("/api/episodes?pid=a%2500b").status_code == 200  # a literal "%00" is text


def test_the_interviews_panel_puts_this_weeks_overdue_before_years_old_ones(store):
    """Years of imported history must not push this week's overdue interviews off the panel."""
    from datetime import datetime, timedelta

    from misper.app.dashboards.work_queue import _interviews
    from misper.app.episodes.closing import close_episode

    session, world = store
    now = datetime.now().replace(microsecond=0)
    for rid, found in (
        ("old", now - timedelta(days=900)),
        ("recent", now - timedelta(days=4)),
        ("waiting", now - timedelta(hours=10)),
    ):
        world.episode(session, "away", found - timedelta(hours=3), rid=rid)
        close_episode(session, world.actors["mispers"], rid, 1, {"found_at": found}, [], [])
    panel = _interviews(session, world.actors["coord.placing"], now)
    assert panel.count == 3
    assert [item.tag for item in panel.items] == ["overdue", "overdue", "due"]
    assert [item.text for item in panel.items][0].endswith(
        f"due {now - timedelta(days=1):%d %b %Y %H:%M}"
    )  # 4 days ago + 72 h: the recent one


@pytest.fixture
def own_app(database_url):
    """The app over a world of the test's own: no chainer that other tests' requests left at work
    on the module's store can chain events the test means to leave waiting."""
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        build_world(session)
        session.commit()
    engine.dispose()
    app = create_app(database_url)
    yield app
    app.state.engine.dispose()


def test_the_admin_is_told_of_events_still_waiting_for_the_chain(own_app, monkeypatch):
    from misper.app.audit import service as audit

    app = own_app
    client = _client(app, Role.admin)
    monkeypatch.setattr(audit, "chain_after_commit", lambda engine: None)  # as when busy
    _client(app, Role.police_mispers).get("/episodes")  # a list read: audited, left unchained
    page = client.get("/audit/verify").text
    assert "The chain is whole" in page and "wait for the chain" in page
    monkeypatch.undo()
    from misper.app.audit.chain import chain_pending

    chain_pending(app.state.engine, wait=True)
    assert "wait for the chain" not in client.get("/audit/verify").text
