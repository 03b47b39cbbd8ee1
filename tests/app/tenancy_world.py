"""A hand-countable world of many agencies for the access matrix: two police forces, two councils,
two care providers, two return home interview providers and a charity, with a user of every role
each kind of agency has, and the records of each.

The north is the acting side: the matrix signs in one user of each role there (`ACTING`). Every
record is named by a short key, the matrix's "target", and its markers (pid, rid, a text) are
unique, so a list or an answer is searched for them without one matching inside another:

    N   the north's own: North Council's child living in North House (North Care's home, North
        Police's area), its open episode reported by North Care, and the rest of its case
    S   the south's own, the same in the south: never reached by a north user
    X   hosted: South Council's child placed in North House (out of area)
    Y   away: North Council's child placed in South House (out of area)
    H   held: North Police's own record of a child reported to it by a parent (no council)
    RQ  a child South Police holds, whose record it shared on North Police's request
    DQ  a child South Police holds; North Police's request for it was declined
    BG  a child South Police holds, opened by the north's police officer's break-glass (today)
    W   a child North Police holds, wanted by South Police (a request and a break-glass)
    U   the north child's second interview, not shared with the police

The matrix builds it once per module and rolls back every call's changes, so each call finds it
as built here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from misper.app.agencies.models import Agency
from misper.app.charity.models import CharityPartnership
from misper.app.children.models import Child, RecordRequest
from misper.app.episodes.models import (
    Associate,
    ControlRoomDecision,
    Episode,
    EpisodeAssociate,
    EpisodeLink,
    EpisodeUpdate,
    RiskAssessment,
)
from misper.app.escalation.models import Meeting, MeetingAction, Referral
from misper.app.flowchart.models import CarerCheck
from misper.app.groups.models import Group, GroupAffiliation
from misper.app.interviews.models import InterviewFindings, PreventionInterview, ReturnHomeInterview
from misper.app.notifications.models import Notification
from misper.app.philomena.models import PhilomenaProfile
from misper.app.placements.models import Home, Placement
from misper.app.tasks.models import Task
from misper.app.users.models import ROLE_AGENCY_KINDS, Role, User

PASSWORD = "correct horse battery"
# The users' password hashed at Argon2's lowest cost (a hash carries its own parameters, so the
# store checks it as any other): 29 users, and the matrix checks each acting user's password.
QUICK = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
R = Role

# Agencies by key: (name, kind); made in this order, so that the acting one of a kind has the
# lower id for some kinds and the higher for others (no scope may lean on the order of ids).
AGENCIES = {
    "F2": ("South Police", "police"),
    "F1": ("North Police", "police"),
    "C1": ("North Council", "council"),
    "C2": ("South Council", "council"),
    "P2": ("South Care", "care_provider"),
    "P1": ("North Care", "care_provider"),
    "R1": ("North Interviews", "rhi_provider"),
    "R2": ("South Interviews", "rhi_provider"),
    "CH": ("Missing Charity", "charity"),
}
# The acting user of each role: the north's agency of that kind.
ACTING = {
    R.care_staff: "P1",
    R.police_mispers: "F1",
    R.police_control_room: "F1",
    R.police_officer: "F1",
    R.council_social_worker: "C1",
    R.council_missing_coordinator: "C1",
    R.rhi_worker: "R1",
    R.charity_worker: "CH",
    R.analyst: "F1",
    R.admin: "F1",
}
# Each acting user's colleague (another user of the same agency), for notifications addressed to
# someone else.
COLLEAGUE = {
    R.care_staff: "admin.P1",
    R.police_mispers: "police_control_room.F1",
    R.police_control_room: "police_mispers.F1",
    R.police_officer: "police_mispers.F1",
    R.council_social_worker: "council_missing_coordinator.C1",
    R.council_missing_coordinator: "council_social_worker.C1",
    R.rhi_worker: "admin.R1",
    R.charity_worker: "admin.CH",
    R.analyst: "admin.F1",
    R.admin: "analyst.F1",
}

# Children: key -> (pid, name, responsible council, holding agency, home lived in (or None)).
CHILDREN = {
    "S": ("pid-south", "Sam Southgate", "C2", "C2", "H2"),
    "N": ("pid-north", "Nora Northcote", "C1", "C1", "H1"),
    "X": ("pid-hosted", "Xena Hostwick", "C2", "C2", "H1"),
    "Y": ("pid-away", "Yuri Awayfield", "C1", "C1", "H2"),
    "H": ("pid-held", "Hal Heldon", None, "F1", None),
    "RQ": ("pid-shared", "Ruth Sharples", None, "F2", None),
    "DQ": ("pid-declined", "Dan Declan", None, "F2", None),
    "BG": ("pid-glass", "Bea Glassby", None, "F2", None),
    "W": ("pid-wanted", "Will Wantage", None, "F1", None),
}
# Homes: key -> (name, place id, provider, host council, force, postcode sector).
HOMES = {
    "H1": ("North House", "place-north", "P1", "C1", "F1", "AL1 1"),
    "H2": ("South House", "place-south", "P2", "C2", "F2", "SG1 1"),
}
# Open episodes: key -> (rid, child, force, reported by, home it was reported from or None).
OPEN = {
    "N": ("ep-north", "N", "F1", "P1", "H1"),
    "S": ("ep-south", "S", "F2", "P2", "H2"),
    "X": ("ep-hosted", "X", "F1", "P1", "H1"),
    "Y": ("ep-away", "Y", "F2", "P2", "H2"),
    "H": ("ep-held", "H", "F1", "F1", None),
    "RQ": ("ep-shared", "RQ", "F2", "F2", None),
    "BG": ("ep-glass", "BG", "F2", "F2", None),
}
# Closed episodes, each with a return home interview and a prevention interview:
# key -> (rid, child, force, council owing the interview, provider, shared with the police).
CLOSED = {
    "N": ("back-north", "N", "F1", "C1", "R1", True),
    "S": ("back-south", "S", "F2", "C2", "R2", True),
    "X": ("back-hosted", "X", "F1", "C2", "R2", True),
    "Y": ("back-away", "Y", "F2", "C1", "R1", True),
    "U": ("back-unshared", "N", "F1", "C1", "R1", False),
}
# Texts only their own side may read: the interviews' free text, the associates' descriptions.
FREE_TEXT = {key: f"free-text-{rid}" for key, (rid, *_rest) in CLOSED.items()}
ASSOCIATE = {"F1": "desc-north-adult", "F2": "desc-south-adult"}
GROUPS = {"F1": ("crew-north", "crew-north-rival"), "F2": ("crew-south", "crew-south-rival")}
REFERRAL = {key: f"referral-{key.lower()}-reason" for key in ("N", "S", "X", "Y")}


def note_for(username: str) -> str:
    """The subject of the notification addressed to this user (as pages show it: no "_")."""
    return f"note for {username.replace('_', '-')}"


@dataclass
class TenancyWorld:
    agency: dict[str, int] = field(default_factory=dict)  # key -> id
    user: dict[str, int] = field(default_factory=dict)  # username -> id
    child: dict[str, int] = field(default_factory=dict)  # child key -> id
    placement: dict[str, int] = field(default_factory=dict)  # child key -> id
    home: dict[str, int] = field(default_factory=dict)  # home key -> id
    episode: dict[str, int] = field(default_factory=dict)  # rid -> id
    rhi: dict[str, int] = field(default_factory=dict)  # closed key -> interview id
    referral: dict[str, int] = field(default_factory=dict)
    meeting: dict[str, int] = field(default_factory=dict)
    action: dict[str, int] = field(default_factory=dict)
    task: dict[str, int] = field(default_factory=dict)  # open key -> a task of that episode
    check: dict[str, int] = field(default_factory=dict)  # child key -> carer's check
    group: dict[str, int] = field(default_factory=dict)  # group name -> id
    notification: dict[str, int] = field(default_factory=dict)  # subject -> id
    request: dict[str, int] = field(default_factory=dict)  # "in"/"out" x kind -> id
    partnership: int = 0

    @staticmethod
    def username(role: Role, agency: str | None = None) -> str:
        return f"{role.value}.{agency or ACTING[role]}"

    def acting(self, role: Role) -> int:
        return self.user[self.username(role)]


def _roles_of(kind: str) -> list[Role]:
    return [role for role in Role if kind in {k.value for k in ROLE_AGENCY_KINDS[role]}]


def build(session: Session, now: datetime | None = None) -> TenancyWorld:
    """Every agency, user and record above, flushed (the caller commits)."""
    now = now or datetime.now()
    w = TenancyWorld()
    agencies = {key: Agency(name=name, kind=kind) for key, (name, kind) in AGENCIES.items()}
    session.add_all(agencies.values())
    session.flush()
    w.agency = {key: a.id for key, a in agencies.items()}
    a = w.agency

    hashed = QUICK.hash(PASSWORD)
    users = [
        User(
            username=w.username(role, key),
            display_name=f"{role.value} of {AGENCIES[key][0]}",
            role=role.value,
            agency_id=a[key],
            password_hash=hashed,
            created_at=datetime(2024, 1, 1),
        )
        for key, (_name, kind) in AGENCIES.items()
        for role in _roles_of(kind)
    ]
    session.add_all(users)
    session.flush()
    w.user = {u.username: u.id for u in users}
    by = w.acting(R.police_mispers)  # who recorded the world's history

    homes = {
        key: Home(
            name=name,
            place_id=place,
            provider_id=a[provider],
            host_council_id=a[council],
            police_force_id=a[force],
            postcode_sector=sector,
        )
        for key, (name, place, provider, council, force, sector) in HOMES.items()
    }
    children = {
        key: Child(
            pid=pid,
            name=name,
            date_of_birth=date(2009, 5, 1),
            gender="female",
            in_care="full_care" if council else None,
            responsible_council_id=council and a[council],
            agency_id=a[holder],
            created_at=datetime(2024, 1, 1),
        )
        for key, (pid, name, council, holder, _home) in CHILDREN.items()
    }
    session.add_all([*homes.values(), *children.values()])
    session.flush()
    w.home = {key: h.id for key, h in homes.items()}
    w.child = {key: c.id for key, c in children.items()}

    placements = {
        key: Placement(
            child_id=children[key].id,
            home_id=homes[home].id,
            placing_council_id=a[council],
            start_date=date(2023, 1, 1),
        )
        for key, (_pid, _name, council, _holder, home) in CHILDREN.items()
        if home is not None
    }
    profiles = [
        PhilomenaProfile(
            child_id=c.id,
            version=1,
            content={"description": f"profile of {c.pid}"},
            created_by=by,
            created_by_agency_id=a["P1"],
            created_at=datetime(2024, 1, 2),
        )
        for c in children.values()
    ]
    session.add_all([*placements.values(), *profiles])
    session.flush()
    w.placement = {key: p.id for key, p in placements.items()}

    def episode(rid, child, force, reporter, home, reported, found=None):
        place = homes[home] if home else None
        return Episode(
            rid=rid,
            child_id=children[child].id,
            force_id=a[force],
            reported_by_agency_id=a[reporter],
            home_id=place and place.id,
            links_recorded=True,
            associates_recorded=True,
            version=1,
            updated_at=reported,
            reported_at=reported,
            found_at=found,
            age=14,
            missing_from_type="care_home" if place else "home",
            missing_from_place_id=place and place.place_id,
            missing_from_postcode_sector=place.postcode_sector if place else "AL2 2",
            risk_initial="medium",
            risk_final="medium",
            tasks_count=1,
            narratives_count=1,
        )

    opened = {
        key: episode(rid, child, force, reporter, home, now - timedelta(hours=3))
        for key, (rid, child, force, reporter, home) in OPEN.items()
    }
    found = now - timedelta(days=1)
    closed = {
        key: episode(
            rid,
            child,
            force,
            CHILDREN[child][3] if CHILDREN[child][4] is None else HOMES[CHILDREN[child][4]][2],
            CHILDREN[child][4],
            found - timedelta(hours=6),
            found,
        )
        for key, (rid, child, force, *_rest) in CLOSED.items()
    }
    session.add_all([*opened.values(), *closed.values()])
    session.flush()
    w.episode = {e.rid: e.id for e in (*opened.values(), *closed.values())}

    # Each open episode's control-room record; the north's and the south's with more.
    for e in opened.values():
        session.add_all(
            [
                RiskAssessment(episode_id=e.id, level="medium", assessed_at=now, assessed_by=by),
                ControlRoomDecision(
                    episode_id=e.id, decision="deploy", decided_at=now, decided_by=by
                ),
                EpisodeUpdate(
                    episode_id=e.id,
                    kind="sighting",
                    text=f"seen near {e.rid}",
                    at=now,
                    created_by=by,
                    agency_id=e.force_id,
                ),
                EpisodeLink(episode_id=e.id, linked_rid=f"with-{e.rid}"),
            ]
        )
    tasks = {
        key: Task(
            episode_id=opened[key].id,
            description=f"task of {opened[key].rid}",
            created_at=now,
            created_by=by,
            risk_level="medium",
            status="open",
        )
        for key in OPEN
    }
    session.add_all(tasks.values())

    # Intelligence, per force: an associate with the same id in both forces, groups and links.
    for force, key in (("F1", "N"), ("F2", "S")):
        associate = Associate(
            force_id=a[force], associate_id="adult-1", kind="person", description=ASSOCIATE[force]
        )
        session.add(associate)
        session.flush()
        session.add(EpisodeAssociate(episode_id=opened[key].id, associate_id=associate.id))
        for name in GROUPS[force]:
            group = Group(force_id=a[force], name=name, area="Area", created_by=by, created_at=now)
            session.add(group)
            session.flush()
            w.group[name] = group.id
        session.add(
            GroupAffiliation(
                child_id=children[key].id,
                group_id=w.group[GROUPS[force][0]],
                note=f"linked to {GROUPS[force][0]}",
                created_by=by,
                created_by_agency_id=a[force],
                created_at=now,
            )
        )

    # After the episode: the interviews, their findings (reason codes shared, free text not) and
    # the prevention interviews.
    for key, (_rid, _child, _force, council, provider, shared) in CLOSED.items():
        e = closed[key]
        rhi = ReturnHomeInterview(
            episode_id=e.id,
            provider_id=a[provider],
            offered=True,
            findings=FREE_TEXT[key],
            shared_with_police=shared,
            council_id=a[council],
            placing_council_id=a[council],
            out_of_area=key in ("X", "Y"),
            found_at=e.found_at,
            due_at=e.found_at + timedelta(hours=72),
            interviewer_kind="independent_provider",
        )
        session.add_all(
            [rhi, PreventionInterview(episode_id=e.id, outcome="done", recorded_at=now)]
        )
        session.flush()
        w.rhi[key] = rhi.id
        session.add(
            InterviewFindings(
                interview="return_home",
                interview_id=rhi.id,
                episode_id=e.id,
                reason_codes=["curfew"],
                who_with=[],
                where=[],
                exploitation_indicators=[],
                free_text=FREE_TEXT[key],
                shared=["reason_codes"] if shared else [],
                recorded_at=now,
                recorded_by=by,
            )
        )

    # Referrals, each with a meeting and an action.
    for key, council in (("N", "C1"), ("S", "C2"), ("X", "C2"), ("Y", "C1")):
        referral = Referral(
            child_id=children[key].id,
            episode_id=closed[key].id,
            meeting="marm",
            reason=REFERRAL[key],
            referred_at=now,
            referred_by=by,
            referred_by_agency_id=a[council],
        )
        session.add(referral)
        session.flush()
        meeting = Meeting(referral_id=referral.id, held_at=now, recorded_by=by)
        session.add(meeting)
        session.flush()
        action = MeetingAction(meeting_id=meeting.id, description=f"action of {key}")
        session.add(action)
        w.referral[key], w.meeting[key] = referral.id, meeting.id
        session.flush()
        w.action[key] = action.id

    # Carers' checks: by each home's provider on the children living there; a force's own check
    # on the child it holds (a parent's call).
    for key, agency in (("N", "P1"), ("S", "P2"), ("X", "P1"), ("H", "F1")):
        check = CarerCheck(
            child_id=children[key].id,
            agency_id=a[agency],
            started_by=by,
            started_at=now - timedelta(minutes=30),
            expected_back=now - timedelta(minutes=40),
            concerns=[],
        )
        session.add(check)
        session.flush()
        w.check[key] = check.id

    # Requests between the forces: the north's (shared, declined, waiting; a break-glass by its
    # officer) and the south's for the child the north holds.
    north, south = a["F1"], a["F2"]
    officer = w.acting(R.police_officer)
    south_officer = w.user[w.username(R.police_officer, "F2")]
    requests = {
        "shared": ("request", "RQ", north, south, officer, "shared", None),
        "declined": ("request", "DQ", north, south, officer, "declined", None),
        "out-request": ("request", "Y", north, south, officer, "requested", None),
        "out-glass": (
            "break_glass",
            "BG",
            north,
            south,
            officer,
            "opened",
            now + timedelta(hours=12),
        ),
        "in-request": ("request", "W", south, north, south_officer, "requested", None),
        "in-glass": (
            "break_glass",
            "W",
            south,
            north,
            south_officer,
            "opened",
            now + timedelta(hours=12),
        ),
    }
    for name, (kind, child, asking, holding, user, status, expires) in requests.items():
        row = RecordRequest(
            kind=kind,
            child_id=children[child].id,
            requesting_agency_id=asking,
            requested_by=user,
            holding_agency_id=holding,
            reason=f"matrix request {name}, with enough words to weigh",
            status=status,
            requested_at=now - timedelta(hours=1),
            expires_at=expires,
        )
        session.add(row)
        session.flush()
        w.request[name] = row.id

    # Notifications: to each agency as a whole, and to each user by name.
    notes = [
        Notification(agency_id=a[key], subject=f"note to all of {key}", created_at=now)
        for key in AGENCIES
    ] + [
        Notification(
            agency_id=a[username.split(".")[1]],
            user_id=user_id,
            subject=note_for(username),
            created_at=now,
        )
        for username, user_id in w.user.items()
    ]
    session.add_all(notes)
    partnership = CharityPartnership(charity_id=a["CH"], force_id=north, recorded_at=now)
    session.add(partnership)
    session.flush()
    w.notification = {n.subject: n.id for n in notes}
    w.task = {key: t.id for key, t in tasks.items()}
    w.partnership = partnership.id
    return w
