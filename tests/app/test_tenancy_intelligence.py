"""Intelligence held per agency, tried across the two sides of world.py (tenancy.py): an associate
is the record of the force that recorded it; the police read of a return home interview only what
the interviewer shared with them, in every route that shows one; and notifications reach the roles
that work the cases, each user marking only what is theirs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.tenancy import A, B, tenancy_store  # noqa: F401  (the fixture `tenancy`)
from misper.app.episodes.models import Associate
from misper.app.notifications.models import Notification, NotificationRead
from misper.app.users.models import Role

VAN = "drives a blue van; meets children at the station"
FLAT = "stays at a flat on Mill Road with two older men"

# --- Associates -----------------------------------------------------------------------------


def test_another_force_naming_the_same_associate_gets_a_record_of_its_own(tenancy):
    t = tenancy
    recorded = t.call(
        (A, Role.police_mispers),
        "POST",
        "/api/episodes/ep-a/associations",
        json={"associate_id": "adult-77", "kind": "person", "description": VAN},
    )
    assert recorded.status_code == 201, recorded.text
    linked = t.call(
        (B, Role.police_mispers),
        "POST",
        "/api/episodes/ep-b/associations",
        json={"associate_id": "adult-77"},
    )
    assert linked.status_code == 201, linked.text
    expected_b = [{"associate_id": "adult-77", "kind": "unknown", "description": None}]
    assert linked.json()["associates"] == expected_b
    read_b = t.call((B, Role.police_officer), "GET", "/api/episodes/ep-b/associations").json()
    assert read_b["associates"] == expected_b
    assert VAN not in str(read_b)
    read_a = t.call((A, Role.police_officer), "GET", "/api/episodes/ep-a/associations").json()
    assert read_a["associates"] == [
        {"associate_id": "adult-77", "kind": "person", "description": VAN}
    ]
    t.session.expire_all()
    held = sorted(
        t.session.execute(
            select(Associate.force_id, Associate.description).where(
                Associate.associate_id == "adult-77"
            )
        ).all()
    )
    assert held == [(t.world.a.agencies["force"].id, VAN), (t.world.b.agencies["force"].id, None)]


def test_closing_with_an_associate_links_the_forces_own_record(tenancy):
    t = tenancy
    t.call(
        (A, Role.police_mispers),
        "POST",
        "/api/episodes/ep-a/associations",
        json={"associate_id": "adult-78", "kind": "address", "description": VAN},
    )
    closed = t.call(
        (B, Role.police_mispers),
        "POST",
        "/api/episodes/ep-b/close",
        json={
            "version": 1,
            "found_at": "2024-03-02T10:00",
            "associates": [{"associate_id": "adult-78"}],
        },
    )
    assert closed.status_code == 200, closed.text
    read_b = t.call((B, Role.police_mispers), "GET", "/api/episodes/ep-b/associations").json()
    assert read_b["associates"] == [
        {"associate_id": "adult-78", "kind": "unknown", "description": None}
    ]


# --- Return home interview findings ---------------------------------------------------------


def _interview_with_reason_codes_shared(t) -> int:
    """Side A's episode closed, its interview's free text written, then only the reason codes
    shared with the police, as the provider does it through the API."""
    closed = t.call(
        (A, Role.police_mispers),
        "POST",
        "/api/episodes/ep-a/close",
        json={"version": 1, "found_at": "2024-03-02T10:00"},
    )
    assert closed.status_code == 200, closed.text
    rhi_id = closed.json()["return_home_interview_id"]
    provider = (A, Role.rhi_worker)
    version = t.call(provider, "GET", f"/api/return-home-interviews/{rhi_id}").json()["version"]
    written = t.call(
        provider,
        "PATCH",
        f"/api/return-home-interviews/{rhi_id}",
        json={"version": version, "findings": FLAT},
    )
    assert written.status_code == 200, written.text
    recorded = t.call(
        provider,
        "POST",
        f"/api/rhi-clock/{rhi_id}/record",
        json={
            "version": written.json()["version"],
            "findings": {"reason_codes": ["exploitation"], "free_text": FLAT},
            "shared": ["reason_codes"],
        },
    )
    assert recorded.status_code == 200, recorded.text
    return rhi_id


def test_the_police_read_only_the_findings_shared_with_them(tenancy):
    t = tenancy
    rhi_id = _interview_with_reason_codes_shared(t)
    for role in (Role.police_mispers, Role.police_officer, Role.police_control_room):
        police = (A, role)
        one = t.call(police, "GET", f"/api/return-home-interviews/{rhi_id}")
        assert one.status_code == 200
        assert one.json()["findings"] is None
        listed = t.call(police, "GET", "/api/return-home-interviews").json()
        assert [(r["id"], r["findings"]) for r in listed] == [(rhi_id, None)]
        clock = t.call(police, "GET", f"/api/rhi-clock/{rhi_id}").json()["findings"]
        assert (clock["reason_codes"], clock["free_text"]) == (["exploitation"], None)
        for answer in (one, clock):
            assert "Mill Road" not in str(answer)
        page = t.browser(A, role).get(f"/interviews/{rhi_id}/record")
        assert page.status_code == 200 and "Mill Road" not in page.text
    council = t.call(
        (A, Role.council_missing_coordinator), "GET", f"/api/return-home-interviews/{rhi_id}"
    )
    assert council.json()["findings"] == FLAT  # the council owing the interview reads it all
    provider = t.call((A, Role.rhi_worker), "GET", f"/api/return-home-interviews/{rhi_id}")
    assert provider.json()["findings"] == FLAT


def test_the_free_text_reaches_the_police_once_it_is_shared(tenancy):
    t = tenancy
    rhi_id = _interview_with_reason_codes_shared(t)
    provider = (A, Role.rhi_worker)
    version = t.call(provider, "GET", f"/api/return-home-interviews/{rhi_id}").json()["version"]
    shared = t.call(
        provider,
        "POST",
        f"/api/rhi-clock/{rhi_id}/record",
        json={"version": version, "shared": ["reason_codes", "free_text"]},
    )
    assert shared.status_code == 200, shared.text
    one = t.call((A, Role.police_officer), "GET", f"/api/return-home-interviews/{rhi_id}")
    assert one.json()["findings"] == FLAT


# --- Notifications ----------------------------------------------------------------------------


def _notification(t, agency, subject: str, user=None) -> int:
    row = Notification(
        agency_id=agency.id,
        user_id=user and user.id,
        subject=subject,
        created_at=datetime(2024, 3, 1, 22),
    )
    t.session.add(row)
    t.session.commit()
    return row.id


def test_case_notifications_reach_case_roles_only(tenancy):
    t = tenancy
    force_wide = t.world.a.notification.id  # side A's force, addressed to nobody in particular
    council_wide = _notification(t, t.world.a.agencies["council"], "Return home interview 7 due")
    to_admin = _notification(
        t, t.world.a.agencies["council"], "Your account was reset", t.user(A, Role.admin)
    )
    analyst, admin = (A, Role.analyst), (A, Role.admin)
    assert t.call(analyst, "GET", "/api/notifications").json() == []
    assert [n["id"] for n in t.call(admin, "GET", "/api/notifications").json()] == [to_admin]
    assert t.call(analyst, "POST", f"/api/notifications/{force_wide}/read").status_code == 404
    assert t.call(admin, "POST", f"/api/notifications/{council_wide}/read").status_code == 404
    assert t.call(admin, "POST", f"/api/notifications/{to_admin}/read").status_code == 200
    t.session.expire_all()
    read = select(NotificationRead.notification_id)
    assert (
        t.session.scalars(
            read.where(NotificationRead.notification_id.in_([force_wide, council_wide]))
        ).all()
        == []
    )
    # The case roles of the agency read and mark its notifications; not another's.
    officer = (A, Role.police_officer)
    assert [n["id"] for n in t.call(officer, "GET", "/api/notifications").json()] == [force_wide]
    coordinator = (A, Role.council_missing_coordinator)
    assert [n["id"] for n in t.call(coordinator, "GET", "/api/notifications").json()] == [
        council_wide
    ]
    assert (
        t.call(
            (B, Role.police_mispers), "POST", f"/api/notifications/{force_wide}/read"
        ).status_code
        == 404
    )
    assert t.call(officer, "POST", f"/api/notifications/{force_wide}/read").status_code == 200


def test_a_user_marks_only_their_own_addressed_notifications(tenancy):
    t = tenancy
    to_mispers = _notification(
        t, t.world.a.agencies["force"], "Review due", t.user(A, Role.police_mispers)
    )
    officer = (A, Role.police_officer)
    assert to_mispers not in [n["id"] for n in t.call(officer, "GET", "/api/notifications").json()]
    assert t.call(officer, "POST", f"/api/notifications/{to_mispers}/read").status_code == 404
    mine = t.call((A, Role.police_mispers), "POST", f"/api/notifications/{to_mispers}/read")
    assert mine.status_code == 200


def test_the_notifications_page_shows_the_analyst_nothing_of_the_force(tenancy):
    t = tenancy
    page = t.browser(A, Role.analyst).get("/notifications")
    assert page.status_code == 200 and "episode reported" not in page.text
    police_page = t.browser(A, Role.police_officer).get("/notifications")
    assert "episode reported" in police_page.text
