"""The home page (what needs the caller now) and the dashboards, each within what the caller's
role may see: open episodes, the frequently missing, return home interviews, care-home feedback,
hotspots and the co-missing network."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.dashboards import network as child_network
from misper.app.dashboards import service as dash
from misper.app.dashboards.board import board
from misper.app.dashboards.work_queue import work_queue
from misper.app.errors import Invalid, NotFound
from misper.app.interviews.return_home import list_with_clock
from misper.app.routing import DB, allowed, signed_in
from misper.app.ui.forms import field_errors, plain_message, when
from misper.app.ui.listing import CSV_LIMIT, cell_text, csv_answer, frame_page, read_listing
from misper.app.ui.pages import render
from misper.process.config import default_config

router = APIRouter(include_in_schema=False)
Day = Annotated[str | None, Query(max_length=40)]
BOARD_REFRESH_SECONDS = 60  # the board fetches itself again this often (ui/static/board.js)
# The interviews' link and state columns sort by the number and the state they show.
CLOCK_SORTS = {"open": "id", "state_tag": "state"}
NUMBERS = ("One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten")


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: DB, actor: Actor = signed_in()):
    panels = work_queue(session, actor, datetime.now())
    return render(request, "dashboards/home.html", actor, panels=panels)


@router.get("/dashboards", response_class=HTMLResponse)
def index(request: Request, actor: Actor = allowed("dashboards", "index")):
    links = [[{"href": path, "text": label}] for label, path in access.dashboard_menu(actor.role)]
    table = {"caption": "Dashboards you may see", "headers": ["Dashboard"], "rows": links}
    return _dashboard(request, actor, "Dashboards", [table])


@router.get("/dashboards/open", response_class=HTMLResponse)
def open_now(
    request: Request,
    session: DB,
    reason: Annotated[str, Query(max_length=500)] = "",
    actor: Actor = allowed("dashboards", "open"),
):
    """The control-room board: every open episode, the most urgent first. Police see names once
    they give a reason (recorded with the board); pids only until then."""
    now = datetime.now()
    return render(
        request,
        "dashboards/board.html",
        actor,
        rows=board(session, actor, now, reason.strip() or None),
        now=now,
        triage=access.allowed(actor.role, "decisions", "list"),
        asks_reason=access.reason_required(actor),
        reason=reason,
        refresh_seconds=BOARD_REFRESH_SECONDS,
        subnav=access.dashboard_menu(actor.role),
    )


@router.get("/dashboards/frequent", response_class=HTMLResponse)
def frequent(request: Request, session: DB, actor: Actor = allowed("dashboards", "frequent")):
    table, rising = dash.frequent_and_emerging(session, actor, datetime.now())
    least = default_config().frequently_missing.episodes
    tables = [
        _table(
            request,
            "frequent",
            f"{_number(least)} or more episodes in the last year",
            table,
            {
                "pid": "Child",
                "last_90_days": "Last 90 days",
                "last_year": "Last year",
                "pattern": "Pattern",
                "intense_periods": "Intense periods",
                "escalation": "Escalation",
            },
        ),
        _table(
            request,
            "emerging",
            "Emerging frequent: recent frequency rising",
            rising,
            {"pid": "Child", "recent": "Recent", "baseline": "Before", "why": "Why listed"},
        ),
    ]
    return _dashboard(request, actor, "Frequently missing children", tables, session=session)


@router.get("/interviews", response_class=HTMLResponse)  # the menu's return home interviews
@router.get("/dashboards/interviews", response_class=HTMLResponse)
def interviews(request: Request, session: DB, actor: Actor = allowed("dashboards", "interviews")):
    now = datetime.now()
    dash.refresh(session, now)
    overdue = _clock_rows(
        list_with_clock(session, actor, now, "overdue", limit=CSV_LIMIT, newest_first=True)
    )
    every = _clock_rows(list_with_clock(session, actor, now, limit=CSV_LIMIT, newest_first=True))
    hours = default_config().return_home_interview.target_hours
    columns = {
        "open": "Interview",
        "pid": "Child",
        "due_at": "Due by",
        "state_tag": "State",
        "interviewer_kind": "By",
        "shared_with_police": "Shared",
    }
    tables = [
        _table(
            request,
            "overdue",
            f"Overdue (not done within {hours:g} hours), newest first",
            overdue,
            columns,
            CLOCK_SORTS,
        ),
        _table(request, "all", "All interviews, newest due first", every, columns, CLOCK_SORTS),
        _table(
            request,
            "compliance",
            "Compliance per month of return",
            dash.rhi_compliance(session, actor),
            {
                "month": "Month",
                "episodes": "Episodes",
                "offered": "Offered",
                "within_target": f"Within {hours:g} h",
                "completed": "Completed",
                "shared_with_police": "Shared with police",
            },
        ),
    ]
    return _dashboard(request, actor, "Return home interviews", tables, session=session)


@router.get("/dashboards/care-homes", response_class=HTMLResponse)
def care_homes(
    request: Request,
    session: DB,
    start: Day = None,
    end: Day = None,
    actor: Actor = allowed("dashboards", "care_homes"),
):
    config = default_config()
    late = config.late_not_missing.hours
    columns = {
        "home": "Home",
        "episodes": "Episodes",
        "resident_months": "Resident-months",
        "episodes_per_resident_month": "Episodes per resident-month",
        "short_own_return_share": f"Ended within {late:g} h by own return",
        "profile_completeness": "Profile completeness",
        "interviews_on_time_share": (
            f"Interviews within {config.return_home_interview.target_hours:g} h"
        ),
    }
    intro = (
        "The feedback the missing persons team gives homes and Ofsted. Short "
        "episodes ended by the child's own return are likely 'late, not missing'."
    )
    try:
        lo, hi = _period(start, end, datetime.now())
        frame = dash.care_home_feedback(session, actor, lo, hi, config)
    except Invalid as exc:
        return _refused(request, actor, "Care-home feedback", exc, start, end, intro=intro)
    return _dashboard(
        request,
        actor,
        "Care-home feedback",
        [_table(request, "homes", "Per home", frame, columns)],
        session=session,
        intro=intro,
        period=_shown(lo, hi),
    )


@router.get("/dashboards/hotspots", response_class=HTMLResponse)
def hotspots(
    request: Request,
    session: DB,
    start: Day = None,
    end: Day = None,
    actor: Actor = allowed("dashboards", "hotspots"),
):
    try:
        lo, hi = _period(start, end, datetime.now())
        parts = dash.hotspot_counts(session, actor, lo, hi)
    except Invalid as exc:
        return _refused(request, actor, "Hotspots", exc, start, end)
    captions = {
        "places": ("Places missing from", "missing_from_place_id"),
        "from_sectors": ("Postcode sectors missing from", "missing_from_postcode_sector"),
        "found_sectors": ("Postcode sectors found in", "found_postcode_sector"),
    }
    tables = [
        _table(request, key, caption, parts[key], {column: "Where", "episodes": "Episodes"})
        for key, (caption, column) in captions.items()
    ]
    return _dashboard(request, actor, "Hotspots", tables, session=session, period=_shown(lo, hi))


@router.get("/dashboards/network", response_class=HTMLResponse)
def network(
    request: Request,
    session: DB,
    pid: Annotated[str, Query(max_length=64)] = "",
    months: Annotated[str, Query(max_length=4)] = str(child_network.DEFAULT_MONTHS),
    actor: Actor = allowed("dashboards", "network"),
):
    """One child's co-missing network over a recent period: the child picked by its pid (a field,
    or a link from elsewhere), its neighbours and the adults and addresses linking them."""
    now, graph, errors, status = datetime.now(), None, {}, 200
    try:
        period = int(months) if months.isdigit() else 0
        options = child_network.pick_options(session, actor, period, now)
        if pid.strip():
            graph = child_network.child_network(session, actor, pid.strip(), period, now)
    except Invalid as exc:
        options, errors, status = [], field_errors(exc), 422
    except NotFound:
        options, status = [], 404
        errors = {"pid": "No child with this pid that you may see"}
    return render(
        request,
        "dashboards/network.html",
        actor,
        status_code=status,
        graph=graph,
        pid=pid,
        months=months,
        periods=child_network.PERIODS,
        options=options,
        errors=errors,
        subnav=access.dashboard_menu(actor.role),
    )


def _dashboard(
    request: Request,
    actor: Actor,
    title: str,
    tables: list[dict],
    status_code: int = 200,
    session: Session | None = None,
    **context,
):
    """A dashboard of tables, under the dashboards the caller's role sees; or the one table asked
    for as CSV (`<table>.format=csv`), every page's rows as shown."""
    for t in tables:
        listing = t.get("listing")
        if listing is not None and listing.csv and session is not None:
            name = f"{request.url.path.strip('/').replace('/', '-')}-{t['key']}"
            rows = ([cell_text(v) for v in row] for row in t["rows"])
            return csv_answer(session, actor, "dashboard", name, t["headers"], rows)
    return render(
        request,
        "dashboards/tables.html",
        actor,
        status_code=status_code,
        title=title,
        tables=tables,
        subnav=access.dashboard_menu(actor.role),
        **context,
    )


