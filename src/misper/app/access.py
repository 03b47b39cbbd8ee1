"""Who may see what: the one place deciding it. Services apply these rules inside their queries.

Two layers. `PERMISSIONS` says which roles may do an action on a kind of record at all; a role
without it gets 403 for every record alike, so the answer reveals nothing. The scope functions
say which records of that kind the actor's agency may see; a record outside the scope answers 404,
exactly as one that does not exist. Below them, `FIELD_WRITERS` says who may write each field of a
case record; and every other question a service would ask of a role has a named function here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from misper.app.agencies.models import Agency, AgencyKind
from misper.app.audit.models import AuditEvent
from misper.app.charity.models import CharityPartnership
from misper.app.children.models import Child, RecordRequest
from misper.app.db import Base
from misper.app.episodes.models import Associate, Episode
from misper.app.errors import Conflict, FieldForbidden, Forbidden, NotFound
from misper.app.escalation.models import Referral
from misper.app.flowchart.models import CarerCheck
from misper.app.groups.models import Group
from misper.app.interviews.models import ReturnHomeInterview
from misper.app.notifications.models import Notification
from misper.app.placements.models import Home, Placement
from misper.app.users.models import COUNCIL_ROLES, POLICE_ROLES, Role, User

R = Role
ALL = frozenset(Role)
CARE = frozenset({R.care_staff})
POLICE = POLICE_ROLES
COUNCIL = COUNCIL_ROLES
RHI = frozenset({R.rhi_worker})
CHARITY = frozenset({R.charity_worker})
CASE = CARE | POLICE | COUNCIL  # roles that work on children's cases
POLICE_LEADS = frozenset({R.police_mispers, R.police_control_room})

PERMISSIONS: dict[str, dict[str, frozenset[Role]]] = {
    "agencies": {"list": ALL, "create": frozenset({R.admin})},
    "users": {
        "list": frozenset({R.admin}),
        "create": frozenset({R.admin}),
        "update": frozenset({R.admin}),
    },
    "homes": {"list": CASE | {R.admin}, "create": frozenset({R.admin})},
    "children": {"list": CASE, "read": CASE, "create": COUNCIL, "update": COUNCIL},
    # A child's timeline: for case work, and for the return home interview provider whose
    # interviews list the child (only what each part's own permission and scope let it see).
    "timelines": {"read": CASE | RHI},
    # Who the child is (name, age, photo) on the pages of the work: for case work, and for the
    # return home interview provider arranging its interviews (`identified_children` says whose).
    "child_identity": {"read": CASE | RHI},
    "placements": {"list": CASE, "create": COUNCIL, "update": COUNCIL},
    "philomena": {"read": CASE, "create": CASE},
    "episodes": {
        "list": CASE,
        "read": CASE,
        "create": CARE | POLICE,
        "update": CARE | POLICE,
        # Two reports of one absence made one: the control room and the missing persons team.
        "merge": POLICE_LEADS,
    },
    "risk_assessments": {"list": CASE, "create": POLICE},
    # Police intelligence and operations: not for care homes or councils.
    "decisions": {"list": POLICE, "create": POLICE_LEADS},
    "tasks": {"list": POLICE, "create": POLICE, "update": POLICE},
    "associations": {"list": POLICE, "create": POLICE},
    # Groups (gangs, peer groups), their rivalries and children's links to them: police
    # intelligence. The council's placement check learns only that a rival-group link exists.
    "groups": {"list": POLICE, "create": POLICE},
    "group_affiliations": {"list": POLICE, "create": POLICE},
    "updates": {"list": CASE, "create": CASE},
    "prevention_interviews": {"read": POLICE | COUNCIL, "create": POLICE},
    "return_home_interviews": {
        "list": COUNCIL | RHI | POLICE,
        "read": COUNCIL | RHI | POLICE,
        "create": COUNCIL,
        "update": COUNCIL | RHI,
    },
    "referrals": {
        "list": COUNCIL | {R.police_mispers},
        "create": COUNCIL | {R.police_mispers},
        "update": COUNCIL | {R.police_mispers},
    },
    "notifications": {"list": ALL, "update": ALL},
    "audit": {"list": frozenset({R.admin})},
    "export": {"read": frozenset({R.analyst})},
    # A missing-persons charity: its partner forces' emerging-frequent list (pseudonymous ids and
    # why each child is listed), never a name, a date of birth or any other case content.
    "charity_partnerships": {
        "list": CHARITY | {R.admin},
        "create": frozenset({R.admin}),
        "delete": frozenset({R.admin}),
    },
    "partner_emerging": {"list": CHARITY},
}

# Reading a child's full record (name, date of birth), or a list naming children, needs a stated
# reason from these roles: they see children of other agencies, and the reason is what an auditor
# will ask for. Without one a list shows pseudonymous ids only (`names_shown`).
REASON_REQUIRED = POLICE | {R.analyst}


@dataclass(frozen=True)
class Actor:
    """The authenticated caller, as every service function receives it."""

    user_id: int
    username: str
    role: Role
    agency_id: int
    agency_kind: str


def allowed(role: Role, resource: str, action: str) -> bool:
    return role in PERMISSIONS[resource][action]


def require(actor: Actor, resource: str, action: str) -> None:
    if not allowed(actor.role, resource, action):
        raise Forbidden(f"{resource}.{action}")


def reason_required(actor: Actor) -> bool:
    return actor.role in REASON_REQUIRED


def _placed_with(child_id, home_filter: ColumnElement[bool]) -> ColumnElement[bool]:
    """The child (a correlated column) lives now in a home matching `home_filter`."""
    return (
        select(Placement.id)
        .join(Home, Home.id == Placement.home_id)
        .where(Placement.child_id == child_id, home_filter, Placement.end_date.is_(None))
        .correlate_except(Placement, Home)
        .exists()
    )


# Scopes are EXISTS on the record's own keys, so the database looks up one child's rows by index
# instead of building the whole area's list for every read. Each names its own table
# (correlate_except) so that it stays whole inside a query that already joins that table.
def children(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `Child`: the children whose record the actor's agency may see. Care staff:
    those living now in their provider's homes. A force: its own records, the children living
    in its area and those with an episode of the force. A council: the children it is
    responsible for, its own records and those living in its area."""
    if actor.role in CARE:
        return _placed_with(Child.id, Home.provider_id == actor.agency_id)
    if actor.role in POLICE:
        # The force's own records, the children living in its area, and those with an episode of
        # the force: a force opens an episode only for a child already in this scope, or for a
        # record of its own (`may_report_new_child`), so reporting never widens it.
        return or_(
            Child.agency_id == actor.agency_id,
            select(Episode.id)
            .where(Episode.child_id == Child.id, Episode.force_id == actor.agency_id)
            .correlate_except(Episode)
            .exists(),
            _placed_with(Child.id, Home.police_force_id == actor.agency_id),
        )
    if actor.role in COUNCIL:
        return or_(
            Child.responsible_council_id == actor.agency_id,
            Child.agency_id == actor.agency_id,
            _placed_with(Child.id, Home.host_council_id == actor.agency_id),
        )
    return false()


