"""Tenancy leftovers of issue 13's review, tried by one side against the other (world.py's sides A
and B, users on both: tenancy.py), on SQLite and PostgreSQL:

- a page or answer names a child only for a viewer who may see that child's identity
  (`access.named_children`); others see the pid;
- the operator's import attaches episodes only to the importing force's own children and episodes;
- a force that shared a child's record on request can withdraw the share, audited;
- the break-glass opening lasts the hours of the process configuration, and its page says so.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
import yaml
from sqlalchemy import func, select

from app.browsing import log_in, serving, violations
from app.tenancy import A, B, tenancy_store  # noqa: F401  (the fixture `tenancy`)
from misper.app.audit.models import AuditEvent
from misper.app.children.models import Child, RecordRequest
from misper.app.episodes.models import Episode
from misper.app.errors import Invalid
from misper.app.interchange.service import import_frame
from misper.app.users.models import Role
from misper.incidents.frame import to_canonical
from misper.process.config import PACKAGED, default_config

R = Role
REASON = {"reason": "child reported missing in our area"}


# --- Names only for a viewer who may see the child's identity ----------------------------------


def _on_the_clock(t) -> int:
    """Side A's return home interview, its child found an hour ago (so it is on the clock)."""
    rhi = t.world.a.rhi
    rhi.found_at = datetime.now() - timedelta(hours=1)
    rhi.due_at = rhi.found_at + timedelta(hours=72)
    t.session.commit()
    return rhi.id


def test_interviews_name_the_child_only_for_a_viewer_who_may_see_its_identity(tenancy):
    t = tenancy
    rhi_id = _on_the_clock(t)
    # In a list, the police see pids until they give a reason (as in the children list); the
    # council (whose child it is) and the provider (whose interview it is) see the name.
    in_list = {
        R.council_social_worker: "Child A",
        R.council_missing_coordinator: "Child A",
        R.rhi_worker: "Child A",
        R.police_mispers: None,
        R.police_officer: None,
    }
    for role, name in in_list.items():
        [listed] = t.call((A, role), "GET", "/api/return-home-interviews").json()
        assert listed["child"] == {"pid": "child-a", "name": name}, role
        [clock] = t.call((A, role), "GET", "/api/rhi-clock").json()
        assert clock["child"] == {"pid": "child-a", "name": name}, role
        # One interview opened is the police's reason, as the child banner on its page.
        one = t.call((A, role), "GET", f"/api/return-home-interviews/{rhi_id}").json()
        assert one["child"] == {"pid": "child-a", "name": "Child A"}, role
    # Side B's users reach neither the interview nor the name.
    for role in in_list:
        listed = t.call((B, role), "GET", "/api/return-home-interviews").json()
        assert "Child A" not in str(listed) and "child-a" not in str(listed), role
    for role in (R.rhi_worker, R.council_social_worker):
        page = t.browser(A, role).get(f"/interviews/{rhi_id}/record")
        assert page.status_code == 200 and "child-a" in page.text and "Child A" in page.text
        other = t.browser(B, role).get(f"/interviews/{rhi_id}/record")
        assert other.status_code == 404 and "Child A" not in other.text


def test_the_home_page_and_episode_pages_name_a_child_only_for_a_viewer_who_may_see_it(tenancy):
    t = tenancy
    # The child has left side A's care home: its care staff still read the episode they
    # reported, but the child's identity is no longer theirs to see.
    t.world.a.placement.end_date = date(2024, 3, 10)
    t.session.commit()
    care = t.browser(A, R.care_staff)
    home = care.get("/")
    assert home.status_code == 200 and "child-a" in home.text  # "Missing now", by pid
    episode = care.get("/episodes/ep-a")
    assert episode.status_code == 200 and "child-a" in episode.text
    for page in (home, episode):
        assert "Child A" not in page.text
    # The police's home page is a list: pids, until they give a reason.
    for role in (R.police_officer, R.police_mispers, R.police_control_room):
        home = t.browser(A, role).get("/")
        assert "child-a" in home.text and "Child A" not in home.text, role
    for role in Role:  # no side-A user reads side B's child's name on its home page
        assert "Child B" not in t.browser(A, role).get("/").text, role


# --- The operator's import ---------------------------------------------------------------------