def _table(
    request: Request,
    key: str,
    caption: str,
    frame: pd.DataFrame,
    columns: dict[str, str],
    sort_by: dict[str, str] | None = None,
) -> dict:
    """The frame's `columns` (name: header), sorted and paged by the query's `<key>.sort` and
    `<key>.page` (`ui.listing`), as the `listed_table` macro takes them: a child's pseudonymous
    id (pid) links to its timeline, a missing value is None (left blank). A column shown as a
    link or label sorts by the frame column `sort_by` names."""
    listing = read_listing(request, columns, prefix=f"{key}.")
    table = {"key": key, "caption": caption, "headers": list(columns.values()), "rows": []}
    table |= {"listing": listing, "keys": list(columns), "total": len(frame)}
    if frame.empty:
        return table
    frame, _total = frame_page(frame, listing, sort_by)
    shown = frame[list(columns)].astype(object)
    shown = shown.where(shown.notna(), None)
    if "pid" in shown:
        shown["pid"] = [{"href": f"/children/{pid}/timeline", "text": pid} for pid in shown["pid"]]
    return table | {"rows": shown.values.tolist()}


def _clock_rows(interviews: list[dict]) -> pd.DataFrame:
    """Interviews with their clock, with a link to each one's record, its child and its state."""
    rows = pd.DataFrame(interviews)
    if len(rows):
        rows["pid"] = [c["pid"] for c in rows["child"]]
        rows["open"] = [
            {"href": f"/interviews/{i}/record", "text": f"Interview {i}"} for i in rows["id"]
        ]
        rows["state_tag"] = [{"tag": s, "text": s} for s in rows["state"]]
    return rows


