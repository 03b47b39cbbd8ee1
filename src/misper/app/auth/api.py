"""Token routes for systems: exchange a username and password for a bearer token; revoke it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from pydantic import BaseModel

from misper.app.auth import service
from misper.app.errors import Unauthenticated
from misper.app.routing import DB, ERRORS
from misper.app.schemas import StoreModel, text

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=ERRORS)
FAILED = "wrong username or password, or the account is locked or disabled"


class Credentials(StoreModel):
    username: text(80, 1)
    password: text(200, 1)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


class Done(BaseModel):
    ok: bool = True


@router.post("/token", response_model=TokenOut)
def issue_token(body: Credentials, session: DB):
    user = service.login(session, body.username, body.password)
    if user is None:
        session.commit()  # the failure count must stick even though this request fails
        raise Unauthenticated(FAILED)
    return TokenOut(access_token=service.issue_token(session, user, "bearer"))


@router.post("/revoke", response_model=Done)
def revoke_token(session: DB, authorization: Annotated[str | None, Header(max_length=500)] = None):
    """Revoke the bearer token this request carries (unknown tokens are ignored)."""
    if authorization and authorization.lower().startswith("bearer "):
        service.revoke(session, authorization[7:].strip())
    return Done()
