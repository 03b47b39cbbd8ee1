"""The administrator's page of the users of their own agency: list, add, disable, reset a sign-in,
on the services the API uses, so that permissions and auditing stay there.

An administrator never chooses or sees a password: a new or reset account gets a one-time code,
shown once (never kept or cached) to pass on; its user signs in with it and chooses a password."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from misper.app.access import Actor
from misper.app.agencies.models import Agency, AgencyKind
from misper.app.auth.service import RESET_CODE_LIFETIME
from misper.app.errors import Conflict, Forbidden, Invalid, NotFound
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
NO_STORE = {"Cache-Control": "no-store"}  # a code on the page must not stay in a cache


def _role_choices(kind: AgencyKind) -> list[tuple[str, str]]:
    """(value, label) of each role a user of an agency of this kind may have."""
    return [(r.value, ROLE_TITLES[r]) for r in Role if kind in ROLE_AGENCY_KINDS[r]]


def _users_page(
    request,
    session,
    actor,
    *,
    errors=None,
    values=None,
    offset=0,
    notice=None,
    code_for=None,
    code=None,
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
    agency = session.get(Agency, actor.agency_id)  # an administrator manages their own only
    response = render(
        request,
        "users/users.html",
        actor,
        status_code=status_code,
        rows=shown,
        roles=_role_choices(AgencyKind(agency.kind)),
        agencies=[agency],
        kind_titles={k.value: t for k, t in KIND_TITLES.items()},
        errors=errors or {},
        values=values or {},
        offset=offset,
        more=len(rows) > USERS_PAGE,
        page_size=USERS_PAGE,
        notice=notice,
        code_for=code_for,
        code=code,
        expires=RESET_CODE_LIFETIME,
    )
    if code is not None:
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
            user, code = users.add_user(
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
        except Forbidden:
            errors = {"agency": f"choose your own agency: {users.OWN_AGENCY_ONLY}"}
    if errors:
        session.rollback()
        return _users_page(request, session, actor, errors=errors, values=values, status_code=422)
    session.commit()  # before the code is shown: it must work when it is read out
    return _users_page(
        request,
        session,
        actor,
        code_for=user.username,
        code=code,
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
def reset_sign_in(
    request: Request, username: Username, session: DB, actor: Actor = allowed("users", "update")
):
    user, code = users.reset_sign_in(session, actor, username)  # unknown: the 404 page
    session.commit()
    return _users_page(
        request,
        session,
        actor,
        code_for=user.username,
        code=code,
        notice=f"Sign-in of {user.username} reset: their old password no longer works, the "
        "account is enabled and unlocked, and every session it had is ended.",
    )
