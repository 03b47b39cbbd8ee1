"""Web pages of children's records: the list every case-work role starts from, and a child's
timeline, each within the caller's scope."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi import Path as FPath
from fastapi.responses import HTMLResponse
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.children import service as children
from misper.app.children.timeline import child_timeline
from misper.app.episodes.models import Episode
from misper.app.routing import DB, allowed
from misper.app.ui.pages import render
from misper.incidents.schema import BY_NAME

router = APIRouter(include_in_schema=False)
PER_PAGE = 50
IN_CARE = tuple(BY_NAME["in_care"].values)
Page = Annotated[int, Query(ge=1, le=100_000)]
Pid = Annotated[str, Query(max_length=64)]


@router.get("/children", response_class=HTMLResponse)
def children_list(
    request: Request,
    session: DB,
    pid: Pid = "",
    in_care: Annotated[str, Query(max_length=32)] = "",
    page: Page = 1,
    actor: Actor = allowed("children", "list"),
):
    errors = {}
    if in_care and in_care not in IN_CARE:
        errors["in_care"] = f"choose one of: {', '.join(IN_CARE)}"
    rows, total = (
        ([], 0)
        if errors
        else children.list_children(
            session,
            actor,
            in_care=in_care or None,
            pid=pid.strip() or None,
            offset=(page - 1) * PER_PAGE,
            limit=PER_PAGE,
        )
    )
    counts = _episode_counts(session, actor, [c.id for c in rows])
    links = {
        "profile": access.allowed(actor.role, "philomena", "read"),
        "not_here": access.allowed(actor.role, "episodes", "create"),
        "timeline": access.allowed(actor.role, "timelines", "read"),
    }
    return render(
        request,
        "children/list.html",
        actor,
        status_code=422 if errors else 200,
        rows=[(c, counts.get(c.id, (0, 0, None))) for c in rows],
        total=total,
        links=links,
        in_care_values=IN_CARE,
        errors=errors,
        values={"pid": pid, "in_care": in_care},
        page=page,
        per_page=PER_PAGE,
    )


def _episode_counts(
    session: Session, actor: Actor, child_ids: list[int]
) -> dict[int, tuple[int, int, datetime]]:
    """Per child on the page: episodes, open ones, last reported - of the caller's scope only."""
    if not child_ids:
        return {}
    rows = session.execute(
        select(
            Episode.child_id,
            func.count(),
            func.sum(case((Episode.found_at.is_(None), 1), else_=0)),
            func.max(Episode.reported_at),
        )
        .where(Episode.child_id.in_(child_ids), access.episodes(actor))
        .group_by(Episode.child_id)
    ).all()
    return {child_id: (n, int(open_ or 0), last) for child_id, n, open_, last in rows}


@router.get("/children/{pid}/timeline", response_class=HTMLResponse)
def timeline(
    request: Request,
    session: DB,
    pid: Annotated[str, FPath(min_length=1, max_length=64)],
    actor: Actor = allowed("timelines", "read"),
):
    events = child_timeline(session, actor, pid)
    may_open_referrals = access.allowed(actor.role, "referrals", "list")
    return render(
        request,
        "children/timeline.html",
        actor,
        pid=pid,
        events=events,
        may_open_referrals=may_open_referrals,
    )
