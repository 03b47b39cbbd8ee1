"""How the access matrix calls each route of the app on each target of `tenancy_world.py`.

A recipe gives, for one target (a key of the world: "N", "S", "X"...; "ok" for a route with no
record of one side or the other; "absent" for a record that does not exist), the path parameters,
the query and the body (JSON for the API, form fields for a page). A list's recipe makes one call
and names the text that shows each target in the answer (`markers`). What each role should get is
not here: it is the table in test_access_matrix.py.

Recipes only add records the call needs (a fresh closed episode to give an interview to) through
`Ctx.session`; the matrix rolls every call back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.tenancy_world import (
    AGENCIES,
    ASSOCIATE,
    CHILDREN,
    CLOSED,
    COLLEAGUE,
    GROUPS,
    HOMES,
    OPEN,
    PASSWORD,
    REFERRAL,
    TenancyWorld,
    note_for,
)
from misper.app.access import actor_of
from misper.app.audit import service as audit
from misper.app.children.models import Child, ChildPhoto
from misper.app.episodes.models import Episode
from misper.app.users.models import POLICE_ROLES, Role, User

ABSENT = "absent"
MISSING_ID = 999_999


@dataclass
class Ctx:
    session: Session
    world: TenancyWorld
    role: Role

    def pid(self, t: str) -> str:
        return "pid-absent" if t == ABSENT else CHILDREN[t][0]

    def rid(self, t: str) -> str:
        return "ep-absent" if t == ABSENT else OPEN[t][0]

    def back(self, t: str) -> str:
        return "back-absent" if t == ABSENT else CLOSED[t][0]

    @staticmethod
    def id(ids: dict, t: str) -> int:
        return MISSING_ID if t == ABSENT else ids[t]

    def fresh_closed_episode(self, t: str) -> str:
        """A closed episode of child `t` in the force of the area the child lives in, without an
        interview yet."""
        if t == ABSENT:
            return "ep-absent"
        home = CHILDREN[t][4]
        force = HOMES[home][4] if home else CHILDREN[t][3]
        found = datetime.now() - timedelta(hours=2)
        rid = f"fresh-{t.lower()}"
        self.session.add(
            Episode(
                rid=rid,
                child_id=self.world.child[t],
                force_id=self.world.agency[force],
                links_recorded=False,
                associates_recorded=False,
                version=1,
                updated_at=found,
                reported_at=found - timedelta(hours=5),
                found_at=found,
                age=14,
                missing_from_type="home",
            )
        )
        self.session.flush()
        return rid


Call = Callable[[Ctx, str], tuple[dict, dict, dict | None]]


@dataclass(frozen=True)
class Recipe:
    call: Call
    targets: tuple[str, ...] = ("ok",)
    # A list: one call; markers(ctx) names each target's text in the answer.
    markers: Callable[[Ctx], dict[str, str]] | None = None


def when(minutes: int = 0) -> str:
    return f"{datetime.now() + timedelta(minutes=minutes):%Y-%m-%dT%H:%M}"


NONE = lambda c, t: ({}, {}, None)  # noqa: E731
KIDS = ("N", "S", "X", "Y", "H")  # children of every side (identity, profile: SHARED too)
SHARED = ("RQ", "DQ", "BG")  # another force's children: shared, declined, opened by break-glass
EPISODES = ("N", "S", "X", "Y", "H")  # open episodes
POLICE_EPISODES = ("N", "S", "H")  # for routes only the police use: their own, the other force's
BACK = ("N", "S", "X", "Y")  # closed episodes with interviews
INTERVIEWS = ("N", "S", "X", "Y", "U")
REFERRALS = ("N", "S", "X", "Y")
CHECKS = ("N", "S", "X", "H")
TASKS = ("N", "S")
USERS = ("own", "other")
NOTES = ("MINE", "AGENCY", "COLLEAGUE", "OTHER")


def period(c: Ctx, t: str) -> tuple[dict, dict, None]:
    """A dashboard's period: from long before the world to tomorrow."""
    return {}, {"start": "2020-01-01T00:00", "end": when(60 * 24)}, None


def pid(body: dict | None = None, query: dict | None = None) -> Call:
    return lambda c, t: ({"pid": c.pid(t)}, query or {}, body)


def rid(body: dict | Callable | None = None) -> Call:
    return lambda c, t: ({"rid": c.rid(t)}, {}, body(c, t) if callable(body) else body)


def back(body: dict | None = None) -> Call:
    return lambda c, t: ({"rid": c.back(t)}, {}, body)


FAMILY_HOMES = ("N", "S", "X", "Y", "H", "NC")


