"""Web pages of the administrator (users, the audit log and its check) and of the analyst (the
pseudonymised export), on the services the API uses, so that permissions and auditing stay there.

The forms are protected as every other form here: the session cookie is SameSite=Strict, so a page
on another site cannot post with it. A new or reset password is shown once, never kept or cached."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from misper.app import access
from misper.app.agencies.models import Agency, AgencyKind
from misper.app.audit import service as audit
from misper.app.episodes.models import Episode
from misper.app.errors import Conflict, Invalid, NotFound
from misper.app.interchange import service as interchange
from misper.app.routing import DB
from misper.app.schemas import MAX_ID
from misper.app.ui.pages import ROLE_TITLES, Caller
from misper.app.ui.pages import render as _page
from misper.app.users import service as users
from misper.app.users.models import ROLE_AGENCY_KINDS, Role, User
from misper.app.web.during import _errors, _gate
from misper.incidents.schema import COLUMNS

router = APIRouter(include_in_schema=False)
Username = Annotated[str, Path(min_length=1, max_length=80)]
USERS_PAGE, EVENTS_PAGE = 100, 50
KIND_TITLES = {
    AgencyKind.police: "police force",
    AgencyKind.council: "council",
    AgencyKind.care_provider: "care provider",
    AgencyKind.rhi_provider: "return home interview provider",
    AgencyKind.charity: "charity",
}
NO_STORE = {"Cache-Control": "no-store"}  # a password on the page must not stay in a cache


def role_title(role: Role) -> str:
    return ROLE_TITLES.get(role) or role.value.replace("_", " ").capitalize()


def _role_choices() -> list[tuple[str, str]]:
    """(value, label) of each role, the label naming the kinds of agency it may belong to."""

    def kinds(role: Role) -> str:
        if ROLE_AGENCY_KINDS[role] == frozenset(AgencyKind):
            return "any agency"
        return ", ".join(KIND_TITLES[k] for k in AgencyKind if k in ROLE_AGENCY_KINDS[role])

    return [(r.value, f"{role_title(r)} ({kinds(r)})") for r in Role]


# --- Users -----------------------------------------------------------------------------------


def _users_page(
    request,
    session,
    actor,
    *,
    errors=None,
    values=None,
    offset=0,
    notice=None,
    password_for=None,
    password=None,
    status_code=200,
):
    rows = users.list_users(session, actor, offset, USERS_PAGE + 1)
    now = datetime.now()
    shown = [
        {
            "user": u,
            "role": role_title(Role(u.role)),
            "agency": u.agency.name,
            "locked": u.locked_until is not None and u.locked_until > now,
            "path": quote(u.username, safe=""),
        }
        for u in rows[:USERS_PAGE]
    ]
    agencies = session.scalars(select(Agency).order_by(Agency.name)).all()
    response = _page(
        request,
        "admin/users.html",
        actor,
        status_code=status_code,
        rows=shown,
        roles=_role_choices(),
        agencies=agencies,
        kind_titles={k.value: t for k, t in KIND_TITLES.items()},
        errors=errors or {},
        values=values or {},
        offset=offset,
        more=len(rows) > USERS_PAGE,
        page_size=USERS_PAGE,
        notice=notice,
        password_for=password_for,
        password=password,
    )
    if password is not None:
        response.headers.update(NO_STORE)
    return response


@router.get("/users", response_class=HTMLResponse)
def users_page(
    request: Request,
    session: DB,
    actor: Caller,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
):
    if (refused := _gate(request, actor, "users", "list")) is not None:
        return refused
    return _users_page(request, session, actor, offset=offset)


def _new_user_errors(
    username: str, display_name: str, role: str, agency: str, agencies: set[str]
) -> dict[str, str]:
    """What the form itself can tell, every field at once; the service then decides the rest."""
    errors = {}
    if not username:
        errors["username"] = "enter a username"
    elif len(username) > 80:
        errors["username"] = "a username is at most 80 characters"
    elif any(c.isspace() for c in username):
        errors["username"] = "a username has no spaces (people type it to log in)"
    if len(display_name) > 200:
        errors["display_name"] = "a display name is at most 200 characters"
    if role not in {r.value for r in Role}:
        errors["role"] = "choose the user's role"
    if agency not in agencies:
        errors["agency"] = "choose the user's agency"
    return errors


@router.post("/users", response_class=HTMLResponse)
def add_user(
    request: Request,
    session: DB,
    actor: Caller,
    username: Annotated[str, Form(max_length=200)] = "",
    display_name: Annotated[str, Form(max_length=400)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
    agency: Annotated[str, Form(max_length=400)] = "",
):
    if (refused := _gate(request, actor, "users", "create")) is not None:
        return refused
    values = {"username": username, "display_name": display_name, "role": role, "agency": agency}
    username, display_name = username.strip(), display_name.strip()
    names = set(session.scalars(select(Agency.name)))
    errors = _new_user_errors(username, display_name, role, agency, names)
    if not errors:
        try:
            user, password = users.add_user(
                session,
                actor,
                username=username,
                role=role,
                agency=agency,
                display_name=display_name or None,
            )
        except Invalid as exc:
            errors = _errors(exc)
        except Conflict:
            errors = {"username": "this username is taken: choose another"}
        except NotFound:
            errors = {"agency": "choose the user's agency"}
    if errors:
        session.rollback()
        return _users_page(request, session, actor, errors=errors, values=values, status_code=422)
    session.commit()  # before the password is shown: it must work when it is read out
    return _users_page(
        request,
        session,
        actor,
        password_for=user.username,
        password=password,
        notice=f"User {user.username} added.",
    )


@router.post("/users/{username}/disable", response_class=HTMLResponse)
def disable_user(request: Request, username: Username, session: DB, actor: Caller):
    if (refused := _gate(request, actor, "users", "update")) is not None:
        return refused
    users.disable_user(session, actor, username)  # an unknown username: the app's 404 page
    session.commit()
    return _users_page(
        request, session, actor, notice=f"User {username} is disabled: they can no longer log in."
    )


@router.post("/users/{username}/reset", response_class=HTMLResponse)
def reset_password(request: Request, username: Username, session: DB, actor: Caller):
    if (refused := _gate(request, actor, "users", "update")) is not None:
        return refused
    user, password = users.reset_password(session, actor, username)  # unknown: the 404 page
    session.commit()
    return _users_page(
        request,
        session,
        actor,
        password_for=user.username,
        password=password,
        notice=f"Password of {user.username} reset; the account is enabled and "
        "unlocked, and every session it had is ended.",
    )


# --- The audit log ---------------------------------------------------------------------------


def _audit_filter(entity: str, child_id: str) -> tuple[dict[str, str], int | None]:
    errors, child = {}, None
    if len(entity.strip()) > 40:
        errors["entity"] = "an entity is at most 40 characters, e.g. user or episode"
    if child_id.strip():
        try:
            child = int(child_id.strip())
            if not 1 <= child <= MAX_ID:
                raise ValueError
        except ValueError:
            errors["child_id"] = "a child id is a whole number, e.g. 12"
    return errors, child


def _audit_page(
    request, session, actor, entity: str, child_id: str, offset: int, verification=None
):
    errors, child = _audit_filter(entity, child_id)
    rows = (
        []
        if errors
        else audit.list_events(
            session,
            entity=entity.strip() or None,
            child_id=child,
            offset=offset,
            limit=EVENTS_PAGE + 1,
        )
    )
    wanted = {e.actor_id for e in rows} - {None}
    names = dict(session.execute(select(User.id, User.username).where(User.id.in_(wanted))).all())
    values = {"entity": entity, "child_id": child_id}
    query = {k: v.strip() for k, v in values.items() if v.strip()}
    return _page(
        request,
        "admin/audit.html",
        actor,
        status_code=422 if errors else 200,
        events=rows[:EVENTS_PAGE],
        names=names,
        errors=errors,
        values=values,
        query=query,
        offset=offset,
        more=len(rows) > EVENTS_PAGE,
        page_size=EVENTS_PAGE,
        verification=verification,
    )


AuditText = Annotated[str, Query(max_length=200)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: DB,
    actor: Caller,
    entity: AuditText = "",
    child_id: AuditText = "",
    offset: Offset = 0,
):
    if (refused := _gate(request, actor, "audit", "list")) is not None:
        return refused
    return _audit_page(request, session, actor, entity, child_id, offset)


@router.get("/audit/verify", response_class=HTMLResponse)
def verify_chain(request: Request, session: DB, actor: Caller):
    if (refused := _gate(request, actor, "audit", "list")) is not None:
        return refused
    return _audit_page(request, session, actor, "", "", 0, verification=audit.verify(session))


# --- The analyst's export --------------------------------------------------------------------


@router.get("/exports", response_class=HTMLResponse)
def exports_page(request: Request, session: DB, actor: Caller):
    if (refused := _gate(request, actor, "export", "read")) is not None:
        return refused
    count = session.scalar(select(func.count(Episode.id)).where(access.episodes(actor)))
    columns = [c for c in COLUMNS if not c.free_text]
    return _page(
        request,
        "admin/exports.html",
        actor,
        episodes=count,
        columns=columns,
        dropped=[c.name for c in COLUMNS if c.free_text],
    )


@router.get("/exports/incidents.csv")
def export_download(request: Request, session: DB, actor: Caller):
    """The same file as /api/export, from the same service: it records the audit event."""
    if (refused := _gate(request, actor, "export", "read")) is not None:
        return refused
    body = interchange.export_csv(session, actor)
    name = f"misper-incidents-{date.today():%Y-%m-%d}.csv"
    return Response(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', **NO_STORE},
    )
