"""API shapes of users."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from misper.app.schemas import Name, Stamp, StoreModel, text
from misper.app.users.models import Role

RoleName = Literal[tuple(r.value for r in Role)]
Username = text(80, 1)
Password = text(200, 12)


class UserIn(StoreModel):
    username: Username
    role: RoleName
    agency: Name
    display_name: Name | None = None
    password: Password | None = None


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    agency_id: int
    disabled: bool
    locked_until: Stamp | None


class NewPassword(BaseModel):
    user: UserOut
    password: str  # shown once: only its hash is kept


class ResetIn(StoreModel):
    password: Password | None = None
