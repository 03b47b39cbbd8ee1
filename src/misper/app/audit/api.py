"""Audit routes for the admin: the events (content-free) and a check of the chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from misper.app.access import Actor
from misper.app.audit import service
from misper.app.routing import DB, ERRORS, Paging, allowed
from misper.app.schemas import Stamp

router = APIRouter(prefix="/api/audit", tags=["audit"], responses=ERRORS)


class EventOut(BaseModel):
    seq: int | None  # None for the moment between an event's commit and its chaining
    at: Stamp
    actor_id: int | None
    actor_role: str | None
    action: str
    entity: str
    entity_id: str | None
    child_id: int | None
    reason: str | None
    hash: str | None


class VerificationOut(BaseModel):
    ok: bool
    events: int
    head: str
    problem: str | None
    pending: int


@router.get("", response_model=list[EventOut])
def list_events(
    session: DB,
    page: Paging,
    actor: Actor = allowed("audit", "list"),
    entity: Annotated[str | None, Query(max_length=40)] = None,
):
    return [
        EventOut.model_validate(e, from_attributes=True)
        for e in service.list_events(session, entity=entity, offset=page.offset, limit=page.limit)
    ]


@router.get("/verify", response_model=VerificationOut)
def verify(
    session: DB,
    actor: Actor = allowed("audit", "list"),
    head: Annotated[str | None, Query(pattern="^[0-9a-f]{64}$")] = None,
    events: Annotated[int | None, Query(ge=1, le=10**12)] = None,
):
    """Check the chain; with a head (and its event number) recorded earlier, also that the
    tail was not cut off since."""
    return VerificationOut(**service.verify(session, head=head, events=events).__dict__)
