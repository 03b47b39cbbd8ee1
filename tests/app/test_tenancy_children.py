"""Who may reach which child's record, tried by one force against another's (world.py's sides A and
B, with users on both sides: tenancy.py).

Reporting a child never opens a record the reporting force does not hold: another force's pid
answers exactly as an unknown one, and a child the force does not hold is reported by its details,
which open a record of the force's own. The one way to another force's record is a request the
holding force answers, or a break-glass in an emergency, each audited; what either opens is the
child's identity and Philomena profile, nothing else of the case. And police see children's names
in a list only once they give a reason.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app.tenancy import A, B, tenancy_store  # noqa: F401  (the fixture `tenancy`)
from misper.app.audit.models import AuditEvent
from misper.app.children.models import Child
from misper.app.episodes.models import Episode
from misper.app.flowchart.models import CarerCheck
from misper.app.placements.models import Placement
from misper.app.users.models import Role

REASON = {"reason": "child reported missing in our area"}
REPORT = {"reported_at": "2024-05-01T20:00", "missing_from_type": "home"}
JUSTIFICATION = "found alone at the station at 2am, says she lives in a home in another force area"


def _episodes_of(t, pid: str) -> int:
    t.session.expire_all()
    return t.session.scalar(
        select(func.count()).select_from(Episode).join(Child).where(Child.pid == pid)
    )


def _audited(t, action: str) -> list[AuditEvent]:
    t.session.expire_all()
    return list(t.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- The attack: a report by another force's pid --------------------------------------------


def test_reporting_another_forces_child_answers_as_absent_and_opens_nothing(tenancy):
    t = tenancy
    check = CarerCheck(
        child_id=t.world.b.child.id,
        agency_id=t.world.b.agencies["provider"].id,
        started_by=t.user(B, Role.care_staff).id,
        started_at=datetime(2024, 3, 1, 21),
        expected_back=datetime(2024, 3, 1, 20),
        concerns=[],
    )
    t.session.add(check)
    t.session.commit()
    for role in (Role.police_mispers, Role.police_control_room, Role.police_officer):
        police = (A, role)
        other = t.call(police, "POST", "/api/episodes", json={"pid": "child-b", **REPORT})
        absent = t.call(police, "POST", "/api/episodes", json={"pid": "no-such-child", **REPORT})
        assert other.status_code == 404, (role, other.text)
        assert (
            other.json()
            == absent.json()
            == {"error": {"code": "not_found", "message": "child not found", "fields": []}}
        )
    police = (A, Role.police_mispers)  # the missing persons team: referrals too
    reads = [
        ("GET", "/api/children/child-b", {"params": REASON}),
        ("GET", "/api/children/child-b/philomena", {}),
        ("GET", "/api/children/child-b/placements", {}),
        ("GET", f"/api/checks/{check.id}", {}),
        ("GET", f"/api/referrals/{t.world.b.referral.id}", {}),
        ("PATCH", f"/api/referrals/{t.world.b.referral.id}", {"json": {"outcome": "overwritten"}}),
    ]
    for method, path, kwargs in reads:
        answer = t.call(police, method, path, **kwargs)
        assert answer.status_code == 404, (path, answer.status_code)
        assert "Child B" not in answer.text and "tall" not in answer.text
    assert _episodes_of(t, "child-b") == 1  # side B's own, and no other
    t.session.refresh(t.world.b.referral)
    assert t.world.b.referral.outcome is None
    page = t.browser(A, Role.police_mispers).get("/children/child-b/timeline")
    assert page.status_code == 404


def test_a_child_the_force_does_not_hold_is_reported_by_details_into_a_record_of_its_own(tenancy):
    t = tenancy
    police = (A, Role.police_officer)
    created = t.call(
        police,
        "POST",
        "/api/episodes",
        json={"child": {"name": "Child B", "date_of_birth": "2009-05-01"}, **REPORT},
    )
    assert created.status_code == 201, created.text
    pid = created.json()["pid"]
    assert pid != "child-b"
    own = t.call(police, "GET", f"/api/children/{pid}", params=REASON).json()
    assert (own["name"], own["date_of_birth"]) == ("Child B", "2009-05-01")
    t.session.expire_all()
    record = t.session.scalar(select(Child).where(Child.pid == pid))
    assert record.agency_id == t.world.a.agencies["force"].id  # held by the reporting force
    assert _episodes_of(t, "child-b") == 1
    # The other force's record is untouched, and the new one is not the other force's to read.
    holder = (B, Role.police_mispers)
    assert t.call(holder, "GET", "/api/children/child-b", params=REASON).json()["name"] == "Child B"
    assert t.call(holder, "GET", f"/api/children/{pid}", params=REASON).status_code == 404
    # A force may not key the council's fields of the record it opens.
    in_care = t.call(
        police,
        "POST",
        "/api/episodes",
        json={"child": {"name": "Another", "in_care": "full_care"}, **REPORT},
    )
    assert in_care.status_code == 403
    assert in_care.json()["error"]["fields"] == [
        {"field": "in_care", "message": "your role may not write in_care"}
    ]


# --- Requests the holding force answers -----------------------------------------------------


def test_a_request_shared_by_the_holding_force_opens_identity_and_profile_only(tenancy):
    t = tenancy
    asker, holder = (A, Role.police_officer), (B, Role.police_mispers)
    asked = t.call(
        asker,
        "POST",
        "/api/record-requests",
        json={"pid": "child-b", "reason": "reported missing by a parent in our area"},
    )
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert (request["kind"], request["status"], request["pid"]) == (
        "request",
        "requested",
        "child-b",
    )
    assert request["holding_agency_id"] == t.world.b.agencies["force"].id
    assert request["requesting_agency_id"] == t.world.a.agencies["force"].id
    # Asking opens nothing.
    assert t.call(asker, "GET", "/api/children/child-b", params=REASON).status_code == 404
    again = t.call(
        asker, "POST", "/api/record-requests", json={"pid": "child-b", "reason": "still missing"}
    )
    assert again.status_code == 409
    # Only the holding force's missing persons team sees it and answers it.
    incoming = t.call(holder, "GET", "/api/record-requests/incoming").json()
    assert [(r["id"], r["status"]) for r in incoming] == [(request["id"], "requested")]
    assert (
        t.call((B, Role.police_officer), "GET", "/api/record-requests/incoming").status_code == 403
    )
    assert t.call((A, Role.police_mispers), "GET", "/api/record-requests/incoming").json() == []
    answer_path = f"/api/record-requests/{request['id']}/answer"
    stranger = t.call((A, Role.police_mispers), "POST", answer_path, json={"answer": "share"})
    assert stranger.status_code == 404
    shared = t.call(holder, "POST", answer_path, json={"answer": "share", "note": "urgent, ok"})
    assert shared.status_code == 200 and shared.json()["status"] == "shared"
    twice = t.call(holder, "POST", answer_path, json={"answer": "decline"})
    assert twice.status_code == 409
    # What was shared: the child's identity and the Philomena profile, to the asking force.
    for reader in (asker, (A, Role.police_mispers)):
        child = t.call(reader, "GET", "/api/children/child-b", params=REASON)
        assert child.status_code == 200
        assert (child.json()["name"], child.json()["date_of_birth"]) == ("Child B", "2009-05-01")
        profile = t.call(reader, "GET", "/api/children/child-b/philomena").json()
        assert [p["content"]["description"] for p in profile] == ["tall"]
    # Nothing else of the case, and no way to work it as the force's own.
    mispers = (A, Role.police_mispers)
    assert t.call(mispers, "GET", "/api/children/child-b/placements").status_code == 404
    assert t.call(mispers, "GET", f"/api/referrals/{t.world.b.referral.id}").status_code == 404
    assert t.call(mispers, "GET", "/api/episodes/ep-b").status_code == 404
    reported = t.call(mispers, "POST", "/api/episodes", json={"pid": "child-b", **REPORT})
    assert reported.status_code == 404
    assert t.call(mispers, "POST", "/api/children/child-b/philomena", json={}).status_code == 404
    # Not shared with a third party: the council of side A, say.
    council = (A, Role.council_social_worker)
    assert t.call(council, "GET", "/api/children/child-b").status_code == 404
    outgoing = t.call(asker, "GET", "/api/record-requests/outgoing").json()
    assert [(r["id"], r["status"], r["answer_note"]) for r in outgoing] == [
        (request["id"], "shared", "urgent, ok")
    ]
    [asked_event] = _audited(t, "request")
    assert (asked_event.entity, asked_event.reason) == (
        "child",
        "reported missing by a parent in our area",
    )
    assert asked_event.child_id == t.world.b.child.id
    [answered] = _audited(t, "answer")
    assert answered.actor_id == t.user(B, Role.police_mispers).id


def test_a_declined_request_opens_nothing(tenancy):
    t = tenancy
    asker, holder = (A, Role.police_mispers), (B, Role.police_mispers)
    request = t.call(
        asker, "POST", "/api/record-requests", json={"pid": "child-b", "reason": "curious"}
    ).json()
    declined = t.call(
        holder, "POST", f"/api/record-requests/{request['id']}/answer", json={"answer": "decline"}
    )
    assert declined.json()["status"] == "declined"
    assert t.call(asker, "GET", "/api/children/child-b", params=REASON).status_code == 404
    assert t.call(asker, "GET", "/api/children/child-b/philomena").status_code == 404


def test_requests_name_a_child_of_another_force_only(tenancy):
    t = tenancy
    asker = (A, Role.police_officer)
    unknown = t.call(asker, "POST", "/api/record-requests", json={"pid": "nobody", "reason": "x"})
    assert unknown.status_code == 404
    own = t.call(asker, "POST", "/api/record-requests", json={"pid": "child-a", "reason": "x"})
    assert own.status_code == 409  # the force holds it already: nothing to ask
    blank = t.call(asker, "POST", "/api/record-requests", json={"pid": "child-b", "reason": "  "})
    assert blank.status_code == 422
    assert blank.json()["error"]["fields"][0]["field"] == "reason"
    for role in (Role.care_staff, Role.council_missing_coordinator, Role.analyst, Role.admin):
        refused = t.call(
            (A, role), "POST", "/api/record-requests", json={"pid": "child-b", "reason": "x"}
        )
        assert refused.status_code == 403, role


def test_the_holding_forces_page_answers_a_request(tenancy):
    t = tenancy
    request = t.call(
        (A, Role.police_officer),
        "POST",
        "/api/record-requests",
        json={"pid": "child-b", "reason": "seen with a missing child of ours"},
    ).json()
    browser = t.browser(B, Role.police_mispers)
    page = browser.get("/record-requests")
    assert page.status_code == 200
    assert "seen with a missing child of ours" in page.text and "child-b" in page.text
    assert f'action="/record-requests/{request["id"]}/answer"' in page.text
    assert t.browser(B, Role.police_officer).get("/record-requests").status_code == 403
    assert t.browser(A, Role.police_mispers).get("/record-requests").text.count("child-b") == 0
    sent = browser.post(
        f"/record-requests/{request['id']}/answer", data={"answer": "share", "note": ""}
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/record-requests"
    reader = (A, Role.police_officer)
    assert t.call(reader, "GET", "/api/children/child-b", params=REASON).status_code == 200


# --- Break-glass ------------------------------------------------------------------------------


def test_break_glass_opens_at_once_for_that_user_audited_and_reviewed(tenancy):
    t = tenancy
    officer, holder = (A, Role.police_officer), (B, Role.police_mispers)
    short = t.call(
        officer, "POST", "/api/break-glass", json={"pid": "child-b", "justification": "urgent"}
    )
    assert short.status_code == 422
    assert short.json()["error"]["fields"][0]["field"] == "justification"
    opened = t.call(
        officer, "POST", "/api/break-glass", json={"pid": "child-b", "justification": JUSTIFICATION}
    )
    assert opened.status_code == 201, opened.text
    body = opened.json()
    assert (body["kind"], body["status"], body["child"]["name"]) == (
        "break_glass",
        "opened",
        "Child B",
    )
    assert t.call(officer, "GET", "/api/children/child-b", params=REASON).status_code == 200
    profile = t.call(officer, "GET", "/api/children/child-b/philomena").json()
    assert [p["content"]["description"] for p in profile] == ["tall"]
    # For that officer alone, and for the identity and profile alone.
    colleague = (A, Role.police_mispers)
    assert t.call(colleague, "GET", "/api/children/child-b", params=REASON).status_code == 404
    assert t.call(officer, "GET", "/api/children/child-b/placements").status_code == 404
    [event] = _audited(t, "break_glass")
    assert (event.actor_id, event.child_id, event.reason) == (
        t.user(A, Role.police_officer).id,
        t.world.b.child.id,
        JUSTIFICATION,
    )
    # On the holding force's review list (API and page), for its missing persons team only.
    [listed] = t.call(holder, "GET", "/api/break-glass").json()
    assert (listed["id"], listed["reason"], listed["status"]) == (
        body["id"],
        JUSTIFICATION,
        "opened",
    )
    assert t.call((B, Role.police_officer), "GET", "/api/break-glass").status_code == 403
    assert t.call((A, Role.police_mispers), "GET", "/api/break-glass").json() == []
    page = t.browser(B, Role.police_mispers).get("/break-glass")
    assert page.status_code == 200 and JUSTIFICATION in page.text
    reviewed = t.call(holder, "POST", f"/api/break-glass/{body['id']}/review", json={})
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "reviewed"
    # It lasts a limited time.
    from misper.app.children.models import RecordRequest  # (new with the requests)

    row = t.session.get(RecordRequest, body["id"])
    row.expires_at = datetime.now() - timedelta(minutes=1)
    t.session.commit()
    assert t.call(officer, "GET", "/api/children/child-b", params=REASON).status_code == 404


def test_break_glass_is_for_police_and_another_forces_child(tenancy):
    t = tenancy
    body = {"pid": "child-b", "justification": JUSTIFICATION}
    for role in (Role.care_staff, Role.council_social_worker, Role.analyst, Role.rhi_worker):
        assert t.call((A, role), "POST", "/api/break-glass", json=body).status_code == 403
    absent = t.call((A, Role.police_officer), "POST", "/api/break-glass", json={**body, "pid": "x"})
    assert absent.status_code == 404


# --- Names only with a reason ---------------------------------------------------------------


def test_police_see_names_in_lists_only_once_they_give_a_reason(tenancy):
    t = tenancy
    police = (A, Role.police_officer)
    bare = t.call(police, "GET", "/api/children").json()
    assert bare["names_shown"] is False
    assert [(c["pid"], c["name"]) for c in bare["items"]] == [("child-a", None)]
    given = t.call(police, "GET", "/api/children", params=REASON).json()
    assert [(c["pid"], c["name"]) for c in given["items"]] == [("child-a", "Child A")]
    council = t.call((A, Role.council_social_worker), "GET", "/api/children").json()
    assert [(c["pid"], c["name"]) for c in council["items"]] == [("child-a", "Child A")]
    [listed] = [e for e in _audited(t, "list") if e.entity == "child" and e.reason]
    assert (listed.actor_id, listed.reason) == (t.user(A, Role.police_officer).id, REASON["reason"])
    browser = t.browser(A, Role.police_officer)
    page = browser.get("/children", params={"pid": "child-a"})
    assert page.status_code == 200
    assert "child-a" in page.text and "Child A" not in page.text
    assert "give a reason" in page.text
    named = browser.get("/children", params={"pid": "child-a", **REASON})
    assert "Child A" in named.text
    carer = t.browser(A, Role.care_staff).get("/children")
    assert "Child A" in carer.text  # the home the child lives in needs no reason


# --- Seeing a record is not keeping it ------------------------------------------------------


def test_a_host_council_and_the_police_read_what_they_do_not_keep_and_change_none_of_it(tenancy):
    t = tenancy
    # Child B moves into home A, still council B's: council A hosts her.
    t.world.b.placement.end_date = date(2024, 2, 1)
    moved = Placement(
        child_id=t.world.b.child.id,
        home_id=t.world.a.home.id,
        placing_council_id=t.world.b.agencies["council"].id,
        start_date=date(2024, 2, 1),
    )
    t.session.add(moved)
    t.session.commit()
    host, keeper = (A, Role.council_missing_coordinator), (B, Role.council_missing_coordinator)
    assert t.call(host, "GET", "/api/children/child-b").json()["name"] == "Child B"
    change = {"ethnic_appearance": "White British"}
    assert t.call(host, "PATCH", "/api/children/child-b", json=change).status_code == 404
    place = {"pid": "child-b", "home_id": t.world.a.home.id, "start_date": "2024-06-01"}
    assert t.call(host, "POST", "/api/placements", json=place).status_code == 404
    end = {"end_date": "2024-07-01"}
    assert t.call(host, "PATCH", f"/api/placements/{moved.id}", json=end).status_code == 404
    assert t.call(keeper, "PATCH", "/api/children/child-b", json=change).status_code == 200
    assert t.call(keeper, "PATCH", f"/api/placements/{moved.id}", json=end).status_code == 200
    # A carer's check: the police of the area read its steps; the home alone records them.
    carer, police = (A, Role.care_staff), (A, Role.police_officer)
    check = t.call(
        carer, "POST", "/api/checks", json={"pid": "child-a", "expected_back": "2024-03-01T20:00"}
    ).json()
    step = {"step": "call_child", "result": "no_contact", "at": "2024-03-01T20:30"}
    assert t.call(police, "GET", f"/api/checks/{check['id']}").status_code == 200
    assert t.call(police, "POST", f"/api/checks/{check['id']}/steps", json=step).status_code == 404
    assert t.call(police, "POST", f"/api/checks/{check['id']}/report").status_code == 404
    assert t.call(carer, "POST", f"/api/checks/{check['id']}/steps", json=step).status_code == 201
