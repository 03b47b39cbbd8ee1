"""Philomena profile routes: the current version with its history, and saving a new version."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from misper.app.access import Actor
from misper.app.philomena import service
from misper.app.philomena.schemas import ProfileIn, ProfileOut
from misper.app.routing import DB, ERRORS, allowed

router = APIRouter(prefix="/api/children/{pid}/philomena", tags=["philomena"], responses=ERRORS)
PidPath = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("", response_model=list[ProfileOut])
def profile_history(pid: PidPath, session: DB, actor: Actor = allowed("philomena", "read")):
    """Every version, newest first (empty when none has been written)."""
    return [
        ProfileOut.model_validate(p, from_attributes=True)
        for p in service.profile_history(session, actor, pid)
    ]


@router.post("", response_model=ProfileOut, status_code=201)
def save_profile(
    pid: PidPath, body: ProfileIn, session: DB, actor: Actor = allowed("philomena", "create")
):
    """A new version; the agreed wait, when set, replaces the flowchart's default for this child."""
    content = body.model_dump(exclude_none=True, exclude={"agreed_wait_minutes"})
    profile = service.save_profile(session, actor, pid, content, body.agreed_wait_minutes)
    return ProfileOut.model_validate(profile, from_attributes=True)
