"""The administrator's page of the audit log: their agency's events, filtered and paged, and the
check of the whole chain (of other agencies' events, only how many are whole)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from misper.app.access import Actor
from misper.app.audit import service as audit
from misper.app.routing import DB, allowed
from misper.app.schemas import MAX_ID
from misper.app.ui.listing import CSV_LIMIT, csv_answer, read_listing
from misper.app.ui.pages import render
from misper.app.users.models import User

router = APIRouter(include_in_schema=False)
EVENTS_PAGE = 50
AuditText = Annotated[str, Query(max_length=200)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def _audit_filter(entity: str, child_id: str) -> tuple[dict[str, str], int | None]:
    errors, child = {}, None
    if len(entity.strip()) > 40:
        errors["entity"] = "an entity is at most 40 characters, e.g. user or episode"
    if child_id.strip():
        try:
            child = int(child_id.strip())
            if not 1 <= child <= MAX_ID:
                raise ValueError
        except ValueError:
            errors["child_id"] = "a child id is a whole number, e.g. 12"
    return errors, child


def _audit_page(
    request, session, actor, entity: str, child_id: str, offset: int, verification=None
):
    errors, child = _audit_filter(entity, child_id)
    rows = (
        []
        if errors
        else audit.list_events(
            session,
            actor,
            entity=entity.strip() or None,
            child_id=child,
            offset=offset,
            limit=EVENTS_PAGE + 1,
        )
    )
    wanted = {e.actor_id for e in rows} - {None}
    names = dict(session.execute(select(User.id, User.username).where(User.id.in_(wanted))).all())
    values = {"entity": entity, "child_id": child_id}
    query = {k: v.strip() for k, v in values.items() if v.strip()}
    return render(
        request,
        "audit/audit.html",
        actor,
        status_code=422 if errors else 200,
        events=rows[:EVENTS_PAGE],
        names=names,
        errors=errors,
        values=values,
        query=query,
        offset=offset,
        more=len(rows) > EVENTS_PAGE,
        page_size=EVENTS_PAGE,
        verification=verification,
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: DB,
    entity: AuditText = "",
    child_id: AuditText = "",
    offset: Offset = 0,
    actor: Actor = allowed("audit", "list"),
):
    """Newest first, paged by offset (reading the log adds events); `format=csv`: every event
    the filter holds, as shown."""
    if read_listing(request, {}).csv and not _audit_filter(entity, child_id)[0]:
        return _audit_csv(session, actor, entity, child_id)
    return _audit_page(request, session, actor, entity, child_id, offset)


def _audit_csv(session, actor: Actor, entity: str, child_id: str):
    child = _audit_filter(entity, child_id)[1]
    rows = audit.list_events(
        session, actor, entity=entity.strip() or None, child_id=child, limit=CSV_LIMIT
    )
    wanted = {e.actor_id for e in rows} - {None}
    names = dict(session.execute(select(User.id, User.username).where(User.id.in_(wanted))).all())

    def who(e) -> str:
        if e.actor_id is None:
            return "system"
        role = f" ({e.actor_role.replace('_', ' ')})" if e.actor_role else ""
        return names.get(e.actor_id, f"user {e.actor_id}") + role

    table = [
        (
            e.seq,
            e.at.strftime("%d %b %Y %H:%M:%S"),
            who(e),
            e.action.replace("_", " "),
            e.entity if e.entity_id is None else f"{e.entity} {e.entity_id}",
            e.child_id,
            e.reason,
        )
        for e in rows
    ]
    headers = ["No.", "When", "Who", "Action", "Record", "Child", "Reason"]
    return csv_answer(session, actor, "audit_event", "audit", headers, table)


@router.get("/audit/verify", response_class=HTMLResponse)
def verify_chain(request: Request, session: DB, actor: Actor = allowed("audit", "list")):
    return _audit_page(request, session, actor, "", "", 0, verification=audit.verify(session))