def from_family_home(body: dict | None = None) -> Call:
    """A fresh closed episode of child `t` from the family home (`Ctx.fresh_closed_episode`); NC
    the north's open episode from its care home."""
    return lambda c, t: (
        {"rid": OPEN["N"][0] if t == "NC" else c.fresh_closed_episode(t)},
        {},
        body,
    )


def keyed(name: str, ids: str, body: dict | Callable | None = None) -> Call:
    """A route naming a record by its id: `ids` the world's map of them."""
    return lambda c, t: (
        {name: c.id(getattr(c.world, ids), t)},
        {},
        body(c, t) if callable(body) else body,
    )


def listed(markers: Callable[[Ctx], dict[str, str]], query: dict | Call | None = None) -> Recipe:
    """A list: one call (`query` its query, or a call giving it)."""
    call = query if callable(query) else lambda c, t: ({}, query or {}, None)
    return Recipe(call, markers=markers)


def with_photo(c: Ctx, t: str) -> tuple[dict, dict, None]:
    """The child `t`, given a photo first (so that an answer of absent is the scope's doing)."""
    if t != ABSENT:
        c.session.add(
            ChildPhoto(
                child_id=c.world.child[t],
                content=b"\xff\xd8 a photo",
                media_type="image/jpeg",
                uploaded_at=datetime.now(),
            )
        )
        c.session.flush()
    return {"pid": c.pid(t)}, {}, None


def pids(*keys: str) -> Callable[[Ctx], dict[str, str]]:
    return lambda c: {k: CHILDREN[k][0] for k in keys}


def rids(table: dict, *keys: str) -> Callable[[Ctx], dict[str, str]]:
    return lambda c: {k: table[k][0] for k in keys}


def notes(c: Ctx) -> dict[str, str]:
    """The notifications a user may find: addressed to them, to their agency as a whole, to a
    colleague by name, and to the agency of the same kind in the south."""
    me = c.world.username(c.role)
    agency = me.split(".")[1]
    south = {"F1": "F2", "C1": "C2", "P1": "P2", "R1": "R2", "CH": "F2"}[agency]
    return {
        "MINE": note_for(me),
        "AGENCY": f"note to all of {agency}",
        "COLLEAGUE": note_for(COLLEAGUE[c.role]),
        "OTHER": f"note to all of {south}",
    }


def note_id(c: Ctx, t: str) -> dict:
    return {"notification_id": MISSING_ID if t == ABSENT else c.world.notification[notes(c)[t]]}


def user_of(c: Ctx, t: str) -> str:
    return {"own": "police_officer.F1", "other": "police_officer.F2", ABSENT: "nobody"}[t]


def new_user(c: Ctx, t: str) -> dict:
    agency = {"own": AGENCIES["F1"][0], "other": AGENCIES["F2"][0], ABSENT: "No Such Agency"}
    return {"username": f"new-{t}", "role": "police_officer", "agency": agency[t]}


def back_home(c: Ctx, t: str) -> None:
    """Child `t` found from its open episode first: a child already missing is reported only once
    (the answer to a second report is tested in test_episode_merge.py)."""
    if t in CHILDREN:
        c.session.execute(
            update(Episode)
            .where(Episode.child_id == c.world.child[t], Episode.found_at.is_(None))
            .values(found_at=Episode.reported_at)
        )
        c.session.flush()


def found_first(call: Call) -> Call:
    """`call`, the child `t` found from its open episode first (`back_home`)."""

    def first_found(c: Ctx, t: str):
        back_home(c, t)
        return call(c, t)

    return first_found


def second_report(c: Ctx, t: str) -> dict:
    """Another open report of episode `t`'s child, by the same force: the one to merge."""
    if t == ABSENT:
        return {"other_rid": "dup-absent"}
    _rid, child, force, _reporter, _home = OPEN[t]
    c.session.add(
        Episode(
            rid=f"dup-{t}",
            child_id=c.world.child[child],
            force_id=c.world.agency[force],
            links_recorded=False,
            associates_recorded=False,
            updated_at=datetime.now(),
            reported_at=datetime.now() - timedelta(minutes=5),
            age=14,
            missing_from_type="home",
        )
    )
    c.session.flush()
    return {"other_rid": f"dup-{t}"}


def report(c: Ctx, t: str) -> dict:
    """A report of child `t` (by details for "new"), as the role reports: care staff from the
    home, the police from wherever it was."""
    back_home(c, t)
    where = "care_home" if c.role is Role.care_staff else "home"
    fields = {"reported_at": when(-10), "missing_from_type": where}
    if t == "new":
        return {"child": {"name": "Newly Reported", "date_of_birth": "2010-02-03"}, **fields}
    return {"pid": c.pid(t), **fields}


