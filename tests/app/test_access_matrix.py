"""Every role against every route of the app, API and pages, on the records of its own agency and
of every other: two forces, two councils, two care providers, two return home interview providers
and a charity (tenancy_world.py).

The expected answers are the tables below, written out by hand from the process each role works in
(README, "The case system, by role"; issue 13's tenancy design), not read from `access.py`: a
change to the rules that lets a role reach what it should not, or locks it out of its own work,
fails here, and so does a route added without a row.

How to read a row. Each role set names the targets its roles reach on that route (a role in two
sets reaches both); a role in no set gets 403 on every target alike. Targets are the world's
records (tenancy_world.py's docstring): N the acting north's own, S the south's, X a south
council's child hosted in the north, Y a north council's child placed in the south, H a child the
north's force holds, RQ/DQ/BG another force's children shared on request / declined / opened by
the north officer's break-glass, W the north's child the south asks for, U an interview not shared
with the police, IN/OUT a request to / from the north, own/other a user of the admin's agency or
not, MINE/AGENCY/COLLEAGUE/OTHER a notification to the user / their agency / a colleague / the
south, NH/SH the north's and the south's home, F1/F2 the north's and the south's force (in an
export, by their postcode sectors), "new" a child reported by details, PF the north's episode with
a police field written too; "ok" a route with no one else's record in it.
    T       reached: 200, 201 or (a page's form) 303
    !T      refused although the role sees the record: 403, 404 or 409 (it is not its to change)
    T:409   exactly that answer (e.g. a conflict the process names)
    T?      either (the process does not say; the reason is by the row)
    (none)  not reached: answered exactly as a record that does not exist (404; a page's form may
            show the error by its field, 422, as it does for an unknown one)
For a list, each target is a text the answer shows (a pid, a rid): a reached one must be there, an
unreached one never.

The acting users are the north's (tenancy_world.ACTING); each call is rolled back, so every call
sees the same world.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.orm import sessionmaker

from app.forms import csrf_token, origin
from app.matrix_recipes import ABSENT as ABSENT_TARGET
from app.matrix_recipes import RECIPES, SOUTH_ONLY, Ctx
from app.tenancy_world import (
    ASSOCIATE,
    CHILDREN,
    CLOSED,
    FREE_TEXT,
    GROUPS,
    OPEN,
    TenancyWorld,
    build,
)
from app.test_routes import PUBLIC, every_route, permission_of
from misper.app.auth.service import issue_token
from misper.app.db import StoreSession, make_engine, session_factory
from misper.app.users.models import Role, User

R = Role
ALL = frozenset(Role)
CARE = frozenset({R.care_staff})
MISPERS = frozenset({R.police_mispers})
CONTROL = frozenset({R.police_control_room})
OFFICER = frozenset({R.police_officer})
POLICE = MISPERS | CONTROL | OFFICER
COUNCIL = frozenset({R.council_social_worker, R.council_missing_coordinator})
RHI = frozenset({R.rhi_worker})
CHARITY = frozenset({R.charity_worker})
ANALYST = frozenset({R.analyst})
ADMIN = frozenset({R.admin})
CASE = CARE | POLICE | COUNCIL

# The rows shared by several routes.
CHILD_READ = {CARE: "N X", POLICE: "N X H RQ", OFFICER: "BG", COUNCIL: "N X Y"}
PROFILE_WRITE = {CARE: "N X", POLICE: "N X H !RQ", OFFICER: "!BG", COUNCIL: "N X Y"}
EPISODE_READ = {CARE: "N X", POLICE: "N X H", COUNCIL: "N X Y"}
REPORTERS = {CARE: "N X", POLICE: "N X H"}  # who reports, updates and closes an episode
# PF: the same on the north's episode, writing a police field too: never care staff's to write.
REPORTERS_FIELDS = {CARE: "N X PF:403", POLICE: "N X H PF"}
POLICE_WORK = {POLICE: "N H"}  # the force's own open episodes, never the other force's
PREVENTION_READ = {POLICE: "N X", COUNCIL: "N X Y"}
INTERVIEW_READ = {COUNCIL: "N X Y U", RHI: "N Y U", POLICE: "N X"}
INTERVIEW_RECORD = {COUNCIL: "N Y U !X", RHI: "N Y U"}
INTERVIEW_PAGE_LIST = {COUNCIL: "N X Y", RHI: "N Y", POLICE: "N X"}  # by child: U is N's
REFERRAL_WORK = {COUNCIL: "N X Y", MISPERS: "N X"}
NOTIFIED = {CASE | RHI: "MINE AGENCY", CHARITY | ANALYST | ADMIN: "MINE"}
CHECK_READ = {CARE: "N X", POLICE: "N X H"}
CHECK_WORK = {CARE: "N X", POLICE: "H !N !X"}  # a check is the agency's that started it
ADVICE = {POLICE: "N X H !NC", COUNCIL: "N X Y !NC"}  # family-home episodes they work

API: dict[str, dict[frozenset[Role], str]] = {
    "GET /api/me": {ALL: "ok"},
    # Agencies are a directory every signed-in user reads; an administrator adds one.
    "GET /api/agencies": {ALL: "ok"},
    "POST /api/agencies": {ADMIN: "ok"},
    # An administrator manages the users of their own agency only; another agency's user answers
    # as absent, and adding one to another agency (named, so no secret) is refused.
    "GET /api/users": {ADMIN: "own"},
    "POST /api/users": {ADMIN: "own other:403"},
    "POST /api/users/{username}/disable": {ADMIN: "own"},
    "POST /api/users/{username}/reset": {ADMIN: "own"},
    # Homes: a care provider its own, the police and the council those of their area; the
    # administrator keeps the list of all.
    "GET /api/homes": {CASE: "NH", ADMIN: "NH SH"},
    "POST /api/homes": {ADMIN: "ok"},
    # Children: care staff the children living in their homes; the police those living in their
    # area and their own records, and another force's only as shared (identity and profile); the
    # council its own children, wherever placed, and those placed in its area by another council.
    # Whether a shared child is listed the process does not say (RQ?, BG?).
    "GET /api/children": {CARE: "N X", POLICE: "N X H W RQ?", OFFICER: "BG?", COUNCIL: "N X Y"},
    "POST /api/children": {COUNCIL: "ok"},
    "GET /api/children/{pid}": CHILD_READ,
    # The record is its holder's: the host council reads another council's child, never edits it.
    "PATCH /api/children/{pid}": {COUNCIL: "N Y !X"},
    "GET /api/children/{pid}/placements": EPISODE_READ,
    "POST /api/placements": {COUNCIL: "N Y !X"},
    "PATCH /api/placements/{placement_id}": {COUNCIL: "N Y !X"},
    "GET /api/placement-check": {COUNCIL: "N X Y"},
    "GET /api/children/{pid}/philomena": CHILD_READ,
    "POST /api/children/{pid}/philomena": PROFILE_WRITE,
    # A timeline shows each part as its own scope lets it; the provider its interviews' children.
    "GET /api/children/{pid}/timeline": {**EPISODE_READ, RHI: "N Y"},
    # Groups are police intelligence, the recording force's.
    "GET /api/children/{pid}/groups": {POLICE: "N X H"},
    "POST /api/children/{pid}/groups": {POLICE: "N X H"},
    # Episodes. A force reports the children it holds or that live in its area; a child it does
    # not hold by the child's details ("new": a record of its own); never by another force's pid.
    # Care staff report the children living in their homes, by pid only.
    "GET /api/episodes": EPISODE_READ,
    "POST /api/episodes": {CARE: "N X new:422", POLICE: "N X H new"},
    "GET /api/episodes/{rid}": EPISODE_READ,
    "PATCH /api/episodes/{rid}": REPORTERS_FIELDS,
    "POST /api/episodes/{rid}/close": REPORTERS_FIELDS,
    # Two reports of one absence merged: the control room and the missing persons team, on the
    # force's own episodes (an officer reports, but does not merge).
    "POST /api/episodes/{rid}/merge": {MISPERS | CONTROL: "N X H"},
    "GET /api/episodes/{rid}/risk-assessments": EPISODE_READ,
    "POST /api/episodes/{rid}/risk-assessments": POLICE_WORK,
    "GET /api/episodes/{rid}/decisions": POLICE_WORK,
    # The control room's decision: the control room and the missing persons team, not an officer.
    "POST /api/episodes/{rid}/decisions": {MISPERS | CONTROL: "N H"},
    "GET /api/episodes/{rid}/tasks": POLICE_WORK,
    "POST /api/episodes/{rid}/tasks": POLICE_WORK,
    # Updates and sightings: any case-work agency on the episodes it works.
    "GET /api/episodes/{rid}/updates": EPISODE_READ,
    "POST /api/episodes/{rid}/updates": EPISODE_READ,
    "GET /api/episodes/{rid}/associations": POLICE_WORK,
    "POST /api/episodes/{rid}/associations": POLICE_WORK,
    "GET /api/episodes/{rid}/triage": POLICE_WORK,
    "POST /api/episodes/{rid}/triage/risk-assessments": POLICE_WORK,
    "GET /api/episodes/{rid}/task-progress": POLICE_WORK,
    # The prevention interview is the police's; the council reads it for the return home
    # interview it owes.
    "GET /api/episodes/{rid}/prevention-interview": PREVENTION_READ,
    "PUT /api/episodes/{rid}/prevention-interview": {POLICE: "N X"},
    "GET /api/episodes/{rid}/prevention-findings": PREVENTION_READ,
    "PUT /api/episodes/{rid}/prevention-findings": {POLICE: "N X"},
    "PATCH /api/tasks/{task_id}": {POLICE: "N"},
    "POST /api/tasks/{task_id}/assign": {POLICE: "N"},
    "POST /api/tasks/{task_id}/complete": {POLICE: "N"},
    "POST /api/tasks/{task_id}/not-needed": {POLICE: "N"},
    "GET /api/task-review": {POLICE: "ok"},
    # The carer's flowchart: care staff for the children living with them; the police for a
    # parent's report (a child new to the store, or one they hold).
    "POST /api/checks": {CARE: "N X new:422", POLICE: "N X H new"},
    "GET /api/checks/{check_id}": {**CHECK_READ, COUNCIL: "N X"},
    "POST /api/checks/{check_id}/steps": CHECK_WORK,
    "PUT /api/checks/{check_id}/concerns": CHECK_WORK,
    "POST /api/checks/{check_id}/report": CHECK_WORK,
    "GET /api/groups": {POLICE: "N"},
    "POST /api/groups": {POLICE: "ok"},
    # NS: the other force's group named as rival is refused as an unknown group would be.
    "POST /api/groups/{group_id}/rivals": {POLICE: "N NS:422"},
    # Return home interviews: the council that owes one (the placing council) arranges and records
    # it; the host council sees it and may take it on by agreement; the provider the interviews
    # given to it; the police only those shared with them, on their force's episodes.
    "GET /api/return-home-interviews": INTERVIEW_READ,
    "POST /api/return-home-interviews": {COUNCIL: "N Y !X"},
    "GET /api/return-home-interviews/{rhi_id}": INTERVIEW_READ,
    "PATCH /api/return-home-interviews/{rhi_id}": INTERVIEW_RECORD,
    "GET /api/rhi-clock": INTERVIEW_READ,
    "GET /api/rhi-clock/{rhi_id}": INTERVIEW_READ,
    "POST /api/rhi-clock/{rhi_id}/arrange": {COUNCIL: "N Y U !X"},
    "POST /api/rhi-clock/{rhi_id}/take-on": {COUNCIL: "X !N !Y !U"},
    "POST /api/rhi-clock/{rhi_id}/record": INTERVIEW_RECORD,
    # MARM and MACE referrals: the council's, and the missing persons team's of its area.
    "GET /api/referrals": REFERRAL_WORK,
    "POST /api/referrals": {COUNCIL: "N X Y", MISPERS: "N X H"},
    "GET /api/referrals/{referral_id}": REFERRAL_WORK,
    "PATCH /api/referrals/{referral_id}": REFERRAL_WORK,
    "GET /api/referrals/{referral_id}/meetings": REFERRAL_WORK,
    "POST /api/referrals/{referral_id}/meetings": REFERRAL_WORK,
    "POST /api/meetings/{meeting_id}/actions": REFERRAL_WORK,
    "POST /api/meeting-actions/{action_id}/done": REFERRAL_WORK,
    # Notifications: case work reaches the case-work roles' agency as a whole; everyone has what
    # is addressed to them by name, and nobody another's.
    "GET /api/notifications": NOTIFIED,
    "POST /api/notifications/{notification_id}/read": NOTIFIED,
    "POST /api/notifications/read-all": {ALL: "ok"},  # their own, whatever they have
    # Another force's child: asked for (a child the force holds already, or asked for and not yet
    # answered, is a conflict), answered and reviewed by the holding force's missing persons team.
    "POST /api/record-requests": {POLICE: "S DQ Y:409 N:409 H:409"},
    "GET /api/record-requests/outgoing": {POLICE: "RQ DQ BG Y"},
    "GET /api/record-requests/incoming": {MISPERS: "W"},
    "POST /api/record-requests/{request_id}/answer": {MISPERS: "IN"},
    # Only a shared record can be withdrawn: the south's request is still waiting.
    "POST /api/record-requests/{request_id}/withdraw": {MISPERS: "IN:409"},
    "POST /api/break-glass": {POLICE: "S N:409"},
    "GET /api/break-glass": {MISPERS: "W"},
    "POST /api/break-glass/{request_id}/review": {MISPERS: "IN"},
    # The administrator: the events of their own agency's users (own: a north officer's, other:
    # a south officer's), the whole chain checked (counts only), and the field history only of
    # records their agency holds (the values are case content): H is North Police's own record,
    # N North Council's, S South Council's.
    "GET /api/audit": {ADMIN: "own"},
    "GET /api/audit/verify": {ADMIN: "ok"},
    "GET /api/audit/history": {ADMIN: "H"},
    # The analyst: their own agency's episodes (pseudonymised; shown by postcode sector).
    "GET /api/export": {ANALYST: "F1"},
    # The charity: its partner force's emerging-frequent list; the administrator records
    # partnerships.
    "GET /api/charity-partnerships": {CHARITY | ADMIN: "ok"},
    "POST /api/charity-partnerships": {ADMIN: "ok"},
    "DELETE /api/charity-partnerships/{partnership_id}": {ADMIN: "ok"},
    "GET /api/emerging-frequent": {CHARITY: "F1"},
    # Dashboards, within the same scopes as the lists they summarise. The council's care-home
    # feedback may show the home in the south where its child lives (SH?).
    "GET /api/dashboards/open-episodes": EPISODE_READ,
    "GET /api/dashboards/frequently-missing": {CASE: "ok"},
    "GET /api/dashboards/rhi-compliance": {COUNCIL | RHI | POLICE: "ok"},
    "GET /api/dashboards/care-homes": {CASE: "NH", COUNCIL: "SH?"},
    "GET /api/dashboards/hotspots": {CASE: "ok"},
    "GET /api/dashboards/network": {POLICE: "ok"},
}

PAGES: dict[str, dict[frozenset[Role], str]] = {
    "GET /": {ALL: "ok"},
    "GET /account/password": {ALL: "ok"},
    "POST /account/password": {ALL: "ok"},
    "GET /account/second-factor": {ALL: "ok"},
    "POST /account/second-factor": {ALL: "ok"},
    "GET /notifications": NOTIFIED,
    "GET /notifications/{notification_id}": NOTIFIED,  # opened: read, and on to its case
    "POST /notifications/{notification_id}/read": NOTIFIED,
    "POST /notifications/read-all": {ALL: "ok"},
    "GET /account/notifications": {ALL: "ok"},  # how each is emailed their own notices
    "POST /account/notifications": {ALL: "ok"},
    "GET /children": API["GET /api/children"],
    "GET /children/{pid}/profile": CHILD_READ,
    "POST /children/{pid}/profile": PROFILE_WRITE,
    "GET /children/{pid}/timeline": API["GET /api/children/{pid}/timeline"],
    # The child's photo: to whoever may read the child's record, and to the return home interview
    # provider for the children of its interviews, to arrange them (issue 14).
    "GET /children/{pid}/photo": {**CHILD_READ, RHI: "N Y"},
    # The flowchart's first form shows only the pid asked for; starting it reaches the record.
    "GET /children/{pid}/not-here": {CARE | POLICE: "ok"},
    "POST /children/{pid}/not-here": {CARE: "N X", POLICE: "N X H"},
    "GET /not-here": {CARE | POLICE: "ok"},
    "POST /not-here": {POLICE: "ok", CARE: "ok:422"},  # a new child by details: police only
    "GET /checks/{check_id}": CHECK_READ,
    "POST /checks/{check_id}/steps": CHECK_WORK,
    "POST /checks/{check_id}/concerns": CHECK_WORK,
    "POST /checks/{check_id}/report": CHECK_WORK,
    "GET /episodes": EPISODE_READ,
    "GET /episodes/{rid}": EPISODE_READ,
    "POST /episodes/{rid}/updates": EPISODE_READ,
    "GET /episodes/{rid}/close": REPORTERS,
    "POST /episodes/{rid}/close": REPORTERS_FIELDS,
    "POST /episodes/{rid}/merge": API["POST /api/episodes/{rid}/merge"],
    "GET /episodes/{rid}/prevention": {POLICE: "N X"},
    "POST /episodes/{rid}/prevention": {POLICE: "N X"},
    # The parents' advice pack (issue 14): the police and the council on the episodes from a family
    # home they work (N..H: a fresh episode of that child from the family home, in the force of
    # the area it lives in); an episode from a care home (NC, the north's own) is refused. With no
    # mail server in the matrix the email form says so by its field (the sending:
    # test_advice_pack.py).
    "GET /episodes/{rid}/advice": ADVICE,
    "POST /episodes/{rid}/advice/printed": ADVICE,
    "POST /episodes/{rid}/advice/email": {
        POLICE: "N:422 X:422 H:422 !NC",
        COUNCIL: "N:422 X:422 Y:422 !NC",
    },
    # The patrol briefing: whoever reads the episode.
    "GET /episodes/{rid}/briefing": EPISODE_READ,
    "GET /control-room": {POLICE: "N"},
    "GET /triage/{rid}": POLICE_WORK,
    "POST /triage/{rid}/risk": POLICE_WORK,
    "POST /triage/{rid}/decision": {MISPERS | CONTROL: "N H"},
    "POST /tasks/{task_id}": {POLICE: "N"},
    "GET /task-review": {POLICE: "ok"},
    "GET /groups": {POLICE: "N"},
    "POST /groups": {POLICE: "ok"},
    "POST /groups/rivalries": {POLICE: "N"},
    "POST /groups/links": {POLICE: "N X H"},
    "GET /placement-check": {COUNCIL: "N X Y"},
    "GET /interviews": INTERVIEW_PAGE_LIST,
    "GET /interviews/{rhi_id}/record": INTERVIEW_READ,
    "POST /interviews/{rhi_id}/record": INTERVIEW_RECORD,
    "GET /referrals": REFERRAL_WORK,
    "GET /referrals/{referral_id}": REFERRAL_WORK,
    "POST /referrals/{referral_id}/outcome": REFERRAL_WORK,
    "POST /referrals/{referral_id}/meetings": REFERRAL_WORK,
    "POST /referrals/{referral_id}/meetings/{meeting_id}/actions": REFERRAL_WORK,
    "POST /referrals/{referral_id}/actions/{action_id}/done": REFERRAL_WORK,
    "GET /record-requests": {MISPERS: "W"},
    "POST /record-requests/{request_id}/answer": {MISPERS: "IN"},
    "POST /record-requests/{request_id}/withdraw": {MISPERS: "IN:409"},
    "GET /break-glass": {MISPERS: "W"},
    "POST /break-glass/{request_id}/review": {MISPERS: "IN"},
    # Dashboards: each role's from its work (README). The provider's one is its interviews,
    # reached from its menu ("Return home interviews"), with no index of one.
    "GET /dashboards": {CASE: "ok"},
    "GET /dashboards/open": EPISODE_READ,
    "GET /dashboards/frequent": {CASE: "ok"},
    "GET /dashboards/interviews": INTERVIEW_PAGE_LIST,
    "GET /dashboards/care-homes": {CASE: "NH", COUNCIL: "SH?"},
    "GET /dashboards/hotspots": {CASE: "ok"},
    "GET /dashboards/network": {POLICE: "ok"},
    "GET /users": {ADMIN: "own"},
    "POST /users": {ADMIN: "own other:422"},  # the form refuses another agency by its field
    "POST /users/{username}/disable": {ADMIN: "own"},
    "POST /users/{username}/reset": {ADMIN: "own"},
    "GET /audit": {ADMIN: "own"},
    "GET /audit/verify": {ADMIN: "own"},
    "GET /exports": {ANALYST: "ok"},
    "GET /exports/incidents.csv": {ANALYST: "F1"},
    "GET /charity-partnerships": {ADMIN: "ok"},
    "POST /charity-partnerships": {ADMIN: "ok"},
    "POST /charity-partnerships/{partnership_id}/end": {ADMIN: "ok"},
    "GET /emerging-frequent": {CHARITY: "F1"},
}
TABLE = {**API, **PAGES}

# What a role never reads on any route, beyond the south's records: the police never an
# interview's free text (none is shared in the world); no one but the police their intelligence;
# the charity, the analyst and the administrator never a child's name.
NEVER: dict[frozenset[Role], tuple[str, ...]] = {
    POLICE: tuple(FREE_TEXT.values()),
    ALL - POLICE: (ASSOCIATE["F1"], *GROUPS["F1"]),
    CHARITY | ANALYST | ADMIN: tuple(name for _pid, name, *_rest in CHILDREN.values()),
}
# What names a record: no refusal may show one.
MARKERS = [
    *(text for child in CHILDREN.values() for text in child[:2]),
    *(rid for rid, *_rest in (*OPEN.values(), *CLOSED.values())),
]
REACHED, REFUSED = "reached", "refused"
SUCCESS = {200, 201, 303}


def expected(key: str) -> dict[Role, dict[str, str | int | None]]:
    """Role -> target -> outcome (REACHED, REFUSED, a status, or None for either) for the roles
    the row names; a target left out is not reached."""
    outcomes: dict[Role, dict[str, str | int | None]] = {}
    for roles, text in TABLE[key].items():
        for token in text.split():
            outcome: str | int | None = REACHED
            if token.startswith("!"):
                token, outcome = token[1:], REFUSED
            elif token.endswith("?"):
                token, outcome = token[:-1], None
            elif ":" in token:
                token, code = token.split(":")
                outcome = int(code)
            for role in roles:
                outcomes.setdefault(role, {})[token] = outcome
    return outcomes


def _sqlite_savepoints(engine) -> None:
    # pysqlite begins and ends transactions itself and so breaks SAVEPOINT; SQLAlchemy does it.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")


class Matrix:
    """The app over one connection held in a transaction: each request's own transaction is a
    savepoint in it, and `call` rolls everything back afterwards."""

    def __init__(self, url: str):
        from misper.app.main import create_app

        built = make_engine(url)
        with session_factory(built)() as session:
            self.world = build(session)
            self.tokens = {
                role: issue_token(
                    session,
                    session.scalar(
                        select(User).where(User.username == TenancyWorld.username(role))
                    ),
                    "bearer",
                )
                for role in Role
            }
            session.commit()
        built.dispose()
        self.engine = make_engine(url)
        if self.engine.dialect.name == "sqlite":
            _sqlite_savepoints(self.engine)
        self.connection = self.engine.connect()
        # The export finds its key by the store's URL (`session.get_bind().url`).
        self.connection.url = self.engine.url
        self.outer = self.connection.begin()
        self.sessions = sessionmaker(
            bind=self.connection,
            class_=StoreSession,
            expire_on_commit=False,
            join_transaction_mode="create_savepoint",
        )
        self.app = create_app(url)
        self.app.state.engine.dispose()
        self.app.state.sessions = self.sessions
        # Not entered, so no lifespan: its audit chainer would write beside the transaction.
        self.client = TestClient(self.app, follow_redirects=False)
        self.routes = every_route(self.app)

    def call(self, key: str, role: Role, target: str, signed_in: bool = True, headers=None):
        """`role`'s acting user calls the route on `target` (not signed in: a stranger sending the
        same request); the answer and the values the request sent. Rolled back afterwards."""
        method, path = key.split(" ", 1)
        with self.sessions() as session:
            params, query, body = RECIPES[key].call(Ctx(session, self.world, role), target)
            session.commit()
        headers = dict(headers or {})
        if signed_in:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        kwargs = {"params": query, "headers": headers}
        if path.startswith("/api"):
            kwargs["json"] = body
        else:
            headers.setdefault("Accept", "text/html")
            kwargs["data"] = body
        try:
            answer = self.client.request(method, path.format(**params), **kwargs)
        finally:
            self.outer.rollback()
            self.outer = self.connection.begin()
        return answer, _strings(params, query, body)

    def close(self):
        self.outer.rollback()
        self.connection.close()
        self.engine.dispose()


@pytest.fixture(scope="module")
def matrix(module_database_url):
    built = Matrix(module_database_url)
    yield built
    built.close()


def _guarded(matrix) -> set[str]:
    return {f"{method} {path}" for (method, path) in matrix.routes if (method, path) not in PUBLIC}


def test_every_route_has_a_row_and_a_recipe(matrix):
    routes = _guarded(matrix)
    assert sorted(routes - set(TABLE)) == [], "routes with no row in the table"
    assert sorted(routes - set(RECIPES)) == [], "routes with no recipe"
    assert sorted(set(TABLE) - routes) == [] and sorted(set(RECIPES) - routes) == []
    unknown = []
    for key in TABLE:
        recipe = RECIPES[key]
        for role, outcomes in expected(key).items():
            known = recipe.markers(Ctx(None, matrix.world, role)) if recipe.markers else {}
            unknown += [(key, t) for t in outcomes if t not in (*recipe.targets, *known)]
    assert unknown == [], "targets the recipe cannot call"


def test_every_guarded_route_declares_a_permission(matrix):
    undeclared = sorted(
        key
        for key in _guarded(matrix)
        if permission_of(matrix.routes[tuple(key.split(" ", 1))]) is None
    )
    assert undeclared == []


def _strings(*parts) -> set[str]:
    """Every value a request sent: a form shown again with what was typed echoes them."""
    found: set[str] = set()
    for part in parts:
        if isinstance(part, dict):
            found |= _strings(*part.values())
        elif isinstance(part, list | tuple):
            found |= _strings(*part)
        elif part is not None:
            found.add(str(part))
    return found


def _leaks(role: Role, answer, sent: set[str], south: bool) -> list[str]:
    """Texts in an answer the role may never read there, other than what it sent (`south`: the
    row says this answer may name the south's record)."""
    never = [s for roles, texts in NEVER.items() if role in roles for s in texts]
    if not south:
        never += SOUTH_ONLY
    return [s for s in never if s in answer.text and not any(s in v for v in sent)]


def _as_absent(answer, sent, absent, absent_sent) -> bool:
    """The answer tells nothing an unknown record's would not: the same status, and for JSON the
    same body once each names the values it was sent."""
    if answer.status_code != absent.status_code:
        return False
    if "application/json" not in answer.headers.get("content-type", ""):
        return True  # a page's error names nothing; a form's, only what was typed
    return _blanked(answer.text, sent) == _blanked(absent.text, absent_sent)


def _blanked(text: str, sent: set[str]) -> str:
    for value in sorted(sent, key=len, reverse=True):
        if len(value) > 2:
            text = text.replace(value, "*")
    return text


def _refused(key: str) -> set[int]:
    """What a refusal of a record the role sees may answer: a page's form shows it by the
    field."""
    method, path = key.split(" ", 1)
    return {403, 404, 409} | ({422} if method == "POST" and not path.startswith("/api") else set())


@pytest.mark.parametrize("key", sorted(TABLE))
def test_route(matrix, key):
    """The route answers each role on each target as its row says, and no answer shows what the
    role may not read there."""
    recipe, outcomes = RECIPES[key], expected(key)
    page_form = key.startswith("POST /") and not key.startswith("POST /api")
    wrong: list[str] = []
    absent, refusals = None, set()
    for index, role in enumerate(Role):
        mine = outcomes.get(role)
        if mine is None:  # the role may not use the route: 403 on any record alike
            targets = [t for t in recipe.targets if t != "new"] or list(recipe.targets)
            target = targets[index % len(targets)]  # the roles take turns on the targets
            answer, _sent = matrix.call(key, role, target)
            if answer.status_code != 403:
                wrong.append(f"{role.value} {target}: {answer.status_code}, expected 403")
            elif any(marker in answer.text for marker in MARKERS):
                wrong.append(f"{role.value} {target}: the refusal names a record")
            elif "application/json" in answer.headers.get("content-type", ""):
                refusals.add(answer.text)  # a page's shows the caller's own menu
            continue
        if recipe.markers:
            answer, sent = matrix.call(key, role, "ok")
            if answer.status_code != 200:
                wrong.append(f"{role.value}: {answer.status_code} {answer.text[:160]}")
                continue
            for target, marker in recipe.markers(Ctx(None, matrix.world, role)).items():
                outcome = mine.get(target, ABSENT_TARGET)
                if outcome == REACHED and marker not in answer.text:
                    wrong.append(f"{role.value}: the list lacks its own {target} ({marker})")
                elif outcome == ABSENT_TARGET and marker in answer.text:
                    wrong.append(f"{role.value}: the list shows {target} ({marker})")
            south = mine.get("S", ABSENT_TARGET) in (REACHED, None)
            wrong += [f"{role.value}: shows {s}" for s in _leaks(role, answer, sent, south)]
            continue
        if absent is None and recipe.targets != ("ok",):
            absent = matrix.call(key, role, ABSENT_TARGET)
            # An unknown record: 404 for the API, or (a page's form) the error by its field.
            allowed = {404, 422} if page_form else {404}
            if absent[0].status_code not in allowed:
                wrong.append(f"{role.value} an absent record: {absent[0].status_code}")
        for target in recipe.targets:
            answer, sent = matrix.call(key, role, target)
            got, outcome = answer.status_code, mine.get(target, ABSENT_TARGET)
            if outcome == REACHED:
                fine = got in SUCCESS and answer.headers.get("location") != "/login"
            elif outcome == REFUSED:
                fine = got in _refused(key)
            elif outcome == ABSENT_TARGET:
                fine = _as_absent(answer, sent, *absent)
            else:
                fine = outcome is None or got == outcome
            if not fine:
                wanted = {REACHED: "success", REFUSED: "a refusal", ABSENT_TARGET: "as absent"}
                wrong.append(
                    f"{role.value} {target}: {got}, expected {wanted.get(outcome, outcome)}: "
                    f"{answer.text[:160]}"
                )
            leaked = _leaks(role, answer, sent, target == "S" and "S" in mine)
            wrong += [f"{role.value} {target}: shows {s}" for s in leaked]
    if len(refusals) > 1:  # one refusal whichever record was named
        wrong.append(f"the refusals differ: {sorted(refusals)}")
    assert wrong == [], f"{key}:\n" + "\n".join(wrong)


def test_every_guarded_route_needs_a_login(matrix):
    """Without a caller, the API answers 401 and a page sends the browser to sign in."""
    wrong = []
    for key in sorted(_guarded(matrix)):
        method, path = key.split(" ", 1)
        target = RECIPES[key].targets[0]
        if path.startswith("/api"):
            answer, _sent = matrix.call(key, R.admin, target, signed_in=False)
            if answer.status_code != 401 or answer.json()["error"]["code"] != "unauthenticated":
                wrong.append(f"{key}: {answer.status_code}")
            bad, _sent = matrix.call(
                key, R.admin, target, False, {"Authorization": "Bearer not-a-token"}
            )
            if bad.status_code != 401:
                wrong.append(f"{key} with a bad token: {bad.status_code}")
        else:
            headers = {"Accept": "text/html"}
            if method != "GET":  # a browser's form: from the store's own page, with its token
                headers |= {
                    "Origin": origin(matrix.client),
                    "X-CSRF-Token": csrf_token(matrix.client),
                }
            answer, _sent = matrix.call(key, R.admin, target, False, headers)
            if (answer.status_code, answer.headers.get("location")) != (303, "/login"):
                wrong.append(f"{key}: {answer.status_code} {answer.headers.get('location')}")
    assert wrong == []
