"""Audit routes for the admin: their agency's events (content-free), a check of the whole chain
(counts and hashes only), and the field history of a case record their agency holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from misper.app.access import Actor
from misper.app.audit import history, service
from misper.app.errors import Invalid
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
    checkpoint: int | None  # the event number of the latest signed checkpoint checked
    bad_checkpoints: int  # checkpoint lines skipped: unreadable, or with a MAC that fails


class FieldChangeOut(BaseModel):
    id: int
    at: Stamp
    actor_id: int | None
    actor_role: str | None
    table_name: str
    row_id: str
    field: str
    old_value: str | None
    new_value: str | None


@router.get("", response_model=list[EventOut])
def list_events(
    session: DB,
    page: Paging,
    actor: Actor = allowed("audit", "list"),
    entity: Annotated[str | None, Query(max_length=40)] = None,
):
    return [
        EventOut.model_validate(e, from_attributes=True)
        for e in service.list_events(
            session, actor, entity=entity, offset=page.offset, limit=page.limit
        )
    ]


@router.get("/verify", response_model=VerificationOut)
def verify(
    session: DB,
    actor: Actor = allowed("audit", "list"),
    head: Annotated[str | None, Query(pattern="^[0-9a-f]{64}$")] = None,
    events: Annotated[int | None, Query(ge=1, le=10**12)] = None,
):
    """Check the chain with the audit key and against the signed checkpoints; with a head (and
    its event number) recorded earlier, also that the chain still holds it."""
    result = service.verify(session, head=head, events=events)
    service.record(
        session, actor, "verify", "audit_event", detail={"ok": result.ok, "events": result.events}
    )
    return VerificationOut(**result.__dict__)


@router.get("/history", response_model=list[FieldChangeOut])
def field_history(
    session: DB,
    page: Paging,
    table: Annotated[str, Query(max_length=64)],
    row_id: Annotated[str, Query(min_length=1, max_length=64)],
    actor: Actor = allowed("audit", "list"),
):
    """Every change to the fields of one case record the admin's agency holds, newest first: who,
    when, before and after. Another agency's record answers 404, as one that never was."""
    if not history.tracked(table):
        raise Invalid("table", "not a table of case records whose changes are kept")
    return [
        FieldChangeOut.model_validate(c, from_attributes=True)
        for c in service.field_history(
            session, actor, table, row_id, offset=page.offset, limit=page.limit
        )
    ]
