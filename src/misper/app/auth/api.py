"""Token routes for systems: exchange a username, password (and authenticator code, if the account
has one) for a bearer token; revoke it. Attempts are limited per address (auth.throttle)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel

from misper.app.auth import service, throttle
from misper.app.errors import Unauthenticated
from misper.app.routing import DB, ERRORS, ErrorBody
from misper.app.schemas import StoreModel, text

router = APIRouter(
    prefix="/api/auth", tags=["auth"], responses={**ERRORS, 429: {"model": ErrorBody}}
)
FAILED = "wrong username or password, or the account is locked or disabled"


class Credentials(StoreModel):
    username: text(80, 1)
    password: text(200, 1)
    code: text(12, 1) | None = None  # the authenticator app's code, for accounts with one


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


class Done(BaseModel):
    ok: bool = True


@router.post("/token", response_model=TokenOut)
def issue_token(body: Credentials, request: Request, session: DB):
    """A bearer token. Refused while the user must first choose their password or enrol the
    second factor their role needs (on the web pages)."""
    throttle.limit_attempts(request)
    user = service.login(session, body.username, body.password, body.code)
    if user is None:
        session.commit()  # the failure count must stick even though this request fails
        raise Unauthenticated(FAILED)
    pending = service.setup_needed(user)
    if pending is not None:
        raise pending  # rolled back: a reset code stays good for the web page
    throttle.signed_in(request)
    return TokenOut(access_token=service.issue_token(session, user, "bearer"))


@router.post("/revoke", response_model=Done)
def revoke_token(session: DB, authorization: Annotated[str | None, Header(max_length=500)] = None):
    """Revoke the bearer token this request carries (unknown tokens are ignored)."""
    if authorization and authorization.lower().startswith("bearer "):
        service.revoke(session, authorization[7:].strip())
    return Done()
