"""Web pages of children's records: the list every case-work role starts from, a child's timeline,
each within the caller's scope; and, for a force's missing persons team, other forces' requests for
its children's records and their break-glass openings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as FPath
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.agencies.models import Agency
from misper.app.children import photos, requests
from misper.app.children import service as children
from misper.app.children.timeline import child_timeline
from misper.app.episodes.models import Episode
from misper.app.routing import DB, allowed
from misper.app.schemas import MAX_ID
from misper.app.ui.listing import CSV_LIMIT, csv_answer, read_listing
from misper.app.ui.pages import render
from misper.incidents.schema import BY_NAME

router = APIRouter(include_in_schema=False)
IN_CARE = tuple(BY_NAME["in_care"].values)
# The list's columns, by sort key, in the order shown (the CSV's too).
LIST_COLUMNS = {
    "child": "Child",
    "name": "Name",
    "age": "Age",
    "in_care": "In care",
    "episodes": "Episodes",
    "missing": "Missing now",
    "last_reported": "Last reported",
}
Pid = Annotated[str, Query(max_length=64)]
RequestId = Annotated[int, FPath(ge=1, le=MAX_ID)]


@router.get("/children", response_class=HTMLResponse)
def children_list(
    request: Request,
    session: DB,
    pid: Pid = "",
    q: Annotated[str, Query(max_length=200)] = "",
    in_care: Annotated[str, Query(max_length=32)] = "",
    reason: Annotated[str, Query(max_length=500)] = "",
    actor: Actor = allowed("children", "list"),
):
    """Police see names once they give a reason (recorded with the list); pids only until then,
    and so may not sort by name or age. `format=csv`: every page's rows, as shown."""
    errors = {}
    if in_care and in_care not in IN_CARE:
        errors["in_care"] = f"choose one of: {', '.join(IN_CARE)}"
    names_shown = access.names_shown(actor, reason)
    sortable = {
        k: LIST_COLUMNS[k]
        for k in children.LIST_SORTS
        if names_shown or k not in children.NAMED_SORTS
    }
    listing = read_listing(request, sortable)
    rows, total = (
        ([], 0)
        if errors
        else children.list_children(
            session,
            actor,
            in_care=in_care or None,
            pid=pid.strip() or None,
            offset=0 if listing.csv else listing.offset,
            limit=CSV_LIMIT if listing.csv else listing.per_page,
            reason=reason.strip() or None,
            search=q.strip() or None,
            sort=listing.sort,
            descending=listing.descending,
        )
    )
    counts = _episode_counts(session, actor, [c.id for c in rows])
    if listing.csv and not errors:
        return _children_csv(session, actor, rows, counts)
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
        values={"pid": pid, "q": q, "in_care": in_care, "reason": reason},
        today=datetime.now(),
        age_on=children.age_on,
        asks_reason=access.reason_required(actor),
        names_shown=names_shown,
        listing=listing,
        columns=LIST_COLUMNS,
    )


def _children_csv(session: Session, actor: Actor, rows, counts) -> Response:
    """The list's columns as the page shows them, but for its links."""
    today = datetime.now()
    table = [
        (
            c.pid,
            c.name or "",
            children.age_on(c.date_of_birth, today) if c.date_of_birth else "",
            (c.in_care or "unknown").replace("_", " "),
            n,
            "missing" if open_ else "no",
            last.strftime("%d %b %Y") if last else "",
        )
        for c in rows
        for n, open_, last in [counts.get(c.id, (0, 0, None))]
    ]
    return csv_answer(session, actor, "child", "children", list(LIST_COLUMNS.values()), table)


def _episode_counts(
    session: Session, actor: Actor, child_ids: list[int]
) -> dict[int, tuple[int, int, datetime]]:
    """Per child on the page: episodes, open ones, last reported - of the caller's scope only (a
    duplicate report merged into another counts once, as that one)."""
    if not child_ids:
        return {}
    rows = session.execute(
        select(
            Episode.child_id,
            func.count(),
            func.sum(case((Episode.found_at.is_(None), 1), else_=0)),
            func.max(Episode.reported_at),
        )
        .where(
            Episode.child_id.in_(child_ids),
            access.episodes(actor),
            Episode.merged_into_id.is_(None),
        )
        .group_by(Episode.child_id)
    ).all()
    return {child_id: (n, int(open_ or 0), last) for child_id, n, open_, last in rows}


@router.get("/children/{pid}/photo")
def photo(
    pid: Annotated[str, FPath(min_length=1, max_length=64)],
    session: DB,
    actor: Actor = allowed("child_identity", "read"),
) -> Response:
    """The child's photo for the banner and profile: never kept by a browser or a proxy."""
    row = photos.read_photo(session, actor, pid)
    return Response(
        row.content,
        media_type=row.media_type,
        headers={"Cache-Control": "no-store", "Content-Disposition": "inline"},
    )


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


# --- Requests from other forces and break-glass openings, for the holding force -------------


def _agency_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Agency.id, Agency.name)).all())


@router.get("/record-requests", response_class=HTMLResponse)
def record_requests(
    request: Request, session: DB, actor: Actor = allowed("record_requests", "answer")
):
    """Other forces' requests for the records of children this force holds, to share or not."""
    rows = requests.incoming(session, actor, requests.REQUEST)
    return render(
        request,
        "children/record_requests.html",
        actor,
        rows=rows,
        agencies=_agency_names(session),
    )


@router.post("/record-requests/{request_id}/answer", response_class=HTMLResponse)
def answer_record_request(
    request_id: RequestId,
    session: DB,
    answer: Annotated[str, Form(max_length=16)],
    note: Annotated[str, Form(max_length=2_000)] = "",
    actor: Actor = allowed("record_requests", "answer"),
):
    requests.answer_request(session, actor, request_id, answer, note)
    return RedirectResponse("/record-requests", status_code=303)


@router.post("/record-requests/{request_id}/withdraw", response_class=HTMLResponse)
def withdraw_record_share(
    request_id: RequestId,
    session: DB,
    actor: Actor = allowed("record_requests", "answer"),
):
    requests.withdraw_share(session, actor, request_id, None)
    return RedirectResponse("/record-requests", status_code=303)


@router.get("/break-glass", response_class=HTMLResponse)
def break_glass_review(
    request: Request, session: DB, actor: Actor = allowed("break_glass", "review")
):
    """Other forces' break-glass openings of children this force holds, with each
    justification, to review."""
    rows = requests.incoming(session, actor, requests.BREAK_GLASS)
    return render(
        request,
        "children/break_glass.html",
        actor,
        rows=rows,
        agencies=_agency_names(session),
        hours=f"{requests.break_glass_hours():g}",
    )


@router.post("/break-glass/{request_id}/review", response_class=HTMLResponse)
def review_break_glass(
    request_id: RequestId,
    session: DB,
    note: Annotated[str, Form(max_length=2_000)] = "",
    actor: Actor = allowed("break_glass", "review"),
):
    requests.review(session, actor, request_id, note)
    return RedirectResponse("/break-glass", status_code=303)
