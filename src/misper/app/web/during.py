"""Web pages of the "during" stage: the carer's flowchart, the control room's queue and triage,
tasks, and the task review. Forms refuse bad input field by field and show back what was typed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from misper.app import access
from misper.app.children import service as children
from misper.app.episodes import sightings
from misper.app.episodes.models import Episode
from misper.app.errors import Invalid
from misper.app.flowchart import service as flowchart
from misper.app.flowchart.service import RESULTS
from misper.app.routing import DB
from misper.app.tasks import service as tasks
from misper.app.triage import service as triage
from misper.app.ui.pages import Caller
from misper.app.ui.pages import render as _page
from misper.app.users.models import User
from misper.incidents.schema import RISK_FLAGS, RISK_LEVELS
from misper.process.config import default_config
from misper.process.flowchart import Outcome
from misper.process.philomena import FIELDS

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
Rid = Annotated[str, Path(min_length=1, max_length=64)]
Text = Annotated[str, Form(max_length=4_000)]
OUTCOME_TITLES = {
    Outcome.KEEP_TRYING: "Keep trying",
    Outcome.LATE_MONITOR: "Record as absent / late and monitor",
    Outcome.REPORT_NOW: "Report to the police now",
    Outcome.RETURNED: "Returned: no report needed",
}
LEVELS = tuple(level for level in RISK_LEVELS if level not in ("absent", "unknown"))
# What the wait guidance's similar episodes share with this one, in the control room's words.
ALIKE = {
    "missing_from_type": "where from",
    "hour_band": "time of day",
    "age_band": "age band",
    "exploitation_flag": "exploitation flags",
    "previous_band": "number of earlier episodes",
    "previous_duration_band": "how long the last one lasted",
}


def _when(value: str, field: str) -> datetime:
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(field, "enter a date and time, for example 2024-03-01 21:30") from None


def _gate(request: Request, actor, resource: str, action: str):
    """None when the caller may use the page, else the response to send instead."""
    if actor is None:
        return RedirectResponse("/login", status_code=303)
    if not access.allowed(actor.role, resource, action):
        return _page(request, "forbidden.html", actor, status_code=403)
    return None


def _errors(exc: Invalid) -> dict[str, str]:
    return {f["field"].split(".")[0]: f["message"] for f in exc.fields}


# --- The carer's flowchart -------------------------------------------------------------------


@router.get("/not-here", response_class=HTMLResponse)
def not_here_list(request: Request, session: DB, actor: Caller):
    if (refused := _gate(request, actor, "episodes", "create")) is not None:
        return refused
    return _not_here_page(request, session, actor)


def _not_here_page(request, session, actor, errors=None, values=None, status_code=200):
    rows, _ = children.list_children(session, actor, in_care=None, offset=0, limit=200)
    return _page(
        request,
        "during/not_here_list.html",
        actor,
        status_code=status_code,
        children=rows,
        may_report_any=access.may_report_any_child(actor),
        errors=errors or {},
        values=values or {"expected_back": f"{datetime.now():%Y-%m-%dT%H:%M}"},
    )


@router.post("/not-here", response_class=HTMLResponse)
def start_for_new_child(
    request: Request,
    session: DB,
    actor: Caller,
    name: Annotated[str, Form(max_length=200)] = "",
    date_of_birth: Annotated[str, Form(max_length=20)] = "",
    expected_back: Annotated[str, Form(max_length=40)] = "",
):
    """A parent's or another's report, taken by the police, for a child with no record or profile."""
    if (refused := _gate(request, actor, "episodes", "create")) is not None:
        return refused
    values = {"name": name, "date_of_birth": date_of_birth, "expected_back": expected_back}
    try:
        born = None
        if date_of_birth.strip():
            try:
                born = date.fromisoformat(date_of_birth.strip())
            except ValueError:
                raise Invalid("date_of_birth", "enter a date, for example 2010-05-31") from None
        check = flowchart.start_check(
            session,
            actor,
            None,
            _when(expected_back, "expected_back"),
            new_child={"name": name, "date_of_birth": born},
        )
    except Invalid as exc:
        session.rollback()
        return _not_here_page(request, session, actor, _errors(exc), values, 422)
    return RedirectResponse(f"/checks/{check.id}", status_code=303)


@router.get("/children/{pid}/not-here", response_class=HTMLResponse)
def start_form(request: Request, pid: Rid, actor: Caller):
    if (refused := _gate(request, actor, "episodes", "create")) is not None:
        return refused
    return _page(
        request,
        "during/check_start.html",
        actor,
        pid=pid,
        errors={},
        values={"expected_back": f"{datetime.now():%Y-%m-%dT%H:%M}"},
    )


@router.post("/children/{pid}/not-here", response_class=HTMLResponse)
def start(
    request: Request,
    pid: Rid,
    session: DB,
    actor: Caller,
    expected_back: Annotated[str, Form(max_length=40)] = "",
):
    if (refused := _gate(request, actor, "episodes", "create")) is not None:
        return refused
    try:
        check = flowchart.start_check(session, actor, pid, _when(expected_back, "expected_back"))
    except Invalid as exc:
        session.rollback()
        return _page(
            request,
            "during/check_start.html",
            actor,
            status_code=422,
            pid=pid,
            errors=_errors(exc),
            values={"expected_back": expected_back},
        )
    return RedirectResponse(f"/checks/{check.id}", status_code=303)


def _check_page(request, session, actor, check_id, errors=None, values=None, status_code=200):
    view = flowchart.read_check(session, actor, check_id)
    rules = default_config().carer_flowchart
    episode = session.get(Episode, view.check.episode_id) if view.check.episode_id else None
    return _page(
        request,
        "during/check.html",
        actor,
        status_code=status_code,
        view=view,
        episode_rid=episode.rid if episode else None,
        rules=rules,
        results=RESULTS,
        outcome_title=OUTCOME_TITLES[view.decision.outcome],
        labels={s.key: s.label for s in rules.steps},
        errors=errors or {},
        values=values or {"at": f"{datetime.now():%Y-%m-%dT%H:%M}"},
    )


@router.get("/checks/{check_id}", response_class=HTMLResponse)
def check_page(request: Request, check_id: Id, session: DB, actor: Caller):
    if (refused := _gate(request, actor, "episodes", "create")) is not None:
        return refused
    return _check_page(request, session, actor, check_id)


@router.post("/checks/{check_id}/steps", response_class=HTMLResponse)
def record_step(
    request: Request,
    check_id: Id,
    session: DB,
    actor: Caller,
    step: Annotated[str, Form(max_length=40)] = "",
    result: Annotated[str, Form(max_length=24)] = "",
    at: Annotated[str, Form(max_length=40)] = "",
    note: Text = "",
):
    if (refused := _gate(request, actor, "episodes", "create")) is not None:
        return refused
    values = {"step": step, "result": result, "at": at, "note": note}
    try:
        flowchart.record_step(session, actor, check_id, step, result, _when(at, "at"), note.strip())
    except Invalid as exc:
        session.rollback()
        return _check_page(request, session, actor, check_id, _errors(exc), values, 422)
    return RedirectResponse(f"/checks/{check_id}#outcome", status_code=303)


@router.post("/checks/{check_id}/concerns", response_class=HTMLResponse)
async def set_concerns(request: Request, check_id: Id, session: DB, actor: Caller):
    if (refused := _gate(request, actor, "episodes", "create")) is not None:
        return refused
    form = await request.form()
    concerns = [str(v)[:40] for v in form.getlist("concerns")][:20]
    try:
        flowchart.set_concerns(session, actor, check_id, concerns)
    except Invalid as exc:
        session.rollback()
        return _check_page(request, session, actor, check_id, _errors(exc), None, 422)
    return RedirectResponse(f"/checks/{check_id}#outcome", status_code=303)


@router.post("/checks/{check_id}/report", response_class=HTMLResponse)
def report(request: Request, check_id: Id, session: DB, actor: Caller):
    if (refused := _gate(request, actor, "episodes", "create")) is not None:
        return refused
    episode, _pid = flowchart.report_to_police(session, actor, check_id)
    return RedirectResponse(f"/checks/{check_id}?reported={episode.rid}", status_code=303)


# --- The control room ------------------------------------------------------------------------


@router.get("/control-room", response_class=HTMLResponse)
def control_room(request: Request, session: DB, actor: Caller):
    if (refused := _gate(request, actor, "decisions", "list")) is not None:
        return refused
    rows = triage.queue(session, actor)
    session.commit()  # the reminders raised by opening the page are kept
    from misper.app.notifications.service import list_notifications

    notes = list_notifications(session, actor, True, 0, 20)
    return _page(request, "during/control_room.html", actor, rows=rows, notifications=notes)


def _triage_page(request, session, actor, rid, errors=None, values=None, status_code=200):
    view = triage.triage(session, actor, rid)
    config = default_config()
    wanted = {row.progress.assigned_to for row in view.tasks} - {None}
    assignees = dict(
        session.execute(select(User.id, User.username).where(User.id.in_(wanted))).all()
    )
    return _page(
        request,
        "during/triage.html",
        actor,
        status_code=status_code,
        view=view,
        fields=FIELDS,
        levels=LEVELS,
        flags=RISK_FLAGS,
        decisions=triage.DECISIONS,
        forbidden=config.risk_assessment.forbidden_for_under_18,
        step_labels={s.key: s.label for s in config.carer_flowchart.steps},
        results=RESULTS,
        errors=errors or {},
        values=values or {},
        assignees=assignees,
        alike=ALIKE,
        may_decide=access.allowed(actor.role, "decisions", "create"),
        may_assess=access.allowed(actor.role, "risk_assessments", "create"),
    )


@router.get("/triage/{rid}", response_class=HTMLResponse)
def triage_page(request: Request, rid: Rid, session: DB, actor: Caller):
    if (refused := _gate(request, actor, "decisions", "list")) is not None:
        return refused
    return _triage_page(request, session, actor, rid)


@router.post("/triage/{rid}/risk", response_class=HTMLResponse)
async def assess(request: Request, rid: Rid, session: DB, actor: Caller):
    if (refused := _gate(request, actor, "risk_assessments", "create")) is not None:
        return refused
    form = await request.form()
    level, rationale = str(form.get("level", ""))[:32], str(form.get("rationale", ""))[:4000]
    factors = [str(v)[:32] for v in form.getlist("factors")][:40]
    try:
        triage.assess_risk(session, actor, rid, level, factors, rationale)
    except Invalid as exc:
        session.rollback()
        return _triage_page(
            request,
            session,
            actor,
            rid,
            _errors(exc),
            {"level": level, "factors": factors, "rationale": rationale},
            422,
        )
    return RedirectResponse(f"/triage/{rid}#tasks", status_code=303)


@router.post("/triage/{rid}/decision", response_class=HTMLResponse)
def decide(
    request: Request,
    rid: Rid,
    session: DB,
    actor: Caller,
    decision: Annotated[str, Form(max_length=16)] = "",
    review_at: Annotated[str, Form(max_length=40)] = "",
    rationale: Text = "",
):
    if (refused := _gate(request, actor, "decisions", "create")) is not None:
        return refused
    values = {"decision": decision, "review_at": review_at, "decision_rationale": rationale}
    try:
        when = _when(review_at, "review_at") if review_at.strip() else None
        triage.decide(session, actor, rid, decision, when, rationale)
    except Invalid as exc:
        session.rollback()
        errors = {
            ("decision_rationale" if k == "rationale" else k): v for k, v in _errors(exc).items()
        }
        return _triage_page(request, session, actor, rid, errors, values, 422)
    return RedirectResponse(f"/triage/{rid}#decisions", status_code=303)


@router.post("/tasks/{task_id}", response_class=HTMLResponse)
def task_action(
    request: Request,
    task_id: Id,
    session: DB,
    actor: Caller,
    rid: Annotated[str, Form(max_length=64)] = "",
    action: Annotated[str, Form(max_length=16)] = "",
    reason: Text = "",
    assignee: Annotated[str, Form(max_length=80)] = "",
):
    if (refused := _gate(request, actor, "tasks", "update")) is not None:
        return refused
    try:
        if action in ("helped", "not_helped"):
            tasks.complete(session, actor, task_id, contributed=action == "helped")
        elif action == "not_needed":
            tasks.not_needed(session, actor, task_id, reason)
        elif action == "assign":
            tasks.assign(session, actor, task_id, assignee.strip())
        else:
            raise Invalid("action", "choose what to do with the task")
    except Invalid as exc:
        session.rollback()
        errors = {f"task-{task_id}": next(iter(_errors(exc).values()))}
        return _triage_page(
            request,
            session,
            actor,
            rid,
            errors,
            {f"reason-{task_id}": reason, f"assignee-{task_id}": assignee},
            422,
        )
    return RedirectResponse(f"/triage/{rid}#task-{task_id}", status_code=303)


@router.post("/episodes/{rid}/updates", response_class=HTMLResponse)
def add_update(
    request: Request,
    rid: Rid,
    session: DB,
    actor: Caller,
    kind: Annotated[str, Form(max_length=16)] = "update",
    text: Text = "",
    postcode_sector: Annotated[str, Form(max_length=40)] = "",
    back: Annotated[str, Form(max_length=200)] = "",
):
    if (refused := _gate(request, actor, "updates", "create")) is not None:
        return refused
    # Only a path on this site: never send the user elsewhere.
    back = back if back.startswith("/") and not back.startswith("//") else f"/triage/{rid}"
    sector = postcode_sector.strip().upper() or None
    try:
        if kind not in ("update", "sighting"):
            raise Invalid("kind", "choose update or sighting")
        if not text.strip():
            raise Invalid("text", "say what is new")
        if sector is not None and len(sector) > 8:
            raise Invalid(
                "postcode_sector", "a postcode sector is at most 8 characters, e.g. AL1 3"
            )
        sightings.add_sighting_or_update(session, actor, rid, kind, text.strip(), sector)
    except Invalid as exc:
        session.rollback()
        values = {"kind": kind, "text": text, "postcode_sector": postcode_sector}
        if back.startswith("/checks/"):
            return _check_page(
                request,
                session,
                actor,
                int(back.split("/")[2].split("?")[0]),
                _errors(exc),
                values,
                422,
            )
        if back == f"/episodes/{rid}" or not access.allowed(actor.role, "decisions", "list"):
            from misper.app.web.case_pages import render_episode  # the page imports this module

            return render_episode(request, session, actor, rid, _errors(exc), values, 422)
        return _triage_page(request, session, actor, rid, _errors(exc), values, 422)
    return RedirectResponse(back + "#updates", status_code=303)


@router.get("/task-review", response_class=HTMLResponse)
def task_review(request: Request, session: DB, actor: Caller):
    if (refused := _gate(request, actor, "tasks", "list")) is not None:
        return refused
    table = tasks.task_review(session, actor)
    return _page(request, "during/task_review.html", actor, rows=table.to_dict("records"))
