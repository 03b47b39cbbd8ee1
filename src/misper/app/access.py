"""Who may see what: the one place deciding it. Services apply these rules inside their queries.

Two layers. `PERMISSIONS` says which roles may do an action on a kind of record at all; a role
without it gets 403 for every record alike, so the answer reveals nothing. The scope functions
say which records of that kind the actor's agency may see; a record outside the scope answers 404,
exactly as one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from misper.app.charity.models import CharityPartnership
from misper.app.children.models import Child
from misper.app.episodes.models import (
    Episode,
)
from misper.app.errors import Forbidden, NotFound
from misper.app.escalation.models import Referral
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
    "placements": {"list": CASE, "create": COUNCIL, "update": COUNCIL},
    "philomena": {"read": CASE, "create": CASE},
    "episodes": {"list": CASE, "read": CASE, "create": CARE | POLICE, "update": CARE | POLICE},
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

# Reading a child's full record (name, date of birth) needs a stated reason from these roles:
# they see children of other agencies, and the reason is what an auditor will ask for.
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
    """Predicate on `Child`: the children whose record the actor's agency may see."""
    if actor.role in CARE:
        return _placed_with(Child.id, Home.provider_id == actor.agency_id)
    if actor.role in POLICE:
        return or_(
            select(Episode.id)
            .where(Episode.child_id == Child.id, Episode.force_id == actor.agency_id)
            .correlate_except(Episode)
            .exists(),
            _placed_with(Child.id, Home.police_force_id == actor.agency_id),
        )
    if actor.role in COUNCIL:
        return or_(
            Child.responsible_council_id == actor.agency_id,
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
    """Predicate on `Episode`."""
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
    """Predicate on `ReturnHomeInterview`."""
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
    """Predicate on `Referral`."""
    if actor.role in COUNCIL or actor.role is R.police_mispers:
        return (
            select(Child.id)
            .where(Child.id == Referral.child_id, children(actor))
            .correlate_except(Child)
            .exists()
        )
    return false()


def homes(actor: Actor) -> ColumnElement[bool]:
    """Predicate on `Home`: care staff see their provider's homes, others the homes in their area."""
    if actor.role in CARE:
        return Home.provider_id == actor.agency_id
    if actor.role in POLICE:
        return Home.police_force_id == actor.agency_id
    if actor.role in COUNCIL:
        return Home.host_council_id == actor.agency_id
    if actor.role is R.admin:
        return true()
    return false()


def notifications(actor: Actor) -> ColumnElement[bool]:
    return and_(
        Notification.agency_id == actor.agency_id,
        or_(Notification.user_id.is_(None), Notification.user_id == actor.user_id),
    )


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


def may_report_any_child(actor: Actor) -> bool:
    """Police may open an episode for any child reported missing in their area; it brings the child
    into their scope. Care staff report only children living in their homes."""
    return actor.role in POLICE


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
    ("Dashboards", "/dashboards", "episodes", "list"),
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
