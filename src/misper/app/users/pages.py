"""The administrator's page of users: list, add, disable, reset a password, on the services the
API uses, so that permissions and auditing stay there.

The forms are protected as every other form here: the session cookie is SameSite=Strict, so a page
on another site cannot post with it. A new or reset password is shown once, never kept or cached."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from misper.app.access import Actor
from misper.app.agencies.models import Agency, AgencyKind
from misper.app.errors import Conflict, Invalid, NotFound
from misper.app.routing import DB, allowed
from misper.app.ui.forms import field_errors
from misper.app.ui.pages import ROLE_TITLES, render
from misper.app.users import service as users
from misper.app.users.models import ROLE_AGENCY_KINDS, Role

router = APIRouter(include_in_schema=False)
Username = Annotated[str, Path(min_length=1, max_length=80)]
USERS_PAGE = 100
KIND_TITLES = {
    AgencyKind.police: "police force",
    AgencyKind.council: "council",
    AgencyKind.care_provider: "care provider",
    AgencyKind.rhi_provider: "return home interview provider",
    AgencyKind.charity: "charity",
}
NO_STORE = {"Cache-Control": "no-store"}  # a password on the page must not stay in a cache


def _role_choices() -> list[tuple[str, str]]:
    """(value, label) of each role, the label naming the kinds of agency it may belong to."""

    def kinds(role: Role) -> str:
        if ROLE_AGENCY_KINDS[role] == frozenset(AgencyKind):
            return "any agency"
        return ", ".join(KIND_TITLES[k] for k in AgencyKind if k in ROLE_AGENCY_KINDS[role])

    return [(r.value, f"{ROLE_TITLES[r]} ({kinds(r)})") for r in Role]


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
            "role": ROLE_TITLES[Role(u.role)],
            "agency": u.agency.name,
            "locked": u.locked_until is not None and u.locked_until > now,
            "path": quote(u.username, safe=""),
        }
        for u in rows[:USERS_PAGE]
    ]
    agencies = session.scalars(select(Agency).order_by(Agency.name)).all()
    response = render(
        request,
        "users/users.html",
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
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    actor: Actor = allowed("users", "list"),
):
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
    username: Annotated[str, Form(max_length=200)] = "",
    display_name: Annotated[str, Form(max_length=400)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
    agency: Annotated[str, Form(max_length=400)] = "",
    actor: Actor = allowed("users", "create"),
):
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
            errors = field_errors(exc)
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
def disable_user(
    request: Request, username: Username, session: DB, actor: Actor = allowed("users", "update")
):
    users.disable_user(session, actor, username)  # an unknown username: the app's 404 page
    session.commit()
    return _users_page(
        request, session, actor, notice=f"User {username} is disabled: they can no longer log in."
    )


@router.post("/users/{username}/reset", response_class=HTMLResponse)
def reset_password(
    request: Request, username: Username, session: DB, actor: Actor = allowed("users", "update")
):
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
