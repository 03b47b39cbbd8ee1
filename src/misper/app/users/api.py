"""User administration routes (admin only) and the caller's own account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from misper.app import access
from misper.app.access import Actor
from misper.app.routing import DB, ERRORS, Paging, allowed, signed_in
from misper.app.users import service
from misper.app.users.schemas import NewPassword, ResetIn, UserIn, UserOut

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


@router.post("/users", response_model=NewPassword, status_code=201)
def add_user(body: UserIn, session: DB, actor: Actor = allowed("users", "create")):
    user, password = service.add_user(session, actor, **body.model_dump())
    return NewPassword(user=UserOut.model_validate(user, from_attributes=True), password=password)


@router.post("/users/{username}/disable", response_model=UserOut)
def disable_user(username: UsernamePath, session: DB, actor: Actor = allowed("users", "update")):
    return UserOut.model_validate(
        service.disable_user(session, actor, username), from_attributes=True
    )


@router.post("/users/{username}/reset", response_model=NewPassword)
def reset_password(
    username: UsernamePath, body: ResetIn, session: DB, actor: Actor = allowed("users", "update")
):
    user, password = service.reset_password(session, actor, username, body.password)
    return NewPassword(user=UserOut.model_validate(user, from_attributes=True), password=password)