def check_start(c: Ctx, t: str) -> dict:
    if t == "new":
        return {"child": {"name": "Newly Reported", "date_of_birth": "2010-02-03"}, **_back()}
    return {"pid": c.pid(t), **_back()}


def _back() -> dict:
    return {"expected_back": when(-30)}


def police_field(call: Call, fields: dict) -> Call:
    """`call`, and for the target "PF" the same on the north's episode writing a police field."""
    return lambda c, t: (
        ({"rid": c.rid("N")}, {}, {**call(c, "N")[2], **fields}) if t == "PF" else call(c, t)
    )


def episode_change(c: Ctx, t: str) -> dict:
    # A field each reporting role writes: the harm is the police's, the found notes a carer's too.
    return {"version": 1} | (
        {"harm": "none"} if c.role in POLICE_ROLES else {"found_text": "back at the home"}
    )


def rivals(c: Ctx, t: str) -> tuple[dict, dict, dict]:
    """Own group with own rival; the south's pair; own group with the south's group as rival;
    an unknown group with own rival."""
    first, second = {
        "N": (GROUPS["F1"][0], GROUPS["F1"][1]),
        "S": (GROUPS["F2"][0], GROUPS["F2"][1]),
        "NS": (GROUPS["F1"][0], GROUPS["F2"][0]),
        ABSENT: (None, GROUPS["F1"][1]),
    }[t]
    group = MISSING_ID if first is None else c.world.group[first]
    return {"group_id": group}, {}, {"rival_id": c.world.group[second]}


def changed_child(c: Ctx, t: str) -> int:
    """Child `t`'s id, its record changed once so that it has a history."""
    if t == ABSENT:
        return MISSING_ID
    c.session.get(Child, c.world.child[t]).ethnic_appearance = "changed by the matrix"
    c.session.flush()
    return c.world.child[t]


# An audit event by an officer of the admin's force and one by an officer of the other force.
EVENTS = {"own": "event-of-north", "other": "event-of-south"}


def audit_events(c: Ctx, t: str) -> tuple[dict, dict, None]:
    """Records the two events of `EVENTS` (rolled back with the call) before listing."""
    for key, force in (("own", "F1"), ("other", "F2")):
        user = c.session.get(User, c.world.user[c.world.username(Role.police_officer, force)])
        audit.record(c.session, actor_of(user), "read", "child", EVENTS[key])
    return {}, {}, None


def request_id(kind: str) -> Call:
    """A waiting request (or opening) of the south about the north's child ("IN"), or the north's
    own to the south ("OUT")."""
    return lambda c, t: (
        {"request_id": MISSING_ID if t == ABSENT else c.world.request[f"{t.lower()}-{kind}"]},
        {},
        {"answer": "share"} if kind == "request" else {},
    )


def withdrawal(c: Ctx, t: str) -> tuple[dict, dict, dict]:
    """Withdrawing a share: of the south's waiting request (IN: not shared, so 409) or of the
    north's own request to the south (OUT)."""
    path, query, _ = request_id("request")(c, t)
    return path, query, {}


JUSTIFICATION = "found alone at the station at night, needs her care plan now"
RHI_RECORD = {"version": 1, "offered": True, "findings": {"reason_codes": ["curfew"]}}

