"""Access-matrix recipes for the after-episode routes, in the form of `test_access_matrix.RECIPES`.

Each builds what its route needs on the world's side (a fresh episode closed by that side's
police, a meeting on that side's referral), so that every call has a record of its own.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from app.test_access_matrix import PID, Recipe, _side
from misper.app.access import Actor
from misper.app.agencies.models import Agency
from misper.app.children.models import Child
from misper.app.episodes.closing import close_episode
from misper.app.episodes.models import Episode
from misper.app.escalation.models import Meeting, MeetingAction
from misper.app.interviews.models import ReturnHomeInterview
from misper.app.placements.models import Placement
from misper.app.users.models import Role

PERIOD = {"start": "2024-01-01T00:00", "end": "2024-12-31T00:00"}


def _fresh_episode(s, w, side, child_id: int | None = None) -> Episode:
    sd = _side(w, side)
    episode = Episode(
        rid=f"after-{uuid.uuid4().hex[:8]}",
        child_id=child_id or sd.child.id,
        force_id=sd.agencies["force"].id,
        reported_by_agency_id=sd.agencies["provider"].id,
        home_id=sd.home.id,
        links_recorded=False,
        associates_recorded=False,
        version=1,
        updated_at=datetime(2024, 4, 1),
        reported_at=datetime(2024, 4, 1),
        age=14,
        missing_from_type="care_home",
    )
    s.add(episode)
    s.flush()
    return episode


def _closed_rhi(s, w, side) -> int:
    """An interview owed by the side's council, arranged with its provider, shared with police."""
    episode = _fresh_episode(s, w, side)
    sd = _side(w, side)
    police = w.users[Role.police_mispers]
    # The closing is done by that side's force (a stand-in actor: the world's users are side A's).
    actor = Actor(
        police.id, police.username, Role.police_mispers, sd.agencies["force"].id, "police"
    )
    rhi = close_episode(s, actor, episode.rid, 1, {"found_at": datetime(2024, 4, 2)}, [], [])[2]
    rhi.provider_id, rhi.shared_with_police = sd.agencies["rhi"].id, True
    s.commit()
    return rhi.id


def _placed_from_elsewhere(s, w, side) -> int:
    """The interview of a child placed in the side's home by a council of a third area."""
    sd = _side(w, side)
    elsewhere = Agency(name=f"council {uuid.uuid4().hex[:8]}", kind="council")
    s.add(elsewhere)
    s.flush()
    child = Child(
        pid=f"away-{uuid.uuid4().hex[:8]}",
        responsible_council_id=elsewhere.id,
        created_at=datetime(2024, 1, 1),
    )
    s.add(child)
    s.flush()
    s.add(
        Placement(
            child_id=child.id,
            home_id=sd.home.id,
            placing_council_id=elsewhere.id,
            start_date=date(2024, 1, 1),
        )
    )
    episode = _fresh_episode(s, w, side, child.id)
    police = w.users[Role.police_mispers]
    actor = Actor(
        police.id, police.username, Role.police_mispers, sd.agencies["force"].id, "police"
    )
    rhi = close_episode(s, actor, episode.rid, 1, {"found_at": datetime(2024, 4, 2)}, [], [])[2]
    s.commit()
    return rhi.id


def _open_rid(s, w, side) -> str:
    rid = _fresh_episode(s, w, side).rid
    s.commit()
    return rid


def _rhi_version(s, rhi_id) -> int:
    s.expire_all()
    return s.get(ReturnHomeInterview, rhi_id).version


def _meeting(s, w, side) -> int:
    meeting = Meeting(
        referral_id=_side(w, side).referral.id,
        held_at=datetime(2024, 3, 10),
        recorded_by=w.users[Role.police_mispers].id,
    )
    s.add(meeting)
    s.commit()
    return meeting.id


def _action(s, w, side) -> int:
    action = MeetingAction(meeting_id=_meeting(s, w, side), description="visit")
    s.add(action)
    s.commit()
    return action.id