def _frame(rows: list[tuple[str, str]]) -> pd.DataFrame:
    """A canonical frame of (rid, pid) rows, each a report from home."""
    return to_canonical(
        pd.DataFrame(
            {
                "rid": [rid for rid, _ in rows],
                "pid": [pid for _, pid in rows],
                "reported_at": [datetime(2024, 4, 1, 10 + n) for n in range(len(rows))],
                "age": [14] * len(rows),
                "missing_from_type": ["home"] * len(rows),
            }
        )
    )


def _episodes(t) -> int:
    t.session.expire_all()
    return t.session.scalar(select(func.count()).select_from(Episode))


def test_an_import_attaches_episodes_only_to_the_importing_forces_children(tenancy):
    t = tenancy
    force_a = t.world.a.agencies["force"].id
    before = _episodes(t)
    children = t.session.scalar(select(func.count()).select_from(Child))
    # Side B's child, named by its pid on the third row: refused, naming the row; nothing kept.
    frame = _frame([("imp-1", "child-a"), ("imp-2", "new-child"), ("imp-3", "child-b")])
    with pytest.raises(Invalid) as refused:
        import_frame(t.session, None, frame, force_a)
    t.session.rollback()
    assert refused.value.fields[0]["field"] == "pid"
    assert "row 3" in refused.value.message and "child-b" in refused.value.message
    assert _episodes(t) == before
    assert t.session.scalar(select(func.count()).select_from(Child)) == children
    # Side B's episode, named by its rid: refused too.
    with pytest.raises(Invalid) as other_rid:
        import_frame(t.session, None, _frame([("ep-b", "child-a")]), force_a)
    t.session.rollback()
    assert other_rid.value.fields[0]["field"] == "rid"
    assert "row 1" in other_rid.value.message and "ep-b" in other_rid.value.message
    # The force's own child (living in its area) and a child new to the store: taken.
    summary = import_frame(t.session, None, frame.iloc[:2].reset_index(drop=True), force_a)
    t.session.commit()
    assert summary.added == 2
    assert _episodes(t) == before + 2
    new = t.session.scalar(select(Child).where(Child.pid == "new-child"))
    assert new.agency_id == force_a
    attached = t.session.scalar(select(Episode.child_id).where(Episode.rid == "imp-1"))
    assert attached == t.world.a.child.id


# --- Withdrawing a share -----------------------------------------------------------------------


def _shared(t) -> int:
    """Side A's officer asks for side B's child; side B's missing persons team shares it."""
    asked = t.call(
        (A, R.police_officer),
        "POST",
        "/api/record-requests",
        json={"pid": "child-b", "reason": "seen with a missing child of ours"},
    )
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    shared = t.call(
        (B, R.police_mispers),
        "POST",
        f"/api/record-requests/{request_id}/answer",
        json={"answer": "share"},
    )
    assert shared.json()["status"] == "shared"
    return request_id


def _reads_child_b(t) -> bool:
    answer = t.call((A, R.police_officer), "GET", "/api/children/child-b", params=REASON)
    assert answer.status_code in (200, 404)
    return answer.status_code == 200


def _reads_profile_b(t) -> bool:
    answer = t.call((A, R.police_officer), "GET", "/api/children/child-b/philomena")
    assert answer.status_code in (200, 404)
    return answer.status_code == 200


def test_the_holding_force_withdraws_a_share_and_the_other_force_loses_the_record(tenancy):
    t = tenancy
    request_id = _shared(t)
    assert _reads_child_b(t)
    assert _reads_profile_b(t)
    path = f"/api/record-requests/{request_id}/withdraw"
    # Only the holding force's missing persons team withdraws it.
    assert t.call((A, R.police_mispers), "POST", path, json={}).status_code == 404
    assert t.call((B, R.police_officer), "POST", path, json={}).status_code == 403
    assert _reads_child_b(t)
    withdrawn = t.call((B, R.police_mispers), "POST", path, json={"note": "no longer needed"})
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["status"], withdrawn.json()["answer_note"]) == (
        "withdrawn",
        "no longer needed",
    )
    assert not _reads_child_b(t)
    assert not _reads_profile_b(t)
    again = t.call((B, R.police_mispers), "POST", path, json={})
    assert again.status_code == 409
    t.session.expire_all()
    [event] = t.session.scalars(select(AuditEvent).where(AuditEvent.action == "withdraw")).all()
    assert (event.actor_id, event.entity, event.child_id) == (
        t.user(B, R.police_mispers).id,
        "record_request",
        t.world.b.child.id,
    )
    outgoing = t.call((A, R.police_officer), "GET", "/api/record-requests/outgoing").json()
    assert [(r["id"], r["status"]) for r in outgoing] == [(request_id, "withdrawn")]