API: dict[str, Recipe] = {
    "GET /api/me": Recipe(NONE),
    # Agencies and users.
    "GET /api/agencies": Recipe(NONE),
    "POST /api/agencies": Recipe(lambda c, t: ({}, {}, {"name": "New Agency", "kind": "charity"})),
    "GET /api/users": listed(lambda c: {"own": "police_officer.F1", "other": "police_officer.F2"}),
    "POST /api/users": Recipe(lambda c, t: ({}, {}, new_user(c, t)), USERS),
    "POST /api/users/{username}/disable": Recipe(
        lambda c, t: ({"username": user_of(c, t)}, {}, None), USERS
    ),
    "POST /api/users/{username}/reset": Recipe(
        lambda c, t: ({"username": user_of(c, t)}, {}, {}), USERS
    ),
    "GET /api/homes": listed(lambda c: {"NH": "North House", "SH": "South House"}),
    "POST /api/homes": Recipe(
        lambda c, t: (
            {},
            {},
            {
                "name": "New House",
                "place_id": "place-new",
                "provider_id": c.world.agency["P1"],
                "host_council_id": c.world.agency["C1"],
                "police_force_id": c.world.agency["F1"],
            },
        )
    ),
    # Children and their placements and profiles.
    "GET /api/children": listed(pids(*KIDS, *SHARED, "W")),
    "POST /api/children": Recipe(lambda c, t: ({}, {}, {"name": "New Child"})),
    "GET /api/children/{pid}": Recipe(pid(query={"reason": "matrix test"}), (*KIDS, *SHARED)),
    "PATCH /api/children/{pid}": Recipe(pid({"ethnic_appearance": "White British"}), KIDS),
    "GET /api/children/{pid}/placements": Recipe(pid(), (*KIDS, "RQ", "BG")),
    "POST /api/placements": Recipe(
        lambda c, t: (
            {},
            {},
            {"pid": c.pid(t), "home_id": c.world.home["H1"], "start_date": "2024-06-01"},
        ),
        KIDS,
    ),
    "PATCH /api/placements/{placement_id}": Recipe(
        keyed("placement_id", "placement", {"end_date": "2024-02-01"}), ("N", "S", "X", "Y")
    ),
    "GET /api/placement-check": Recipe(
        lambda c, t: ({}, {"pid": c.pid(t), "home_id": c.world.home["H1"]}, None), KIDS
    ),
    "GET /api/children/{pid}/philomena": Recipe(pid(), (*KIDS, *SHARED)),
    "POST /api/children/{pid}/philomena": Recipe(
        pid({"description": "short hair"}), (*KIDS, "RQ", "BG")
    ),
    "GET /api/children/{pid}/timeline": Recipe(pid(), KIDS),
    "GET /api/children/{pid}/groups": Recipe(pid(), KIDS),
    "POST /api/children/{pid}/groups": Recipe(
        lambda c, t: (
            {"pid": c.pid(t)},
            {},
            {"group_id": c.world.group[GROUPS["F1"][1]], "note": "seen with members"},
        ),
        KIDS,
    ),
    # Episodes.
    "GET /api/episodes": listed(rids(OPEN, *EPISODES, "RQ", "BG")),
    "POST /api/episodes": Recipe(lambda c, t: ({}, {}, report(c, t)), (*KIDS, "RQ", "BG", "new")),
    "GET /api/episodes/{rid}": Recipe(rid(), (*EPISODES, "RQ", "BG")),
    "PATCH /api/episodes/{rid}": Recipe(
        police_field(rid(episode_change), {"arrested_while_missing": False}), (*EPISODES, "PF")
    ),
    "POST /api/episodes/{rid}/merge": Recipe(rid(second_report), EPISODES),
    "POST /api/episodes/{rid}/close": Recipe(
        police_field(
            rid(lambda c, t: {"version": 1, "found_at": when(-1)}), {"found_by": "police"}
        ),
        (*EPISODES, "PF"),
    ),
    "GET /api/episodes/{rid}/risk-assessments": Recipe(rid(), EPISODES),
    "POST /api/episodes/{rid}/risk-assessments": Recipe(rid({"level": "high"}), POLICE_EPISODES),
    "GET /api/episodes/{rid}/decisions": Recipe(rid(), POLICE_EPISODES),
    "POST /api/episodes/{rid}/decisions": Recipe(rid({"decision": "deploy"}), POLICE_EPISODES),
    "GET /api/episodes/{rid}/tasks": Recipe(rid(), POLICE_EPISODES),
    "POST /api/episodes/{rid}/tasks": Recipe(rid({"description": "visit friend"}), POLICE_EPISODES),
    "GET /api/episodes/{rid}/updates": Recipe(rid(), EPISODES),
    "POST /api/episodes/{rid}/updates": Recipe(
        rid({"kind": "update", "text": "called the school"}), EPISODES
    ),
    "GET /api/episodes/{rid}/associations": Recipe(rid(), POLICE_EPISODES),
    "POST /api/episodes/{rid}/associations": Recipe(
        rid({"associate_id": "adult-1", "kind": "person"}), POLICE_EPISODES
    ),
    "GET /api/episodes/{rid}/triage": Recipe(rid(), POLICE_EPISODES),
    "POST /api/episodes/{rid}/triage/risk-assessments": Recipe(
        rid({"level": "high", "factors": ["cse"], "rationale": "matrix"}), POLICE_EPISODES
    ),
    "GET /api/episodes/{rid}/task-progress": Recipe(rid(), POLICE_EPISODES),
    "GET /api/episodes/{rid}/prevention-interview": Recipe(back(), BACK),
    "PUT /api/episodes/{rid}/prevention-interview": Recipe(back({"outcome": "done"}), BACK),
    "GET /api/episodes/{rid}/prevention-findings": Recipe(back(), BACK),
    "PUT /api/episodes/{rid}/prevention-findings": Recipe(
        back({"outcome": "done", "findings": {"where": ["park"]}, "for_intelligence": ["where"]}),
        BACK,
    ),
    # Tasks.
    "PATCH /api/tasks/{task_id}": Recipe(keyed("task_id", "task", {"done": True}), TASKS),
    "POST /api/tasks/{task_id}/assign": Recipe(
        keyed("task_id", "task", {"username": "police_officer.F1"}), TASKS
    ),
    "POST /api/tasks/{task_id}/complete": Recipe(
        keyed("task_id", "task", {"contributed": True}), TASKS
    ),
    "POST /api/tasks/{task_id}/not-needed": Recipe(
        keyed("task_id", "task", {"reason": "done by the home already"}), TASKS
    ),
    "GET /api/task-review": Recipe(NONE),
    # The carer's flowchart.
    "POST /api/checks": Recipe(lambda c, t: ({}, {}, check_start(c, t)), (*KIDS, "new")),
    "GET /api/checks/{check_id}": Recipe(keyed("check_id", "check"), CHECKS),
    "POST /api/checks/{check_id}/steps": Recipe(
        keyed(
            "check_id",
            "check",
            lambda c, t: {"step": "call_child", "result": "no_contact", "at": when(-5)},
        ),
        CHECKS,
    ),
    "PUT /api/checks/{check_id}/concerns": Recipe(
        keyed("check_id", "check", {"concerns": ["needs_medication"]}), CHECKS
    ),
    "POST /api/checks/{check_id}/report": Recipe(found_first(keyed("check_id", "check")), CHECKS),
    # Groups.
    "GET /api/groups": listed(lambda c: {"N": GROUPS["F1"][0], "S": GROUPS["F2"][0]}),
    "POST /api/groups": Recipe(lambda c, t: ({}, {}, {"name": "crew-new", "area": "Town"})),
    "POST /api/groups/{group_id}/rivals": Recipe(rivals, ("N", "S", "NS")),
    # Interviews after the episode.
    "GET /api/return-home-interviews": listed(rids(CLOSED, *INTERVIEWS)),
    "POST /api/return-home-interviews": Recipe(
        lambda c, t: (
            {},
            {},
            {"rid": c.fresh_closed_episode(t), "provider_id": c.world.agency["R1"]},
        ),
        ("N", "S", "X", "Y"),
    ),
    "GET /api/return-home-interviews/{rhi_id}": Recipe(keyed("rhi_id", "rhi"), INTERVIEWS),
    "PATCH /api/return-home-interviews/{rhi_id}": Recipe(
        keyed("rhi_id", "rhi", {"version": 1, "interviewer": "A. Interviewer"}), INTERVIEWS
    ),
    "GET /api/rhi-clock": listed(rids(CLOSED, *INTERVIEWS)),
    "GET /api/rhi-clock/{rhi_id}": Recipe(keyed("rhi_id", "rhi"), INTERVIEWS),
    "POST /api/rhi-clock/{rhi_id}/arrange": Recipe(
        keyed(
            "rhi_id",
            "rhi",
            lambda c, t: {
                "interviewer_kind": "independent_provider",
                "provider_id": c.world.agency["R1"],
            },
        ),
        INTERVIEWS,
    ),
    "POST /api/rhi-clock/{rhi_id}/take-on": Recipe(
        keyed("rhi_id", "rhi", {"agreement": "agreed by email"}), INTERVIEWS
    ),
    "POST /api/rhi-clock/{rhi_id}/record": Recipe(keyed("rhi_id", "rhi", RHI_RECORD), INTERVIEWS),
    # Referrals.
    "GET /api/referrals": listed(lambda c: {k: REFERRAL[k] for k in REFERRALS}),
    "POST /api/referrals": Recipe(
        lambda c, t: ({}, {}, {"pid": c.pid(t), "meeting": "marm", "reason": "repeat"}), KIDS
    ),
    "GET /api/referrals/{referral_id}": Recipe(keyed("referral_id", "referral"), REFERRALS),
    "PATCH /api/referrals/{referral_id}": Recipe(
        keyed("referral_id", "referral", {"outcome": "safety plan"}), REFERRALS
    ),
    "GET /api/referrals/{referral_id}/meetings": Recipe(
        keyed("referral_id", "referral"), REFERRALS
    ),
    "POST /api/referrals/{referral_id}/meetings": Recipe(
        keyed("referral_id", "referral", lambda c, t: {"held_at": when(-1)}), REFERRALS
    ),
    "POST /api/meetings/{meeting_id}/actions": Recipe(
        keyed("meeting_id", "meeting", {"description": "safety plan"}), REFERRALS
    ),
    "POST /api/meeting-actions/{action_id}/done": Recipe(
        keyed("action_id", "action", {"outcome": "done"}), REFERRALS
    ),
    # Notifications.
    "GET /api/notifications": listed(notes),
    "POST /api/notifications/{notification_id}/read": Recipe(
        lambda c, t: (note_id(c, t), {}, None), NOTES
    ),
    "POST /api/notifications/read-all": Recipe(NONE),
    # Reaching another force's child.
    "POST /api/record-requests": Recipe(
        lambda c, t: ({}, {}, {"pid": c.pid(t), "reason": "matrix"}), ("S", "DQ", "Y", "N", "H")
    ),
    "GET /api/record-requests/outgoing": listed(pids("RQ", "DQ", "BG", "Y", "W")),
    "GET /api/record-requests/incoming": listed(pids("W", "RQ", "Y")),
    "POST /api/record-requests/{request_id}/answer": Recipe(request_id("request"), ("IN", "OUT")),
    "POST /api/record-requests/{request_id}/withdraw": Recipe(withdrawal, ("IN", "OUT")),
    "POST /api/break-glass": Recipe(
        lambda c, t: ({}, {}, {"pid": c.pid(t), "justification": JUSTIFICATION}), ("S", "N")
    ),
    "GET /api/break-glass": listed(pids("W", "BG")),
    "POST /api/break-glass/{request_id}/review": Recipe(request_id("glass"), ("IN", "OUT")),
    # Audit, export, charity.
    "GET /api/audit": listed(lambda c: EVENTS, audit_events),
    "GET /api/audit/verify": Recipe(NONE),
    "GET /api/audit/history": Recipe(
        lambda c, t: ({}, {"table": "children", "row_id": str(changed_child(c, t))}, None),
        ("H", "N", "S"),
    ),
    "GET /api/export": listed(lambda c: {"F1": "AL1 1", "F2": "SG1 1"}),
    "GET /api/charity-partnerships": Recipe(NONE),
    "POST /api/charity-partnerships": Recipe(
        lambda c, t: (
            {},
            {},
            {"charity_id": c.world.agency["CH"], "force_id": c.world.agency["F2"]},
        )
    ),
    "DELETE /api/charity-partnerships/{partnership_id}": Recipe(
        lambda c, t: ({"partnership_id": c.world.partnership}, {}, None)
    ),
    "GET /api/emerging-frequent": listed(lambda c: {"F1": "North Police", "F2": "South Police"}),
    # Dashboards.
    "GET /api/dashboards/open-episodes": listed(rids(OPEN, *EPISODES)),
    "GET /api/dashboards/frequently-missing": Recipe(NONE),
    "GET /api/dashboards/rhi-compliance": Recipe(NONE),
    "GET /api/dashboards/care-homes": listed(
        lambda c: {"NH": "North House", "SH": "South House"}, period
    ),
    "GET /api/dashboards/hotspots": Recipe(period),
    "GET /api/dashboards/network": Recipe(NONE),
}