def profiles(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `Child`: whose Philomena profile the actor may read and maintain."""
    if actor.role in POLICE:
        open_here = (
            select(Episode.id)
            .where(
                Episode.child_id == Child.id,
                Episode.force_id == actor.agency_id,
                Episode.found_at.is_(None),
            )
            .correlate_except(Episode)
            .exists()
        )
        return or_(open_here, _placed_with(Child.id, Home.police_force_id == actor.agency_id))
    return children(actor)


def episodes(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `Episode`. Care staff: those their agency reported and those of the
    children living in its homes. A force: its own. A council: those of the children in its
    scope (`children`). An analyst: their agency's (a force's own, a council's children's)."""
    if actor.role in CARE:
        return or_(
            Episode.reported_by_agency_id == actor.agency_id,
            _placed_with(Episode.child_id, Home.provider_id == actor.agency_id),
        )
    if actor.role in POLICE:
        return Episode.force_id == actor.agency_id
    if actor.role in COUNCIL:
        return (
            select(Child.id)
            .where(Child.id == Episode.child_id, children(actor))
            .correlate_except(Child)
            .exists()
        )
    if actor.role is R.analyst:
        return _analyst_episodes(actor)
    return false()


def _analyst_episodes(actor: Actor) -> ColumnElement[bool]:
    # An analyst works on their own agency's data: the force area, or the council's children.
    if actor.agency_kind == "police":
        return Episode.force_id == actor.agency_id
    council = Actor(
        actor.user_id,
        actor.username,
        R.council_missing_coordinator,
        actor.agency_id,
        actor.agency_kind,
    )
    return episodes(council)


def return_home_interviews(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `ReturnHomeInterview`. A provider: those given to it. A council: those of
    the episodes in its scope. The police: those of their force's episodes that the interviewer
    shared with them."""
    if actor.role in RHI:
        return ReturnHomeInterview.provider_id == actor.agency_id
    in_scope = (
        select(Episode.id)
        .where(Episode.id == ReturnHomeInterview.episode_id, episodes(actor))
        .correlate_except(Episode)
        .exists()
    )
    if actor.role in COUNCIL:
        return in_scope
    if actor.role in POLICE:  # only what the provider chose to share with the police
        return and_(ReturnHomeInterview.shared_with_police.is_(True), in_scope)
    return false()


def referrals(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `Referral`: for councils and the missing persons team, the referrals of the
    children in their scope (`children`)."""
    if actor.role in COUNCIL or actor.role is R.police_mispers:
        return (
            select(Child.id)
            .where(Child.id == Referral.child_id, children(actor))
            .correlate_except(Child)
            .exists()
        )
    return false()


def homes(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `Home`: care staff see their provider's homes, others those in their area."""
    if actor.role in CARE:
        return Home.provider_id == actor.agency_id
    if actor.role in POLICE:
        return Home.police_force_id == actor.agency_id
    if actor.role in COUNCIL:
        return Home.host_council_id == actor.agency_id
    if actor.role is R.admin:
        return true()
    return false()


# The roles told of case work addressed to their agency as a whole (a child reported missing, an
# interview to arrange); every other role sees only what is addressed to them by name.
NOTIFIED = CASE | RHI


def notifications(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `Notification`: those the actor may read and mark read."""
    theirs = Notification.user_id == actor.user_id
    if actor.role in NOTIFIED:
        theirs = or_(Notification.user_id.is_(None), theirs)
    return and_(Notification.agency_id == actor.agency_id, theirs)


def notified_users() -> ColumnElement[bool]:
    """Predicate joining `Notification` and `User`: the enabled users a notice reaches, exactly
    those `notifications` lets read it (whom it is emailed to)."""
    theirs = or_(
        Notification.user_id == User.id,
        and_(Notification.user_id.is_(None), User.role.in_([r.value for r in NOTIFIED])),
    )
    return and_(User.agency_id == Notification.agency_id, theirs, User.disabled.is_(False))


def manages_agency(actor: Actor, agency_id: int) -> bool:
    """An administrator manages the users of their own agency only: a force's administrator
    cannot add, disable or reset a council's user (the operator's command line can)."""
    return actor.role is R.admin and actor.agency_id == agency_id


def users(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `User`: the users the actor manages (see `manages_agency`)."""
    if actor.role is R.admin:
        return User.agency_id == actor.agency_id
    return false()


def charity_partnerships(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `CharityPartnership`: the administrator sees all, a charity its own."""
    if actor.role is R.admin:
        return true()
    if actor.role in CHARITY:
        return CharityPartnership.charity_id == actor.agency_id
    return false()


def partner_episodes(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `Episode`: the episodes of the forces a charity partners, read only to rank
    the emerging-frequent list; no other scope grants a charity anything."""
    if actor.role in CHARITY:
        return Episode.force_id.in_(
            select(CharityPartnership.force_id)
            .where(CharityPartnership.charity_id == actor.agency_id)
            .scalar_subquery()
        )
    return false()


def menu(role: Role) -> list[tuple[str, str]]:
    """Navigation of the web pages: (label, path) for the areas this role works in."""
    return [
        (label, path) for label, path, resource, action in MENU if allowed(role, resource, action)
    ]


MENU = (
    ("Children", "/children", "children", "list"),
    ("Episodes", "/episodes", "episodes", "list"),
    ("Not where they should be", "/not-here", "episodes", "create"),
    ("Control room", "/control-room", "decisions", "list"),
    ("Task review", "/task-review", "tasks", "list"),
    ("Placement check", "/placement-check", "placements", "create"),
    ("Groups", "/groups", "groups", "list"),
    ("Return home interviews", "/interviews", "return_home_interviews", "list"),
    ("Referrals", "/referrals", "referrals", "list"),
    ("Record requests", "/record-requests", "record_requests", "answer"),
    ("Break-glass review", "/break-glass", "break_glass", "review"),
    ("Dashboards", "/dashboards", "dashboards", "index"),
    ("Exports", "/exports", "export", "read"),
    ("Users", "/users", "users", "list"),
    ("Audit", "/audit", "audit", "list"),
    ("Emerging frequent", "/emerging-frequent", "partner_emerging", "list"),
    ("Charity partnerships", "/charity-partnerships", "charity_partnerships", "create"),
)


def visible_episode(session: Session, actor: Actor, rid: str) -> Episode:
    episode = session.scalar(select(Episode).where(Episode.rid == rid, episodes(actor)))
    if episode is None:
        raise NotFound("episode")
    return episode


def pid_of(session: Session, episode: Episode) -> str:
    return session.scalar(select(Child.pid).where(Child.id == episode.child_id))


def visible_child(session: Session, actor: Actor, pid: str, scope=children) -> Child:
    """The child when the actor's scope holds it; NotFound otherwise, exactly as if absent."""
    child = session.scalar(select(Child).where(Child.pid == pid, scope(actor)))
    if child is None:
        raise NotFound("child")
    return child


def actor_of(user: User) -> Actor:
    """The caller a signed-in user acts as."""
    return Actor(user.id, user.username, Role(user.role), user.agency_id, user.agency.kind)


# --- Case group: the case lists, episodes, children's timelines, users, audit, exports -------


def timeline_children(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `Child`: whose timeline the actor may open. The children whose record the
    agency may see; for a return home interview provider, the children it has an interview of."""
    if actor.role in RHI:
        return (
            select(ReturnHomeInterview.id)
            .join(Episode, Episode.id == ReturnHomeInterview.episode_id)
            .where(Episode.child_id == Child.id, return_home_interviews(actor))
            .correlate_except(ReturnHomeInterview, Episode)
            .exists()
        )
    return children(actor)


def audit_events(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `AuditEvent`: an administrator reads the events of their own agency's users;
    other agencies' events, and those of the command line and scheduled jobs, are the operator's
    (`misper audit`, on the host)."""
    if actor.role is R.admin:
        return AuditEvent.actor_id.in_(select(User.id).where(User.agency_id == actor.agency_id))
    return false()


# Who holds each kind of case record, for its field history (case values, before and after): a
# column naming a holding agency, or "column>table" for the record it belongs to, whose holders
# hold it too (a task is its episode's). A child's record is the agency's that opened it and the
# responsible council's (`kept_children`, `holding_force`); an episode the force's that works it.
RECORD_HOLDERS: dict[str, tuple[str, ...]] = {
    "children": ("agency_id", "responsible_council_id"),
    "episodes": ("force_id",),
    "placements": ("placing_council_id", "child_id>children"),
    "philomena_profiles": ("created_by_agency_id", "child_id>children"),
    "profile_reminders": ("child_id>children",),
    "child_photos": ("child_id>children",),
    "record_requests": ("requesting_agency_id", "holding_agency_id"),
    "referrals": ("referred_by_agency_id", "child_id>children"),
    "meetings": ("referral_id>referrals",),
    "meeting_actions": ("owner_agency_id", "meeting_id>meetings"),
    "return_home_interviews": ("council_id", "placing_council_id", "provider_id"),
    # A prevention or a return home interview's: only the episode says whose (the force's).
    "interview_findings": ("episode_id>episodes",),
    "prevention_interviews": ("episode_id>episodes",),
    "episode_updates": ("agency_id", "episode_id>episodes"),
    "episode_links": ("episode_id>episodes",),
    "episode_associates": ("episode_id>episodes",),
    "risk_assessments": ("episode_id>episodes",),
    "risk_factors": ("assessment_id>risk_assessments",),
    "control_room_decisions": ("episode_id>episodes",),
    "review_reminders": ("decision_id>control_room_decisions",),
    "tasks": ("episode_id>episodes",),
    "carer_checks": ("agency_id",),
    "carer_steps": ("check_id>carer_checks",),
    "associates": ("force_id",),
    "groups": ("force_id",),
    "group_rivalries": ("group_id>groups",),
    "group_affiliations": ("created_by_agency_id", "group_id>groups"),
    "homes": ("provider_id",),
    "charity_partnerships": ("charity_id", "force_id"),
}


def held_records(actor: Actor, table: str) -> ColumnElement[bool]:
    """On the rows of `table`: the case records the administrator's agency holds
    (`RECORD_HOLDERS`); none of a table with no holders written there."""
    if actor.role is not R.admin or table not in RECORD_HOLDERS:
        return false()
    rows = Base.metadata.tables[table]
    held = []
    for holder in RECORD_HOLDERS[table]:
        column, _, parent = holder.partition(">")
        if parent:
            above = Base.metadata.tables[parent]
            held.append(rows.c[column].in_(select(above.c.id).where(held_records(actor, parent))))
        else:
            held.append(rows.c[column] == actor.agency_id)
    return or_(*held)


def visible_history(session: Session, actor: Actor, table: str, row_id: str) -> None:
    """A case record whose field history the actor may read; NotFound otherwise, exactly as for a
    record that never was (the history of another agency's record is case content)."""
    rows = Base.metadata.tables.get(table)
    key = int(row_id) if row_id.isascii() and row_id.isdigit() and len(row_id) <= 18 else None
    if rows is None or key is None or "id" not in rows.c:
        raise NotFound("record")
    found = select(rows.c.id).where(rows.c.id == key, held_records(actor, table))
    if session.scalar(found) is None:
        raise NotFound("record")


def identified_children(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `Child`: whose identity (name, age, photo) the pages of the actor's work show
    beside the pid: the children whose record the actor may read (`readable_children`; for the
    police the episode, check or profile open is the reason, and the read is audited); for a
    return home interview provider, the children it has an interview of, to arrange it."""
    if actor.role in RHI:
        return timeline_children(actor)
    return readable_children(actor)


# --- After group: the dashboards ------------------------------------------------------------
# Each is open to the roles that may list every kind of record it shows; its route declares that
# permission, and the dashboards' index and sub-navigation list the same.


def _holding(*needs: tuple[str, str]) -> frozenset[Role]:
    """The roles holding every one of these (resource, action) permissions."""
    return frozenset.intersection(*(PERMISSIONS[resource][action] for resource, action in needs))


PERMISSIONS["dashboards"] = {
    "open": _holding(("episodes", "list")),
    "frequent": _holding(("episodes", "list")),
    "interviews": _holding(("return_home_interviews", "list")),
    "care_homes": _holding(("homes", "list"), ("episodes", "list")),
    "hotspots": _holding(("episodes", "list")),
    "network": _holding(("associations", "list")),
}
# The dashboards' index: for the case-work roles (the RHI provider's one dashboard, its
# interviews, is its menu's "Return home interviews").
PERMISSIONS["dashboards"]["index"] = PERMISSIONS["dashboards"]["open"]

DASHBOARDS = (  # label, path, action on "dashboards"
    ("Open episodes", "/dashboards/open", "open"),
    ("Frequently missing", "/dashboards/frequent", "frequent"),
    ("Return home interviews", "/dashboards/interviews", "interviews"),
    ("Care-home feedback", "/dashboards/care-homes", "care_homes"),
    ("Hotspots", "/dashboards/hotspots", "hotspots"),
    ("Co-missing network", "/dashboards/network", "network"),
)


def dashboard_menu(role: Role) -> list[tuple[str, str]]:
    """The dashboards this role sees, as (label, path): their index and sub-navigation."""
    return [
        (label, path) for label, path, action in DASHBOARDS if allowed(role, "dashboards", action)
    ]


# --- Tenancy: reporting, requests between forces, break-glass, intelligence held per force -----

# One force reads a child's record another force holds only by asking it (a record request the
# holding force's missing persons team answers) or, in an emergency, by breaking the glass: open at
# once for the user who justified it, for `record_sharing.break_glass_hours` (config/process.yaml),
# and put before the holding force to review. Either way the requesting force reads the child's
# identity and Philomena profile, never the rest of the case (episodes, placements, carers' steps,
# referrals); the holding force may withdraw what it shared.
PERMISSIONS["record_requests"] = {
    "list": POLICE,  # the force's own requests and their answers
    "create": POLICE,
    "answer": frozenset({R.police_mispers}),  # the holding force's requests to answer
}
PERMISSIONS["break_glass"] = {"create": POLICE, "review": frozenset({R.police_mispers})}
MIN_JUSTIFICATION = 20  # characters: a sentence an auditor can weigh, not "urgent"


def may_report_new_child(actor: Actor) -> bool:
    """Police take the report of a child the store does not hold for them (a parent's call): the
    report opens a record of the force's own. Care staff report children living in their homes."""
    return actor.role in POLICE


def reporting_force(actor: Actor, home: Home | None) -> int | None:
    """The force an episode goes to: the reporting force itself; for care staff, the force of the
    area of the home the child lives in, when the home is theirs (None: not theirs to report)."""
    if actor.role in POLICE:
        return actor.agency_id
    if actor.role in CARE and home is not None and home.provider_id == actor.agency_id:
        return home.police_force_id
    return None


def reports_from_care_home(actor: Actor) -> bool:
    """Care staff report a child missing from the home the child lives in; others from home."""
    return actor.role in CARE


def shared_children(actor: Actor, now: datetime | None = None) -> ColumnElement[bool]:
    """Predicate on `Child`: the children of other forces whose identity and profile the actor may
    read: shared with the actor's force on request, or opened by this user's break-glass (until it
    expires)."""
    if actor.role not in POLICE:
        return false()
    now = now or datetime.now()
    return (
        select(RecordRequest.id)
        .where(
            RecordRequest.child_id == Child.id,
            RecordRequest.requesting_agency_id == actor.agency_id,
            or_(
                and_(RecordRequest.kind == "request", RecordRequest.status == "shared"),
                and_(
                    RecordRequest.kind == "break_glass",
                    RecordRequest.requested_by == actor.user_id,
                    RecordRequest.expires_at > now,
                ),
            ),
        )
        .correlate_except(RecordRequest)
        .exists()
    )


def readable_children(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `Child`: whose identity (name, date of birth) the actor may read."""
    return or_(children(actor), shared_children(actor))


def readable_profiles(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `Child`: whose Philomena profile the actor may read (writing: `profiles`)."""
    return or_(profiles(actor), shared_children(actor))


def holding_force(session: Session, child: Child) -> int | None:
    """The force that answers for a child's record: the force that opened it; else the force of
    the area the child lives in now; else the force of the child's latest episode."""
    if child.agency_id is not None:
        kind = session.scalar(select(Agency.kind).where(Agency.id == child.agency_id))
        if kind == AgencyKind.police.value:
            return child.agency_id
    placed = session.scalar(
        select(Home.police_force_id)
        .join(Placement, Placement.home_id == Home.id)
        .where(Placement.child_id == child.id, Placement.end_date.is_(None))
        .order_by(Placement.start_date.desc())
        .limit(1)
    )
    if placed is not None:
        return placed
    return session.scalar(
        select(Episode.force_id)
        .where(Episode.child_id == child.id)
        .order_by(Episode.reported_at.desc(), Episode.id.desc())
        .limit(1)
    )


def other_forces_child(session: Session, actor: Actor, pid: str) -> tuple[Child, int]:
    """The child another force holds, with that force's id, for a request or a break-glass; absent
    (404) when no force but the actor's own answers for it."""
    child = session.scalar(select(Child).where(Child.pid == pid))
    if child is None:
        raise NotFound("child")
    if session.scalar(select(Child.id).where(Child.id == child.id, children(actor))) is not None:
        raise Conflict("your force already holds this child's record")
    holder = holding_force(session, child)
    if holder is None or holder == actor.agency_id:
        raise NotFound("child")
    return child, holder


def outgoing_requests(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `RecordRequest`: the requests and break-glass openings of the actor's force."""
    if actor.role in POLICE:
        return RecordRequest.requesting_agency_id == actor.agency_id
    return false()


def incoming_requests(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `RecordRequest`: those about children the actor's force holds, for its
    missing persons team to answer or review."""
    if actor.role is R.police_mispers:
        return RecordRequest.holding_agency_id == actor.agency_id
    return false()


def associates(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `Associate`: the associates the actor's force recorded; another force's
    answers exactly as one never recorded (naming its id records one of the force's own)."""
    if actor.role in POLICE:
        return Associate.force_id == actor.agency_id
    return false()


def groups(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `Group`: the groups the actor's force recorded."""
    if actor.role in POLICE:
        return Group.force_id == actor.agency_id
    return false()


def carer_checks(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `CarerCheck` joined with its `Child`: the checks of children in the actor's
    scope, and those the actor's agency started (a parent's report of a child new to the store)."""
    return or_(children(actor), CarerCheck.agency_id == actor.agency_id)


def sees_only_shared_findings(actor: Actor) -> bool:
    """The police read of an interview's findings only what the interviewer shared with them."""
    return actor.role in POLICE


def interview_text_shown(actor: Actor, shared: Iterable[str] | None, flag: bool) -> bool:
    """Whether the actor may read a return home interview's own free text (its `findings`
    column): the police only when the sharing decision names the free text. The decision is the
    interview's findings' `shared` list when one is recorded, else its older all-or-nothing flag
    `shared_with_police`."""
    if not sees_only_shared_findings(actor):
        return True
    return "free_text" in shared if shared is not None else flag


def provides_interviews(agency: Agency | None) -> bool:
    """Whether a council may give a return home interview to this agency: an independent
    provider, or a charity that does them (a charity's other work never sees the case)."""
    return agency is not None and agency.kind in (
        AgencyKind.rhi_provider.value,
        AgencyKind.charity.value,
    )


def owes_interview(session: Session, actor: Actor, rhi: ReturnHomeInterview) -> bool:
    """A council arranges and records only the interviews it owes (another council's, taken on by
    agreement, become its own; before the clock starts, the council keeping the child's record);
    a provider records those given to it (its scope says which)."""
    if actor.role not in COUNCIL:
        return True
    if rhi.council_id is not None:
        return rhi.council_id == actor.agency_id
    child_id = select(Episode.child_id).where(Episode.id == rhi.episode_id).scalar_subquery()
    return keeps_child(session, actor, child_id)


# --- Keeping a record: who changes what it may see -----------------------------------------
# A host council sees the children placed in its area, and police the carers' checks of children
# in theirs; the record stays its keeper's to change (404 otherwise, as for one outside scope).


def kept_children(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `Child`: whose record (and placements) the actor's agency keeps: the council
    responsible for the child, or the agency that opened the record."""
    if actor.role in COUNCIL:
        return or_(
            Child.responsible_council_id == actor.agency_id, Child.agency_id == actor.agency_id
        )
    return false()


def keeps_child(session: Session, actor: Actor, child_id) -> bool:
    """Whether the actor's agency keeps this child's record (`kept_children`)."""
    return (
        session.scalar(select(Child.id).where(Child.id == child_id, kept_children(actor)))
        is not None
    )


def kept_placements(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `Placement`: those of the children whose record the actor's agency keeps."""
    return Placement.child_id.in_(select(Child.id).where(kept_children(actor)))


def kept_carer_checks(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `CarerCheck` joined with its `Child`: the checks the actor's agency started,
    which it alone records steps in and reports from (others in scope read them)."""
    return and_(carer_checks(actor), CarerCheck.agency_id == actor.agency_id)


def may_take_task(actor: Actor, user: User) -> bool:
    """A task goes to a police user of the actor's own force."""
    return user.agency_id == actor.agency_id and Role(user.role) in POLICE


def names_shown(actor: Actor, reason: str | None) -> bool:
    """Whether a list may name the children in it (name, date of birth) for this actor: roles
    that must give a reason see pseudonymous ids until they give one."""
    return not reason_required(actor) or bool(reason and reason.strip())


def named_children(
    session: Session, actor: Actor, child_ids: Iterable[int], *, in_list: bool
) -> set[int]:
    """Of `child_ids`, those a page or answer may name (the name beside the pid) for the actor:
    the children whose identity its work shows (`identified_children`, as the child banner); in a
    list, none for a role that must give a reason to see names (`names_shown`), as the children
    list. The others are shown by their pid."""
    ids = set(child_ids)
    if not ids or not allowed(actor.role, "child_identity", "read"):
        return set()
    if in_list and not names_shown(actor, None):
        return set()
    found = select(Child.id).where(Child.id.in_(ids), identified_children(actor))
    return set(session.scalars(found))


# --- Field ownership: who may write each field of a case record ------------------------------
# Declared once; the services check every write against it (API and pages alike) before they load
# the record, so a refused field answers 403 naming it, for every record alike, and nothing of the
# change is written. A field not listed is the store's own (versions, counters, the interview's
# clock) or is filled from another record (the shared interview findings); nobody keys it.
REPORTERS = CARE | POLICE  # either reports a child missing, and sees the child come back
FIELD_WRITERS: dict[str, dict[str, frozenset[Role]]] = {
    "episode": {
        # The report: what the one reporting knows.
        **dict.fromkeys(
            (
                "reported_at",
                "last_seen_at",
                "missing_from_type",
                "missing_from_postcode_sector",
                "age",
                "circumstances_text",
                "risk_flags",
            ),
            REPORTERS,
        ),
        # The return, as a carer sees the child come back.
        **dict.fromkeys(
            ("found_at", "found_location_type", "found_postcode_sector", "found_text"), REPORTERS
        ),
        # Police fields: their risk, markers, investigation and coding of the episode.
        **dict.fromkeys(
            (
                "risk_initial",
                "markers",
                "found_by",
                "found_how",
                "distance_miles",
                "out_of_uk",
                "harm",
                "victim_of_crime",
                "arrested_while_missing",
                "reason_vulnerability",
                "reason_codes",
            ),
            POLICE,
        ),
    },
    "child": {
        # Identity: the council's record, or a force's own record of a child reported to it.
        **dict.fromkeys(("name", "gender", "ethnic_appearance"), COUNCIL | POLICE),
        # The date of birth also from the Philomena profile, which the care home keeps.
        "date_of_birth": CASE,
        # Council fields: the child's legal status.
        "in_care": COUNCIL,
    },
    "return_home_interview": {
        # The interview's facts, kept by whoever does it: the provider, or the council's own
        # social worker (which interviews each may reach is its scope's business).
        **dict.fromkeys(
            (
                "offered",
                "accepted",
                "completed_at",
                "interviewer",
                "findings",
                "shared_with_police",
            ),
            COUNCIL | RHI,
        ),
    },
}


def writable_fields(role: Role, record: str) -> frozenset[str]:
    """The fields of this kind of record the role may write."""
    return frozenset(name for name, roles in FIELD_WRITERS[record].items() if role in roles)


def check_writes(actor: Actor, record: str, fields: Iterable[str]) -> None:
    """Refuse (FieldForbidden, naming the first field in order) a change writing a field the
    actor's role does not own; a field the table does not list is nobody's to key."""
    mine = writable_fields(actor.role, record)
    for name in sorted(fields):
        if name not in mine:
            raise FieldForbidden(record, name)


# --- The parents' advice pack and the patrol briefing (issue 14) ------------------------------
# The advice pack goes to the parents after an episode from a family home: given by the police and
# the council working the episode (its `episodes` scope). The briefing is one printable page on a
# missing child for officers on patrol, for every role that may read the episode; the associates
# on it are the viewer's force's own (`associates`).
PERMISSIONS["advice_packs"] = {"read": POLICE | COUNCIL, "create": POLICE | COUNCIL}
PERMISSIONS["briefings"] = {"read": PERMISSIONS["episodes"]["read"]}
RECORD_HOLDERS["advice_packs"] = ("agency_id", "episode_id>episodes")
