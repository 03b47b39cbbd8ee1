"""Web pages of the after-episode stage: closing an episode, the return home interview, the child's
timeline, notifications, and the dashboards, each within what the caller's role may see."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from misper.app import access
from misper.app.access import Actor, visible_episode
from misper.app.children.timeline import child_timeline
from misper.app.dashboards import service as dash
from misper.app.episodes.closing import FOUND_FIELDS, close_episode
from misper.app.errors import DomainError, NotFound
from misper.app.escalation import meetings
from misper.app.interviews import prevention, return_home
from misper.app.interviews.findings import FIELDS, as_dict
from misper.app.notifications.service import list_notifications
from misper.app.routing import DB, actor_or_none
from misper.app.schemas import MAX_ID
from misper.app.ui.pages import ROLE_TITLES, templates
from misper.incidents.schema import BY_NAME, FOUND_BY, FOUND_HOW, FOUND_LOCATION_TYPES, REASON_CODES
from misper.process.config import default_config

router = APIRouter(include_in_schema=False)
Caller = Annotated[Actor | None, Depends(actor_or_none)]

DASHBOARDS = (  # label, path, the permission it needs (all must hold)
    ("Open episodes", "/dashboards/open", (("episodes", "list"),)),
    ("Frequently missing", "/dashboards/frequent", (("episodes", "list"),)),
    ("Return home interviews", "/dashboards/interviews", (("return_home_interviews", "list"),)),
    ("Care-home feedback", "/dashboards/care-homes", (("homes", "list"), ("episodes", "list"))),
    ("Hotspots", "/dashboards/hotspots", (("episodes", "list"),)),
    ("Co-missing network", "/dashboards/network", (("associations", "list"),)),
)
CHOICES = (
    ("found_by", "Found by", FOUND_BY),
    ("found_how", "How", FOUND_HOW),
    ("found_location_type", "Where (kind of place)", FOUND_LOCATION_TYPES),
    ("harm", "Harm while missing", BY_NAME["harm"].values),
)


def dashboards_for(actor: Actor) -> list[tuple[str, str]]:
    return [
        (label, path)
        for label, path, needs in DASHBOARDS
        if all(access.allowed(actor.role, r, a) for r, a in needs)
    ]


def _page(request: Request, actor: Actor, name: str, status_code: int = 200, **context):
    return templates.TemplateResponse(
        request,
        name,
        {
            "actor": actor,
            "menu": access.menu(actor.role),
            "current": request.url.path,
            "role_title": ROLE_TITLES.get(actor.role),
            "subnav": dashboards_for(actor),
            **context,
        },
        status_code=status_code,
    )


def _need(request: Request, actor: Actor | None, path: str):
    """The redirect or refusal for a caller who may not open this dashboard, else None."""
    if actor is None:
        return RedirectResponse("/login", status_code=303)
    if path not in {p for _, p in dashboards_for(actor)}:
        return _page(request, actor, "forbidden.html", status_code=403)
    return None


def _fmt(value) -> str:
    if value is None or (not isinstance(value, (list, str)) and pd.isna(value)):
        return ""
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.strftime("%d %b %Y %H:%M")
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value).replace("_", " ")


def _child(pid: str) -> dict:
    return {"href": f"/children/{pid}/timeline", "text": pid}


def _table(caption: str, frame: pd.DataFrame, columns: dict[str, str], links=None) -> dict:
    links = links or {}
    rows = (
        [
            [links[c](v) if c in links and v is not None else _fmt(v) for c, v in zip(columns, r)]
            for r in frame[list(columns)].itertuples(index=False)
        ]
        if len(frame)
        else []
    )
    return {"caption": caption, "headers": list(columns.values()), "rows": rows}


def _period(start: str | None, end: str | None, now: datetime) -> tuple[datetime, datetime]:
    try:
        hi = (
            datetime.fromisoformat(end)
            if end
            else datetime(now.year, now.month, now.day) + timedelta(days=1)
        )
        lo = datetime.fromisoformat(start) if start else hi - timedelta(days=365)
    except ValueError:
        hi = datetime(now.year, now.month, now.day) + timedelta(days=1)
        lo = hi - timedelta(days=365)
    return lo, hi


@router.get("/dashboards", response_class=HTMLResponse)
def index(request: Request, actor: Caller):
    if actor is None:
        return RedirectResponse("/login", status_code=303)
    table = {
        "caption": "Dashboards you may see",
        "headers": ["Dashboard"],
        "rows": [[{"href": p, "text": label}] for label, p in dashboards_for(actor)],
    }
    return _page(request, actor, "after/tables.html", title="Dashboards", tables=[table])


@router.get("/dashboards/open", response_class=HTMLResponse)
def open_now(request: Request, actor: Caller, session: DB):
    if (refused := _need(request, actor, "/dashboards/open")) is not None:
        return refused
    now = datetime.now()
    frame = dash.open_episodes(session, actor, now)
    frame["risk_tag"] = [{"tag": r, "text": _fmt(r)} if r else "" for r in frame["risk"]]
    tables = [
        _table(
            "Open episodes now",
            frame,
            {
                "rid": "Episode",
                "pid": "Child",
                "reported_at": "Reported",
                "hours_missing": "Hours missing",
                "risk_tag": "Risk",
                "missing_from_type": "Missing from",
            },
            {"pid": _child, "risk_tag": lambda v: v},
        ),
        _table(
            "Delayed reports due for review",
            frame[frame["review_due"]],
            {"rid": "Episode", "pid": "Child", "review_at": "Review was due"},
            {"pid": _child},
        ),
    ]
    return _page(request, actor, "after/tables.html", title="Open episodes", tables=tables)


@router.get("/dashboards/frequent", response_class=HTMLResponse)
def frequent(request: Request, actor: Caller, session: DB):
    if (refused := _need(request, actor, "/dashboards/frequent")) is not None:
        return refused
    table, rising = dash.frequent_and_emerging(session, actor, datetime.now())
    return _page(
        request,
        actor,
        "after/tables.html",
        title="Frequently missing children",
        tables=[
            _table(
                "Three or more episodes in the last year",
                table,
                {
                    "pid": "Child",
                    "last_90_days": "Last 90 days",
                    "last_year": "Last year",
                    "pattern": "Pattern",
                    "intense_periods": "Intense periods",
                    "escalation": "Escalation",
                },
                {"pid": _child},
            ),
            _table(
                "Emerging frequent: recent frequency rising",
                rising,
                {"pid": "Child", "recent": "Recent", "baseline": "Before", "why": "Why listed"},
                {"pid": _child},
            ),
        ],
    )


@router.get("/dashboards/interviews", response_class=HTMLResponse)
def interviews(request: Request, actor: Caller, session: DB):
    if (refused := _need(request, actor, "/dashboards/interviews")) is not None:
        return refused
    now = datetime.now()
    dash.refresh(session, now)
    overdue = _clock_rows(
        return_home.list_with_clock(session, actor, now, "overdue", limit=200, newest_first=True)
    )
    rows = _clock_rows(
        return_home.list_with_clock(session, actor, now, limit=200, newest_first=True)
    )
    compliance = dash.rhi_compliance(session, actor)
    columns = {
        "open": "Interview",
        "pid": "Child",
        "due_at": "Due by",
        "state_tag": "State",
        "interviewer_kind": "By",
        "shared_with_police": "Shared",
    }
    keep = {"open": lambda v: v, "state_tag": lambda v: v, "pid": _child}
    return _page(
        request,
        actor,
        "after/tables.html",
        title="Return home interviews",
        tables=[
            _table("Overdue (not done within 72 hours), newest first", overdue, columns, keep)
            if len(overdue)
            else {"caption": "Overdue (not done within 72 hours)", "headers": [], "rows": []},
            _table("All interviews, newest due first", rows, columns, keep)
            if len(rows)
            else {"caption": "All interviews, newest due first", "headers": [], "rows": []},
            _table(
                "Compliance per month of return",
                compliance,
                {
                    "month": "Month",
                    "episodes": "Episodes",
                    "offered": "Offered",
                    "within_target": "Within 72 h",
                    "completed": "Completed",
                    "shared_with_police": "Shared with police",
                },
            ),
        ],
    )


def _clock_rows(interviews: list[dict]) -> pd.DataFrame:
    rows = pd.DataFrame(interviews)
    if len(rows):
        rows["pid"] = [c["pid"] for c in rows["child"]]
        rows["open"] = [
            {"href": f"/interviews/{i}/record", "text": f"Interview {i}"} for i in rows["id"]
        ]
        rows["state_tag"] = [{"tag": s, "text": _fmt(s)} for s in rows["state"]]
    return rows


@router.get("/dashboards/care-homes", response_class=HTMLResponse)
def care_homes(
    request: Request, actor: Caller, session: DB, start: str | None = None, end: str | None = None
):
    if (refused := _need(request, actor, "/dashboards/care-homes")) is not None:
        return refused
    lo, hi = _period(start, end, datetime.now())
    frame = dash.care_home_feedback(session, actor, lo, hi)
    columns = {
        "home": "Home",
        "episodes": "Episodes",
        "resident_months": "Resident-months",
        "episodes_per_resident_month": "Episodes per resident-month",
        "short_own_return_share": "Ended within 2 h by own return",
        "profile_completeness": "Profile completeness",
        "interviews_on_time_share": "Interviews within 72 h",
    }
    return _page(
        request,
        actor,
        "after/tables.html",
        title="Care-home feedback",
        intro="The feedback the missing persons team gives homes and Ofsted. Short "
        "episodes ended by the child's own return are likely 'late, not missing'.",
        period={"start": lo.date().isoformat(), "end": hi.date().isoformat()},
        tables=[
            _table("Per home", frame, columns)
            if len(frame)
            else {"caption": "Per home", "headers": [], "rows": []}
        ],
    )


@router.get("/dashboards/hotspots", response_class=HTMLResponse)
def hotspots(
    request: Request, actor: Caller, session: DB, start: str | None = None, end: str | None = None
):
    if (refused := _need(request, actor, "/dashboards/hotspots")) is not None:
        return refused
    lo, hi = _period(start, end, datetime.now())
    parts = dash.hotspots(dash.scoped_frame(session, actor), lo, hi)
    captions = {
        "places": ("Places missing from", "missing_from_place_id"),
        "from_sectors": ("Postcode sectors missing from", "missing_from_postcode_sector"),
        "found_sectors": ("Postcode sectors found in", "found_postcode_sector"),
    }
    tables = [
        _table(captions[k][0], t.head(20), {captions[k][1]: "Where", "episodes": "Episodes"})
        for k, t in parts.items()
    ]
    return _page(
        request,
        actor,
        "after/tables.html",
        title="Hotspots",
        tables=tables,
        period={"start": lo.date().isoformat(), "end": hi.date().isoformat()},
    )


@router.get("/dashboards/network", response_class=HTMLResponse)
def network(request: Request, actor: Caller, session: DB):
    if (refused := _need(request, actor, "/dashboards/network")) is not None:
        return refused
    graph = dash.network_graph(session, actor)
    pos = {n["id"]: (n["x"], n["y"]) for n in graph["nodes"]}
    return _page(request, actor, "after/network.html", graph=graph, pos=pos)


@router.get("/children/{pid}/timeline", response_class=HTMLResponse)
def timeline(pid: str, request: Request, actor: Caller, session: DB):
    if actor is None:
        return RedirectResponse("/login", status_code=303)
    events = pd.DataFrame(
        child_timeline(session, actor, pid[:64]), columns=["at", "kind", "text", "ref"]
    )
    may_open = access.allowed(actor.role, "referrals", "list")
    events["ref"] = [
        {"href": f"/referrals/{r}", "text": f"Referral {r}"} if k == "referral" and may_open else r
        for k, r in zip(events["kind"], events["ref"])
    ]
    return _page(
        request,
        actor,
        "after/tables.html",
        title=f"Timeline of child {pid}",
        intro="Episodes, interviews, referrals, meetings and actions together.",
        tables=[
            _table(
                "What happened, oldest first",
                events,
                {"at": "When", "kind": "What", "text": "Detail", "ref": "Ref"},
                {"ref": lambda v: v},
            )
        ],
    )


@router.get("/notifications", response_class=HTMLResponse)
def notifications(request: Request, actor: Caller, session: DB):
    if actor is None:
        return RedirectResponse("/login", status_code=303)
    dash.refresh(session, datetime.now())
    rows = pd.DataFrame(
        [
            (n.created_at, n.subject, n.body)
            for n in list_notifications(session, actor, False, 0, 200)
        ],
        columns=["created_at", "subject", "body"],
    )
    return _page(
        request,
        actor,
        "after/tables.html",
        title="Notifications",
        tables=[
            _table(
                "Newest first", rows, {"created_at": "When", "subject": "Subject", "body": "Detail"}
            )
        ],
    )


def _split(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


def _findings(form) -> dict:
    """The findings fields of either interview's form, in the API's shape."""
    return {
        "reason_codes": form.getlist("reason_codes"),
        "exploitation_indicators": form.getlist("exploitation_indicators"),
        "who_with": _split(form.get("who_with")),
        "where": _split(form.get("where")),
        "free_text": form.get("free_text") or None,
    }


def _field_errors(exc: ValidationError) -> list[dict]:
    return [
        {"field": str(e["loc"][0]), "message": f"{e['loc'][0]}: {e['msg']}"} for e in exc.errors()
    ]


@router.get("/episodes/{rid}/close", response_class=HTMLResponse)
def close_form(rid: str, request: Request, actor: Caller, session: DB):
    if actor is None:
        return RedirectResponse("/login", status_code=303)
    access.require(actor, "episodes", "update")
    episode = visible_episode(session, actor, rid[:64])
    return _page(
        request,
        actor,
        "after/close.html",
        episode=episode,
        choices=CHOICES,
        form={"found_at": datetime.now().strftime("%Y-%m-%dT%H:%M")},
    )


@router.post("/episodes/{rid}/close", response_class=HTMLResponse)
async def close_submit(rid: str, request: Request, actor: Caller, session: DB):
    from misper.app.episodes.api import EpisodeClose

    if actor is None:
        return RedirectResponse("/login", status_code=303)
    form = dict(await request.form())
    fields = {k: v for k, v in form.items() if k in FOUND_FIELDS and v}
    body = {
        "version": form.get("version"),
        **fields,
        "with_rids": _split(form.get("with_rids")),
        "associates": [{"associate_id": a} for a in _split(form.get("associates"))],
    }
    try:
        data = EpisodeClose.model_validate(body)
        found = data.model_dump(include=set(FOUND_FIELDS), exclude_none=True)
        close_episode(
            session,
            actor,
            rid[:64],
            data.version,
            found,
            list(data.with_rids),
            [a.model_dump() for a in data.associates],
        )
    except ValidationError as exc:
        return _refill(request, actor, session, rid, form, _field_errors(exc))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        session.rollback()
        errors = exc.fields or [{"field": "found_at", "message": exc.message}]
        return _refill(request, actor, session, rid, form, errors)
    return RedirectResponse(f"/children/{_pid(session, rid)}/timeline", status_code=303)


def _pid(session, rid: str) -> str:
    from sqlalchemy import select

    from misper.app.children.models import Child
    from misper.app.episodes.models import Episode

    return session.scalar(
        select(Child.pid).join(Episode, Episode.child_id == Child.id).where(Episode.rid == rid)
    )


def _refill(request, actor, session, rid, form, errors):
    episode = visible_episode(session, actor, rid[:64])
    return _page(
        request,
        actor,
        "after/close.html",
        status_code=422,
        episode=episode,
        choices=CHOICES,
        form=form,
        errors=errors,
    )


@router.get("/interviews/{rhi_id}/record", response_class=HTMLResponse)
def interview_form(rhi_id: int, request: Request, actor: Caller, session: DB):
    if actor is None:
        return RedirectResponse("/login", status_code=303)
    rhi = return_home.read(session, actor, rhi_id, datetime.now())
    return _interview(request, actor, rhi, saved=request.query_params.get("saved") == "1")


def _interview(request, actor, rhi, status_code=200, **context):
    rules = default_config().escalation.marm
    return _page(
        request,
        actor,
        "after/interview.html",
        status_code=status_code,
        rhi=rhi,
        f=rhi["findings"],
        fields=FIELDS,
        reason_codes=REASON_CODES,
        indicators=rules.exploitation_flags,
        **context,
    )


@router.post("/interviews/{rhi_id}/record", response_class=HTMLResponse)
async def interview_submit(rhi_id: int, request: Request, actor: Caller, session: DB):
    from misper.app.interviews.schemas import RecordIn

    if actor is None:
        return RedirectResponse("/login", status_code=303)
    form = await request.form()
    accepted = form.get("accepted")
    body = {
        "version": form.get("version"),
        "offered": form.get("offered") == "1",
        "accepted": None if accepted is None else accepted == "yes",
        "completed_at": form.get("completed_at") or None,
        "interviewer": form.get("interviewer") or None,
        "findings": _findings(form),
        "shared": form.getlist("shared"),
    }
    try:
        data = RecordIn.model_validate(body)
        changes = data.model_dump(include={"offered", "accepted", "completed_at", "interviewer"})
        return_home.record(
            session,
            actor,
            rhi_id,
            data.version,
            changes,
            data.findings.model_dump(),
            list(data.shared or []),
            datetime.now(),
        )
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, DomainError) and exc.status in (403, 404):
            raise
        session.rollback()
        errors = (
            _field_errors(exc)
            if isinstance(exc, ValidationError)
            else exc.fields or [{"field": "version", "message": exc.message}]
        )
        rhi = return_home.read(session, actor, rhi_id, datetime.now())
        return _interview(request, actor, rhi, status_code=422, errors=errors)
    return RedirectResponse(f"/interviews/{rhi_id}/record?saved=1", status_code=303)


@router.get("/episodes/{rid}/prevention", response_class=HTMLResponse)
def prevention_form(rid: str, request: Request, actor: Caller, session: DB):
    if actor is None:
        return RedirectResponse("/login", status_code=303)
    access.require(actor, "prevention_interviews", "create")
    try:
        current = prevention.read(session, actor, rid[:64])
    except NotFound:
        visible_episode(session, actor, rid[:64])  # 404 unless the episode is the caller's
        current = {"outcome": "done", "findings": as_dict(None)}
    return _prevention(
        request,
        actor,
        rid,
        current["outcome"],
        current["findings"],
        saved=request.query_params.get("saved") == "1",
    )


def _prevention(request, actor, rid, outcome, findings, status_code=200, **context):
    return _page(
        request,
        actor,
        "after/prevention.html",
        status_code=status_code,
        rid=rid,
        outcome=outcome,
        f=findings,
        fields=FIELDS,
        reason_codes=REASON_CODES,
        outcomes=BY_NAME["prevention_interview"].values,
        indicators=default_config().escalation.marm.exploitation_flags,
        **context,
    )


@router.post("/episodes/{rid}/prevention", response_class=HTMLResponse)
async def prevention_submit(rid: str, request: Request, actor: Caller, session: DB):
    from misper.app.interviews.schemas import PreventionFindingsIn

    if actor is None:
        return RedirectResponse("/login", status_code=303)
    form = await request.form()
    body = {
        "outcome": form.get("outcome"),
        "findings": _findings(form),
        "for_intelligence": form.getlist("shared"),
    }
    try:
        data = PreventionFindingsIn.model_validate(body)
    except ValidationError as exc:
        return _prevention(
            request,
            actor,
            rid,
            body["outcome"],
            {**body["findings"], "shared": body["for_intelligence"]},
            status_code=422,
            errors=_field_errors(exc),
        )
    prevention.record(
        session,
        actor,
        rid[:64],
        data.outcome,
        None,
        data.findings.model_dump(),
        list(data.for_intelligence),
    )
    return RedirectResponse(f"/episodes/{rid}/prevention?saved=1", status_code=303)


def _referral_page(request, actor, session, referral_id: int, status_code=200, errors=None):
    from misper.app.escalation.service import read_referral

    referral, pid = read_referral(session, actor, referral_id)
    return _page(
        request,
        actor,
        "after/referral.html",
        status_code=status_code,
        referral=referral,
        pid=pid,
        errors=errors,
        meetings=meetings.meetings_of(session, actor, referral_id),
    )


@router.get("/referrals/{referral_id}", response_class=HTMLResponse)
def referral_page(referral_id: int, request: Request, actor: Caller, session: DB):
    if actor is None:
        return RedirectResponse("/login", status_code=303)
    return _referral_page(request, actor, session, referral_id)


@router.post("/referrals/{referral_id}/{part:path}", response_class=HTMLResponse)
async def referral_submit(
    referral_id: int, part: str, request: Request, actor: Caller, session: DB
):
    """Meetings, their actions and the referral's outcome, each checked as the API checks it."""
    from misper.app.escalation.api import ActionDone, ActionIn, MeetingIn
    from misper.app.escalation.schemas import OutcomeIn
    from misper.app.escalation.service import record_outcome

    if actor is None:
        return RedirectResponse("/login", status_code=303)
    form = {k: v for k, v in (await request.form()).items() if v}
    steps = part.split("/")
    try:
        if steps == ["meetings"]:
            data = MeetingIn.model_validate(form)
            meetings.record_meeting(
                session, actor, referral_id, data.held_at, data.attendees, data.summary
            )
        elif len(steps) == 3 and steps[0] == "meetings" and steps[2] == "actions":
            data = ActionIn.model_validate(form)
            meetings.add_action(session, actor, int(steps[1]), data.description, None, None)
        elif len(steps) == 3 and steps[0] == "actions" and steps[2] == "done":
            meetings.complete_action(
                session, actor, int(steps[1]), ActionDone.model_validate(form).outcome
            )
        elif steps == ["outcome"]:
            record_outcome(session, actor, referral_id, OutcomeIn.model_validate(form).outcome)
        else:
            raise NotFound("page")
    except ValueError as exc:  # a ValidationError, or a step that is not a number
        session.rollback()
        errors = (
            _field_errors(exc)
            if isinstance(exc, ValidationError)
            else [{"field": "held_at", "message": "not a valid address"}]
        )
        return _referral_page(request, actor, session, referral_id, 422, errors)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        session.rollback()
        return _referral_page(
            request,
            actor,
            session,
            referral_id,
            422,
            exc.fields or [{"field": "held_at", "message": exc.message}],
        )
    return RedirectResponse(f"/referrals/{referral_id}", status_code=303)