def second_factor(c: Ctx, t: str) -> dict:
    secret = pyotp.random_base32()
    return {"secret": secret, "password": PASSWORD, "code": pyotp.TOTP(secret).at(time.time())}


def referral_and(name: str, ids: str, form: dict) -> Call:
    """A page under a referral naming one of its meetings or actions: the target's own."""
    return lambda c, t: (
        {"referral_id": c.id(c.world.referral, t), name: c.id(getattr(c.world, ids), t)},
        {},
        form,
    )


PAGES: dict[str, Recipe] = {
    "GET /": Recipe(NONE),
    "GET /account/password": Recipe(NONE),
    "POST /account/password": Recipe(
        lambda c, t: (
            {},
            {},
            {
                "current_password": PASSWORD,
                "new_password": "a fresh matrix sentence",
                "confirm": "a fresh matrix sentence",
            },
        )
    ),
    "GET /account/second-factor": Recipe(NONE),
    "POST /account/second-factor": Recipe(lambda c, t: ({}, {}, second_factor(c, t))),
    "GET /notifications": listed(notes),
    "GET /notifications/{notification_id}": Recipe(lambda c, t: (note_id(c, t), {}, None), NOTES),
    "POST /notifications/{notification_id}/read": Recipe(
        lambda c, t: (note_id(c, t), {}, {}), NOTES
    ),
    "POST /notifications/read-all": Recipe(lambda c, t: ({}, {}, {})),
    "GET /account/notifications": Recipe(NONE),
    "POST /account/notifications": Recipe(
        lambda c, t: ({}, {}, {"frequency": "daily", "email": "matrix@example.org"})
    ),
    # Children.
    "GET /children": listed(pids(*KIDS, *SHARED, "W")),
    "GET /children/{pid}/profile": Recipe(pid(), (*KIDS, *SHARED)),
    "POST /children/{pid}/profile": Recipe(
        pid({"description": "short hair", "agreed_wait_minutes": ""}), (*KIDS, "RQ", "BG")
    ),
    "GET /children/{pid}/timeline": Recipe(pid(), KIDS),
    "GET /children/{pid}/photo": Recipe(with_photo, (*KIDS, *SHARED)),
    "GET /children/{pid}/not-here": Recipe(lambda c, t: ({"pid": c.pid("N")}, {}, None)),
    "POST /children/{pid}/not-here": Recipe(pid(_back()), KIDS),
    "GET /not-here": Recipe(NONE),
    "POST /not-here": Recipe(
        lambda c, t: ({}, {}, {"name": "Newly Reported", "date_of_birth": "2010-02-03", **_back()})
    ),
    "GET /checks/{check_id}": Recipe(keyed("check_id", "check"), CHECKS),
    "POST /checks/{check_id}/steps": Recipe(
        keyed(
            "check_id",
            "check",
            lambda c, t: {"step": "call_child", "result": "no_contact", "at": when(-5)},
        ),
        CHECKS,
    ),
    "POST /checks/{check_id}/concerns": Recipe(
        keyed("check_id", "check", {"concerns": "needs_medication"}), CHECKS
    ),
    "POST /checks/{check_id}/report": Recipe(keyed("check_id", "check"), CHECKS),
    # Episodes, the control room, triage and tasks.
    "GET /episodes": listed(rids(OPEN, *EPISODES, "RQ", "BG"), {"status": "all"}),
    "GET /episodes/{rid}": Recipe(rid(), (*EPISODES, "RQ", "BG")),
    "POST /episodes/{rid}/updates": Recipe(
        rid({"kind": "update", "text": "called the school"}), EPISODES
    ),
    "GET /episodes/{rid}/close": Recipe(rid(), EPISODES),
    "POST /episodes/{rid}/merge": Recipe(rid(second_report), EPISODES),
    "POST /episodes/{rid}/close": Recipe(
        police_field(
            rid(lambda c, t: {"version": "1", "found_at": when(-1)}), {"found_by": "police"}
        ),
        (*EPISODES, "PF"),
    ),
    "GET /episodes/{rid}/prevention": Recipe(back(), BACK),
    "POST /episodes/{rid}/prevention": Recipe(back({"outcome": "done", "where": "park"}), BACK),
    "GET /episodes/{rid}/advice": Recipe(from_family_home(), FAMILY_HOMES),
    "POST /episodes/{rid}/advice/printed": Recipe(from_family_home(), FAMILY_HOMES),
    "POST /episodes/{rid}/advice/email": Recipe(
        from_family_home({"email": "parent@example.org"}), FAMILY_HOMES
    ),
    "GET /episodes/{rid}/briefing": Recipe(rid(), EPISODES),
    "GET /control-room": listed(rids(OPEN, "N", "S")),
    "GET /triage/{rid}": Recipe(rid(), POLICE_EPISODES),
    "POST /triage/{rid}/risk": Recipe(
        rid({"level": "high", "factors": "cse", "rationale": "matrix"}), POLICE_EPISODES
    ),
    "POST /triage/{rid}/decision": Recipe(
        rid({"decision": "deploy", "rationale": "matrix"}), POLICE_EPISODES
    ),
    "POST /tasks/{task_id}": Recipe(
        keyed(
            "task_id",
            "task",
            lambda c, t: {"rid": c.rid("N" if t == ABSENT else t), "action": "helped"},
        ),
        TASKS,
    ),
    "GET /task-review": Recipe(NONE),
    # Groups.
    "GET /groups": listed(lambda c: {"N": GROUPS["F1"][0], "S": GROUPS["F2"][0]}),
    "POST /groups": Recipe(lambda c, t: ({}, {}, {"name": "crew-new", "area": "Town"})),
    "POST /groups/rivalries": Recipe(
        lambda c, t: (
            {},
            {},
            {k: str(v) for k, v in {**rivals(c, t)[0], **rivals(c, t)[2]}.items()},
        ),
        ("N", "S", "NS"),
    ),
    "POST /groups/links": Recipe(
        lambda c, t: (
            {},
            {},
            {"pid": c.pid(t), "link_group_id": str(c.world.group[GROUPS["F1"][1]])},
        ),
        KIDS,
    ),
    # The council's placement check.
    "GET /placement-check": Recipe(
        lambda c, t: ({}, {"pid": c.pid(t), "home": HOMES["H1"][1]}, None), KIDS
    ),
    # Interviews and referrals.
    "GET /interviews": listed(pids("N", "S", "X", "Y")),
    "GET /interviews/{rhi_id}/record": Recipe(keyed("rhi_id", "rhi"), INTERVIEWS),
    "POST /interviews/{rhi_id}/record": Recipe(
        keyed("rhi_id", "rhi", {"version": "1", "offered": "1", "reason_codes": "curfew"}),
        INTERVIEWS,
    ),
    "GET /referrals": listed(lambda c: {k: REFERRAL[k] for k in REFERRALS}),
    "GET /referrals/{referral_id}": Recipe(keyed("referral_id", "referral"), REFERRALS),
    "POST /referrals/{referral_id}/outcome": Recipe(
        keyed("referral_id", "referral", {"outcome": "safety plan"}), REFERRALS
    ),
    "POST /referrals/{referral_id}/meetings": Recipe(
        keyed("referral_id", "referral", lambda c, t: {"held_at": when(-1)}), REFERRALS
    ),
    "POST /referrals/{referral_id}/meetings/{meeting_id}/actions": Recipe(
        referral_and("meeting_id", "meeting", {"description": "safety plan"}), REFERRALS
    ),
    "POST /referrals/{referral_id}/actions/{action_id}/done": Recipe(
        referral_and("action_id", "action", {"outcome": "done"}), REFERRALS
    ),
    # Reaching another force's child: the holding force's pages.
    "GET /record-requests": listed(pids("W", "RQ", "Y")),
    "POST /record-requests/{request_id}/answer": Recipe(request_id("request"), ("IN", "OUT")),
    "POST /record-requests/{request_id}/withdraw": Recipe(withdrawal, ("IN", "OUT")),
    "GET /break-glass": listed(pids("W", "BG")),
    "POST /break-glass/{request_id}/review": Recipe(request_id("glass"), ("IN", "OUT")),
    # Dashboards.
    "GET /dashboards": Recipe(NONE),
    "GET /dashboards/open": listed(rids(OPEN, *EPISODES)),
    "GET /dashboards/frequent": Recipe(NONE),
    "GET /dashboards/interviews": listed(pids("N", "S", "X", "Y")),
    "GET /dashboards/care-homes": listed(lambda c: {"NH": "North House", "SH": "South House"}),
    "GET /dashboards/hotspots": Recipe(NONE),
    "GET /dashboards/network": Recipe(NONE),
    # Administration, audit, exports, the charity.
    "GET /users": listed(lambda c: {"own": "police_officer.F1", "other": "police_officer.F2"}),
    "POST /users": Recipe(lambda c, t: ({}, {}, new_user(c, t)), USERS),
    "POST /users/{username}/disable": Recipe(
        lambda c, t: ({"username": user_of(c, t)}, {}, None), USERS
    ),
    "POST /users/{username}/reset": Recipe(
        lambda c, t: ({"username": user_of(c, t)}, {}, None), USERS
    ),
    "GET /audit": listed(lambda c: EVENTS, audit_events),
    "GET /audit/verify": listed(lambda c: EVENTS, audit_events),
    "GET /exports": Recipe(NONE),
    "GET /exports/incidents.csv": listed(lambda c: {"F1": "AL1 1", "F2": "SG1 1"}),
    "GET /charity-partnerships": Recipe(NONE),
    "POST /charity-partnerships": Recipe(
        lambda c, t: (
            {},
            {},
            {"charity_id": str(c.world.agency["CH"]), "force_id": str(c.world.agency["F2"])},
        )
    ),
    "POST /charity-partnerships/{partnership_id}/end": Recipe(
        lambda c, t: ({"partnership_id": c.world.partnership}, {}, None)
    ),
    "GET /emerging-frequent": listed(lambda c: {"F1": "North Police", "F2": "South Police"}),
}

RECIPES = {**API, **PAGES}

# What names the south's records: no north user reads it, unless the table says the role reaches
# that record on that route (test_access_matrix.NEVER adds what each role never reads anywhere).
SOUTH_ONLY = (
    CHILDREN["S"][0],
    CHILDREN["S"][1],
    OPEN["S"][0],
    CLOSED["S"][0],
    ASSOCIATE["F2"],
    GROUPS["F2"][0],
    REFERRAL["S"],
)