def _number(n: int) -> str:
    """A count at the start of a caption, in words while it is small."""
    return NUMBERS[n - 1] if 1 <= n <= len(NUMBERS) else str(n)


def _period(start: str | None, end: str | None, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) from the page's dates (read as the forms read a time: a year from 1900 to
    2100, an offset converted); a date left out is the year up to the end of today. Invalid
    naming the date that is not one, or a period that ends before it starts."""
    tomorrow = datetime(now.year, now.month, now.day) + timedelta(days=1)
    lo = _day(start, "start") if start else None
    hi = _day(end, "end") if end else tomorrow
    lo = lo if lo is not None else hi - timedelta(days=365)
    dash.check_period(lo, hi)
    return lo, hi


def _day(value: str, field: str) -> datetime:
    """A date of the period's form (a time too, from a link or a system), read as forms read one."""
    try:
        return when(value, field)
    except Invalid:
        raise Invalid(field, plain_message(field, {"type": "date_parsing"})) from None


def _refused(request, actor, title, exc: Invalid, start, end, **context):
    """The dashboard with its period refused: the message beside the date, the dates as typed,
    and no figures (never those of another period than the one asked for)."""
    return _dashboard(
        request,
        actor,
        title,
        [],
        status_code=422,
        errors=field_errors(exc),
        period={"start": start or "", "end": end or ""},
        **context,
    )


def _shown(lo: datetime, hi: datetime) -> dict[str, str]:
    return {"start": lo.date().isoformat(), "end": hi.date().isoformat()}