def test_a_share_is_withdrawn_from_the_holding_forces_page(tenancy):
    t = tenancy
    request_id = _shared(t)
    browser = t.browser(B, R.police_mispers)
    page = browser.get("/record-requests")
    action = f'action="/record-requests/{request_id}/withdraw"'
    assert action in page.text and "Withdraw the share" in page.text
    sent = browser.post(f"/record-requests/{request_id}/withdraw", data={})
    assert sent.status_code == 303 and sent.headers["location"] == "/record-requests"
    assert not _reads_child_b(t)
    after = browser.get("/record-requests")
    assert action not in after.text and "withdrawn" in after.text


def test_a_request_not_shared_cannot_be_withdrawn(tenancy):
    t = tenancy
    asked = t.call(
        (A, R.police_officer),
        "POST",
        "/api/record-requests",
        json={"pid": "child-b", "reason": "seen with a missing child of ours"},
    ).json()
    path = f"/api/record-requests/{asked['id']}/withdraw"
    waiting = t.call((B, R.police_mispers), "POST", path, json={})
    assert waiting.status_code == 409
    assert "only a shared record can be withdrawn" in waiting.json()["error"]["message"]
    t.session.expire_all()
    assert t.session.get(RecordRequest, asked["id"]).status == "requested"


# --- Break-glass hours from the configuration --------------------------------------------------


@pytest.fixture
def six_hour_glass(tmp_path, monkeypatch):
    """The process configuration with break-glass openings of 6 hours."""
    rules = yaml.safe_load((PACKAGED / "process.yaml").read_text(encoding="utf-8"))
    rules["record_sharing"] = {"break_glass_hours": 6}
    path = tmp_path / "process.yaml"
    path.write_text(yaml.safe_dump(rules), encoding="utf-8")
    monkeypatch.setenv("MISPER_PROCESS_CONFIG", str(path))
    default_config.cache_clear()
    yield
    monkeypatch.undo()
    default_config.cache_clear()


def test_the_packaged_rules_open_the_glass_for_24_hours():
    assert default_config().record_sharing.break_glass_hours == 24


def test_break_glass_lasts_the_configured_hours_and_the_page_says_so(tenancy, six_hour_glass):
    t = tenancy
    justification = "found alone at the station at 2am, says she lives in another force area"
    opened = t.call(
        (A, R.police_officer),
        "POST",
        "/api/break-glass",
        json={"pid": "child-b", "justification": justification},
    )
    assert opened.status_code == 201, opened.text
    row = t.session.get(RecordRequest, opened.json()["id"])
    assert row.expires_at - row.requested_at == timedelta(hours=6)
    page = t.browser(B, R.police_mispers).get("/break-glass")
    assert "Each opening lasts 6 hours for that officer only" in " ".join(page.text.split())


@pytest.mark.browser
def test_the_missing_persons_team_withdraws_a_share_in_a_browser_at_phone_width(
    tenancy, database_url, browser
):
    if not database_url.startswith("sqlite"):
        pytest.skip("the page is the same on both databases; one browser run is enough")
    t = tenancy
    request_id = _shared(t)
    with serving(database_url) as base:
        context = browser.new_context(viewport={"width": 375, "height": 740})
        page = context.new_page()
        log_in(page, base, t.user(B, R.police_mispers).username)
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/record-requests")
        assert violations(page) == []
        button = page.get_by_role("button", name="Withdraw the share of child-b")
        button.click()
        page.wait_for_url(f"{base}/record-requests")
        assert page.get_by_role("button", name="Withdraw the share of child-b").count() == 0
        assert "withdrawn" in page.locator("table").inner_text()
        context.close()
    assert not _reads_child_b(t)
    t.session.expire_all()
    assert t.session.get(RecordRequest, request_id).status == "withdrawn"