def _record(s, w, sd, r):
    rhi_id = _closed_rhi(s, w, sd)
    return (
        {"rhi_id": rhi_id},
        {},
        {"version": _rhi_version(s, rhi_id), "findings": {"reason_codes": ["curfew"]}},
    )


EP = lambda w, sd: _side(w, sd).episode.rid  # noqa: E731
AFTER_RECIPES: dict[tuple[str, str], Recipe] = {
    ("POST", "/api/episodes/{rid}/close"): Recipe(
        lambda s, w, sd, r: (
            {"rid": _open_rid(s, w, sd)},
            {},
            {"version": 1, "found_at": "2024-04-01T23:00"},
        )
    ),
    ("GET", "/api/episodes/{rid}/prevention-findings"): Recipe(
        lambda s, w, sd, r: ({"rid": EP(w, sd)}, {}, None)
    ),
    ("PUT", "/api/episodes/{rid}/prevention-findings"): Recipe(
        lambda s, w, sd, r: (
            {"rid": EP(w, sd)},
            {},
            {"outcome": "done", "findings": {"where": ["park"]}, "for_intelligence": ["where"]},
        )
    ),
    ("GET", "/api/rhi-clock"): Recipe(lambda s, w, sd, r: ({}, {}, None), "list"),
    ("GET", "/api/rhi-clock/{rhi_id}"): Recipe(
        lambda s, w, sd, r: ({"rhi_id": _closed_rhi(s, w, sd)}, {}, None)
    ),
    ("POST", "/api/rhi-clock/{rhi_id}/arrange"): Recipe(
        lambda s, w, sd, r: (
            {"rhi_id": _closed_rhi(s, w, sd)},
            {},
            {
                "interviewer_kind": "independent_provider",
                "provider_id": _side(w, sd).agencies["rhi"].id,
            },
        )
    ),
    ("POST", "/api/rhi-clock/{rhi_id}/take-on"): Recipe(
        lambda s, w, sd, r: (
            {"rhi_id": _placed_from_elsewhere(s, w, sd)},
            {},
            {"agreement": "agreed by email"},
        )
    ),
    ("POST", "/api/rhi-clock/{rhi_id}/record"): Recipe(_record),
    ("GET", "/api/referrals/{referral_id}/meetings"): Recipe(
        lambda s, w, sd, r: ({"referral_id": _side(w, sd).referral.id}, {}, None)
    ),
    ("POST", "/api/referrals/{referral_id}/meetings"): Recipe(
        lambda s, w, sd, r: (
            {"referral_id": _side(w, sd).referral.id},
            {},
            {"held_at": "2024-03-10T10:00"},
        )
    ),
    ("POST", "/api/meetings/{meeting_id}/actions"): Recipe(
        lambda s, w, sd, r: ({"meeting_id": _meeting(s, w, sd)}, {}, {"description": "safety plan"})
    ),
    ("POST", "/api/meeting-actions/{action_id}/done"): Recipe(
        lambda s, w, sd, r: ({"action_id": _action(s, w, sd)}, {}, {"outcome": "done"})
    ),
    ("GET", "/api/dashboards/open-episodes"): Recipe(lambda s, w, sd, r: ({}, {}, None), "list"),
    ("GET", "/api/dashboards/frequently-missing"): Recipe(
        lambda s, w, sd, r: ({}, {}, None), "list"
    ),
    ("GET", "/api/dashboards/rhi-compliance"): Recipe(lambda s, w, sd, r: ({}, {}, None), "list"),
    ("GET", "/api/dashboards/care-homes"): Recipe(
        lambda s, w, sd, r: ({}, PERIOD, None), "list", ('"Home a"', '"Home b"')
    ),
    ("GET", "/api/dashboards/hotspots"): Recipe(lambda s, w, sd, r: ({}, PERIOD, None), "list"),
    ("GET", "/api/dashboards/network"): Recipe(lambda s, w, sd, r: ({}, {}, None), "list"),
    ("GET", "/api/children/{pid}/timeline"): Recipe(
        lambda s, w, sd, r: ({"pid": PID(w, sd)}, {}, None)
    ),
}