@router.get("/interviews", response_class=HTMLResponse)
def interviews_menu(actor: Caller):
    """The menu's return home interviews are the interviews dashboard (its list and clock)."""
    return RedirectResponse(
        "/login" if actor is None else "/dashboards/interviews", status_code=303
    )


@router.get("/referrals", response_class=HTMLResponse)
def referrals_page(request: Request, actor: Caller, session: DB):
    from misper.app.escalation.service import list_referrals

    if actor is None:
        return RedirectResponse("/login", status_code=303)
    if not access.allowed(actor.role, "referrals", "list"):
        return _page(request, actor, "forbidden.html", status_code=403)
    rows = pd.DataFrame(
        [
            (r.id, pid, r.meeting, r.reason, r.referred_at, r.outcome)
            for r, pid in list_referrals(session, actor, None, None, 0, 200)
        ],
        columns=["id", "pid", "meeting", "reason", "referred_at", "outcome"],
    )
    rows["open"] = [{"href": f"/referrals/{i}", "text": f"Referral {i}"} for i in rows["id"]]
    rows["meeting"] = rows["meeting"].str.upper()
    return _page(
        request,
        actor,
        "after/tables.html",
        title="Referrals",
        tables=[
            _table(
                "MARM and MACE referrals, newest first",
                rows,
                {
                    "open": "Referral",
                    "pid": "Child",
                    "meeting": "Meeting",
                    "reason": "Why",
                    "referred_at": "Referred",
                    "outcome": "Outcome",
                },
                {"open": lambda v: v, "pid": _child},
            )
        ],
    )


