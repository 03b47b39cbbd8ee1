"""HTTP plumbing shared by every route: the request's transaction, the caller, paging, errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.routing import Match

from misper.app import access
from misper.app.access import Actor
from misper.app.audit.service import act_as
from misper.app.auth import cookies
from misper.app.errors import Unauthenticated

SESSION_COOKIE = cookies.SESSION  # its name over http; read it with `cookies.session_secret`


class FieldError(BaseModel):
    field: str
    message: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: list[FieldError] = []
    rid: str | None = None  # already_open: the open episode the caller may go to instead


class ErrorBody(BaseModel):
    """The one shape of every error answer."""

    error: ErrorDetail


ERRORS = {status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 422)}


def db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back if it raises."""
    session = request.app.state.sessions()
    request.state.session = session  # the page layout counts the caller's unread notices in it
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": the commit runs before the response is sent, so a failed commit is an error
# answer rather than a success the database never saw.
DB = Annotated[Session, Depends(db, scope="function")]


# The pages where a signed-in user sets up their sign-in: while they must choose their password
# or enrol a second factor, every other page sends them there and the API refuses them.
SETTING_UP = frozenset({"/account/password", "/account/second-factor"})


def actor_or_none(request: Request, session: DB) -> Actor | None:
    from misper.app.auth.service import actor_for_token

    setting_up = request.url.path in SETTING_UP
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return actor_for_token(session, header[7:].strip(), "bearer", setting_up)
    cookie = cookies.session_secret(request)  # `__Host-` prefixed over https
    if cookie:
        return actor_for_token(session, cookie, "session", setting_up)
    return None


def current_actor(actor: Annotated[Actor | None, Depends(actor_or_none)]) -> Actor:
    if actor is None:
        raise Unauthenticated("log in, or send a valid bearer token")
    return actor


def allowed(resource: str, action: str) -> Any:
    """Dependency: the caller, once their role is allowed `action` on `resource` (else 403).

    Every route but sign-in declares one (API and pages alike); `tests/app/test_routes.py` finds
    them through `.permission`. A page's caller who is not signed in is sent to sign in.
    """
    access.PERMISSIONS[resource][action]  # a typo fails at import, not at the first request

    def dependency(
        request: Request, session: DB, actor: Annotated[Actor, Depends(current_actor)]
    ) -> Actor:
        request.state.actor = actor  # an error page then shows the caller's menu
        act_as(session, actor)  # the field history credits the request's changes to them
        access.require(actor, resource, action)
        return actor

    dependency.permission = (resource, action)  # type: ignore[attr-defined]
    return Depends(dependency)


def may_open(request: Request, actor: Actor, path: str) -> bool:
    """Whether the caller's role may open the page at `path`, by the permission its GET route
    declares: a link offered to them (a notice's) then never ends on "not for your role". The
    page itself still decides which records they see."""
    scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
    for route in _routes(request.app.router.routes):
        if route.matches(scope)[0] is not Match.FULL:
            continue
        stack = list(getattr(getattr(route, "dependant", None), "dependencies", []))
        while stack:
            dependency = stack.pop()
            permission = getattr(dependency.call, "permission", None)
            if permission is not None:
                resource, action = permission
                return resource == "signed_in" or access.allowed(actor.role, resource, action)
            stack.extend(dependency.dependencies)
        return False
    return False


def _routes(routes: list[Any]) -> Iterator[Any]:
    # FastAPI keeps an included router whole; its routes already carry the router's prefix.
    for route in routes:
        original = getattr(route, "original_router", None)
        yield from _routes(original.routes) if original is not None else (route,)


def signed_in() -> Any:
    """Dependency: any signed-in caller; for the pages every role has (home, own notifications)."""

    def dependency(
        request: Request, session: DB, actor: Annotated[Actor, Depends(current_actor)]
    ) -> Actor:
        request.state.actor = actor
        act_as(session, actor)
        return actor

    dependency.permission = ("signed_in", None)  # type: ignore[attr-defined]
    return Depends(dependency)


class Page:
    def __init__(
        self,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ):
        self.offset, self.limit = offset, limit


Paging = Annotated[Page, Depends()]
