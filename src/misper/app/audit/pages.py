"""The administrator's page of the audit log: its events, filtered and paged, and the check that
the chain of events is whole."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from misper.app.access import Actor
from misper.app.audit import service as audit
from misper.app.routing import DB, allowed
from misper.app.schemas import MAX_ID
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
    return _audit_page(request, session, actor, entity, child_id, offset)


@router.get("/audit/verify", response_class=HTMLResponse)
def verify_chain(request: Request, session: DB, actor: Actor = allowed("audit", "list")):
    return _audit_page(request, session, actor, "", "", 0, verification=audit.verify(session))