@router.get("/emerging-frequent", response_class=HTMLResponse)
def charity_emerging(request: Request, actor: Caller, session: DB):
    """The charity worker's page: each partner force's emerging-frequent list, ids and why only."""
    from misper.app.charity.service import emerging_for_charity

    if actor is None:
        return RedirectResponse("/login", status_code=303)
    if not access.allowed(actor.role, "partner_emerging", "list"):
        return _page(request, actor, "forbidden.html", status_code=403)
    lists = emerging_for_charity(session, actor, datetime.now())
    tables = [
        _table(
            f"{entry['force']}: recent frequency rising",
            pd.DataFrame(entry["children"], columns=["pid", "recent", "baseline", "why"]),
            {
                "pid": "Child (pseudonymous id)",
                "recent": "Recent",
                "baseline": "Before",
                "why": "Why listed",
            },
        )
        for entry in lists
    ]
    return _page(
        request,
        actor,
        "after/tables.html",
        title="Emerging frequent",
        intro="Children of your partner forces whose recent frequency is rising, ranked. "
        "Quote the id to the force's missing persons team to offer support."
        + ("" if lists else " No force partners your charity yet."),
        tables=tables,
    )


def _partnerships_page(request, actor, session, status_code=200, errors=None):
    from sqlalchemy import select

    from misper.app.agencies.models import Agency
    from misper.app.charity.service import list_partnerships

    agencies = session.scalars(select(Agency).order_by(Agency.name)).all()
    return _page(
        request,
        actor,
        "after/partnerships.html",
        status_code=status_code,
        rows=list_partnerships(session, actor),
        errors=errors,
        charities=[a for a in agencies if a.kind == "charity"],
        forces=[a for a in agencies if a.kind == "police"],
    )


