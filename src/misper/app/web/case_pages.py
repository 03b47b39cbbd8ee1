"""The case lists every case-work role starts from: children and episodes in the caller's scope,
filtered and paged, each row linking to the pages the role may open; and the home page's work
queue ("what needs you now"), built from the same services as the dashboards."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi import Path as FPath
from fastapi.responses import HTMLResponse
from sqlalchemy import case, func, select

from misper.app import access
from misper.app.children import service as children
from misper.app.episodes import service as episodes
from misper.app.episodes.models import Episode
from misper.app.routing import DB
from misper.app.ui.pages import Caller
from misper.app.ui.pages import render as _page
from misper.app.web.during import _gate
from misper.app.web.home import work_queue
from misper.incidents.schema import BY_NAME

router = APIRouter(include_in_schema=False)
PER_PAGE = 50
IN_CARE = tuple(BY_NAME["in_care"].values)
RISKS = tuple(BY_NAME["risk_final"].values)


def _choices(codes: tuple[str, ...]) -> list[tuple[str, str]]:
    """Codes as (value, words) for a drop-down."""
    return [(code, code.replace("_", " ")) for code in codes]


Page = Annotated[int, Query(ge=1, le=100_000)]
Pid = Annotated[str, Query(max_length=64)]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: DB, actor: Caller):
    if actor is None:
        return _gate(request, actor, "notifications", "list")
    return _page(request, "home.html", actor, panels=work_queue(session, actor, datetime.now()))


@router.get("/children", response_class=HTMLResponse)
def children_list(
    request: Request,
    session: DB,
    actor: Caller,
    pid: Pid = "",
    in_care: Annotated[str, Query(max_length=32)] = "",
    page: Page = 1,
):
    if (refused := _gate(request, actor, "children", "list")) is not None:
        return refused
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
        "timeline": True,
    }
    return _page(
        request,
        "case/children.html",
        actor,
        status_code=422 if errors else 200,
        rows=[(c, counts.get(c.id, (0, 0, None))) for c in rows],
        total=total,
        links=links,
        in_care_values=_choices(IN_CARE),
        errors=errors,
        values={"pid": pid, "in_care": in_care},
        pages=_pages(request, page, total),
    )


def _episode_counts(session, actor, child_ids: list[int]) -> dict[int, tuple[int, int, datetime]]:
    """Per child on the page: episodes, open episodes, last reported - of the caller's scope only."""
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


@router.get("/episodes", response_class=HTMLResponse)
def episodes_list(
    request: Request,
    session: DB,
    actor: Caller,
    pid: Pid = "",
    status: Annotated[str, Query(max_length=8)] = "open",
    risk: Annotated[str, Query(max_length=32)] = "",
    page: Page = 1,
):
    if (refused := _gate(request, actor, "episodes", "list")) is not None:
        return refused
    errors = {}
    if status not in ("open", "closed", "all"):
        errors["status"] = "choose open, closed or all"
    if risk and risk not in RISKS:
        errors["risk"] = f"choose one of: {', '.join(RISKS)}"
    rows, total = (
        ([], 0)
        if errors
        else episodes.list_episodes(
            session,
            actor,
            open_only={"open": True, "closed": False}.get(status),
            pid=pid.strip() or None,
            reported_from=None,
            reported_to=None,
            risk=risk or None,
            offset=(page - 1) * PER_PAGE,
            limit=PER_PAGE,
        )
    )
    now = datetime.now()
    links = {
        "triage": access.allowed(actor.role, "decisions", "list"),
        "close": access.allowed(actor.role, "episodes", "update"),
        "prevention": access.allowed(actor.role, "prevention_interviews", "read"),
    }
    return _page(
        request,
        "case/episodes.html",
        actor,
        status_code=422 if errors else 200,
        rows=[(e, p, _hours(e, now)) for e, p in rows],
        total=total,
        links=links,
        risks=_choices(RISKS),
        errors=errors,
        values={"pid": pid, "status": status, "risk": risk},
        pages=_pages(request, page, total),
    )


def _hours(episode: Episode, now: datetime) -> float:
    """Hours missing: to the found time, or to now while the episode is open."""
    return round(((episode.found_at or now) - episode.reported_at).total_seconds() / 3600, 1)


def _pages(request: Request, page: int, total: int) -> dict:
    """Previous / next links keeping the other filters."""

    def link(number: int) -> str:
        query = {k: v for k, v in request.query_params.items() if k != "page"}
        return f"{request.url.path}?{urlencode({**query, 'page': number})}"

    last = max(1, -(-total // PER_PAGE))
    return {
        "page": page,
        "last": last,
        "previous": link(page - 1) if page > 1 else None,
        "next": link(page + 1) if page < last else None,
    }


# What the episode page shows, in the order a reader needs it: (label, column).
EPISODE_FIELDS = (
    ("Reported", "reported_at"),
    ("Last seen", "last_seen_at"),
    ("Missing from", "missing_from_type"),
    ("Place", "missing_from_place_id"),
    ("Postcode sector", "missing_from_postcode_sector"),
    ("Age", "age"),
    ("In care", "in_care"),
    ("Risk at first", "risk_initial"),
    ("Risk now", "risk_final"),
    ("Risk flags", "risk_flags"),
    ("Circumstances", "circumstances_text"),
    ("Found", "found_at"),
    ("Found by", "found_by"),
    ("How", "found_how"),
    ("Where found", "found_location_type"),
    ("Found in sector", "found_postcode_sector"),
    ("Distance (miles)", "distance_miles"),
    ("Harm", "harm"),
    ("Found: notes", "found_text"),
)


@router.get("/episodes/{rid}", response_class=HTMLResponse)
def episode_page(
    request: Request,
    session: DB,
    actor: Caller,
    rid: Annotated[str, FPath(min_length=1, max_length=64)],
):
    if (refused := _gate(request, actor, "episodes", "read")) is not None:
        return refused
    return render_episode(request, session, actor, rid)


def render_episode(request, session, actor, rid, errors=None, values=None, status_code=200):
    """The episode for every agency that may read it; the update form keeps what was typed."""
    episode, pid = episodes.read_episode(session, actor, rid)
    updates = (
        episodes.list_updates(session, actor, rid)
        if access.allowed(actor.role, "updates", "list")
        else []
    )
    shown = [(label, _shown(getattr(episode, column))) for label, column in EPISODE_FIELDS]
    links = {
        "triage": access.allowed(actor.role, "decisions", "list"),
        "close": access.allowed(actor.role, "episodes", "update") and episode.is_open,
        "prevention": (
            access.allowed(actor.role, "prevention_interviews", "read") and not episode.is_open
        ),
        "add_update": access.allowed(actor.role, "updates", "create"),
    }
    return _page(
        request,
        "case/episode.html",
        actor,
        status_code=status_code,
        episode=episode,
        pid=pid,
        fields=[(k, v) for k, v in shown if v],
        updates=updates,
        links=links,
        hours=_hours(episode, datetime.now()),
        rid=rid,
        back=f"/episodes/{rid}",
        errors=errors or {},
        values=values or {"kind": "update"},
    )


def _shown(value) -> str:
    """A stored value as the page shows it: dates in words, codes with spaces, lists joined."""
    if value is None or value == [] or value == "":
        return ""
    if isinstance(value, datetime):
        return f"{value:%d %b %Y %H:%M}"
    if isinstance(value, list):
        return ", ".join(str(v).replace("_", " ") for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).replace("_", " ")
