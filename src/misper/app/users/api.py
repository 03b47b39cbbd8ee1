"""User administration routes (admin only) and the caller's own account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from misper.app import access
from misper.app.access import Actor
from misper.app.routing import DB, ERRORS, Paging, allowed, signed_in
from misper.app.users import service
from misper.app.users.schemas import ResetCode, ResetIn, UserIn, UserOut

router = APIRouter(prefix="/api", tags=["users"], responses=ERRORS)
UsernamePath = Annotated[str, Path(min_length=1, max_length=80)]


class MeOut(BaseModel):
    username: str
    role: str
    agency_id: int
    menu: list[str]


@router.get("/me", response_model=MeOut)
def me(actor: Actor = signed_in()):
    return MeOut(
        username=actor.username,
        role=actor.role.value,
        agency_id=actor.agency_id,
        menu=[label for label, _ in access.menu(actor.role)],
    )


@router.get("/users", response_model=list[UserOut])
def list_users(session: DB, page: Paging, actor: Actor = allowed("users", "list")):
    return [
        UserOut.model_validate(u, from_attributes=True)
        for u in service.list_users(session, actor, page.offset, page.limit)
    ]


def _code(user, code: str | None) -> ResetCode:
    return ResetCode(
        user=UserOut.model_validate(user, from_attributes=True),
        reset_code=code,
        expires_at=user.reset_code_expires,
    )


@router.post("/users", response_model=ResetCode, status_code=201)
def add_user(body: UserIn, session: DB, actor: Actor = allowed("users", "create")):
    """A new user of the administrator's own agency, with a one-time code to pass on."""
    return _code(*service.add_user(session, actor, **body.model_dump()))


@router.post("/users/{username}/disable", response_model=UserOut)
def disable_user(username: UsernamePath, session: DB, actor: Actor = allowed("users", "update")):
    return UserOut.model_validate(
        service.disable_user(session, actor, username), from_attributes=True
    )


@router.post("/users/{username}/reset", response_model=ResetCode)
def reset_sign_in(
    username: UsernamePath,
    session: DB,
    body: ResetIn | None = None,
    actor: Actor = allowed("users", "update"),
):
    """A one-time code for the user to sign in with and choose a new password; their old
    password and every token stop working. The body, if any, is empty: no password is sent."""
    return _code(*service.reset_sign_in(session, actor, username))