@router.get("/charity-partnerships", response_class=HTMLResponse)
def partnerships(request: Request, actor: Caller, session: DB):
    if actor is None:
        return RedirectResponse("/login", status_code=303)
    if not access.allowed(actor.role, "charity_partnerships", "create"):
        return _page(request, actor, "forbidden.html", status_code=403)
    return _partnerships_page(request, actor, session)


@router.post("/charity-partnerships", response_class=HTMLResponse)
async def partnership_add(request: Request, actor: Caller, session: DB):
    from misper.app.charity.api import PartnershipIn
    from misper.app.charity.service import add_partnership

    if actor is None:
        return RedirectResponse("/login", status_code=303)
    form = {k: v for k, v in (await request.form()).items() if v}
    try:
        data = PartnershipIn.model_validate(form)
        add_partnership(session, actor, data.charity_id, data.force_id)
    except ValidationError as exc:
        return _partnerships_page(request, actor, session, 422, _field_errors(exc))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        session.rollback()
        return _partnerships_page(
            request,
            actor,
            session,
            422,
            exc.fields or [{"field": "charity_id", "message": exc.message}],
        )
    return RedirectResponse("/charity-partnerships", status_code=303)


@router.post("/charity-partnerships/{partnership_id}/end", response_class=HTMLResponse)
def partnership_end(
    partnership_id: Annotated[int, Path(ge=1, le=MAX_ID)], actor: Caller, session: DB
):
    from misper.app.charity.service import end_partnership

    if actor is None:
        return RedirectResponse("/login", status_code=303)
    end_partnership(session, actor, partnership_id)
    return RedirectResponse("/charity-partnerships", status_code=303)
