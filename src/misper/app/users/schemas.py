"""API shapes of users."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from misper.app.schemas import Name, Stamp, StoreModel, text
from misper.app.users.models import Role

RoleName = Literal[tuple(r.value for r in Role)]
Username = text(80, 1)


class UserIn(StoreModel):
    """A new user; no password: they choose their own with the one-time code returned."""

    username: Username
    role: RoleName
    agency: Name
    display_name: Name | None = None


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    agency_id: int
    disabled: bool
    locked_until: Stamp | None
    must_change_password: bool


class ResetIn(StoreModel):
    """Nothing to send: a password field is refused, for an administrator never chooses one."""


class ResetCode(BaseModel):
    """A one-time code to pass on to the user, in person or by telephone: shown once (only its
    hash is kept), good until `expires_at`. They sign in with it and choose their password."""

    user: UserOut
    reset_code: str
    expires_at: Stamp
