"""The control room's web pages: the queue of open reports, and an episode's triage (what is known,
the wait guidance, the risk assessment, the decision, the tasks and the updates)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.episodes.schemas import DecisionIn
from misper.app.errors import Invalid
from misper.app.flowchart.service import RESULTS
from misper.app.notifications.service import list_notifications
from misper.app.routing import DB, allowed
from misper.app.schemas import IdPath
from misper.app.tasks import service as tasks
from misper.app.tasks.schemas import AssignIn, NotNeededIn
from misper.app.triage import service as triage
from misper.app.triage.api import Rid
from misper.app.triage.schemas import AssessmentIn
from misper.app.ui import forms
from misper.app.ui.forms import field_errors, update_form_host, when
from misper.app.ui.pages import render
from misper.app.users.models import User
from misper.incidents.schema import RISK_FLAGS
from misper.process.config import default_config
from misper.process.philomena import FIELDS

router = APIRouter(include_in_schema=False)
forms.limited(AssessmentIn, DecisionIn, NotNeededIn, AssignIn)
NOTIFICATIONS_SHOWN = 20
# What the wait guidance's similar episodes share with this one, in the control room's words.
ALIKE = {
    "missing_from_type": "where from",
    "hour_band": "time of day",
    "age_band": "age band",
    "exploitation_flag": "exploitation flags",
    "previous_band": "number of earlier episodes",
    "previous_duration_band": "how long the last one lasted",
}


@router.get("/control-room", response_class=HTMLResponse)
def control_room(request: Request, session: DB, actor: Actor = allowed("decisions", "list")):
    rows = triage.queue(session, actor)
    session.commit()  # the reminders raised by opening the page are kept
    notes = list_notifications(session, actor, True, 0, NOTIFICATIONS_SHOWN)
    return render(request, "triage/control_room.html", actor, rows=rows, notifications=notes)


def render_triage(
    request: Request,
    session: Session,
    actor: Actor,
    rid: str,
    errors: dict[str, str] | None = None,
    values: dict | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The episode's triage page; also shown again with a refusal by the forms posted from it
    (risk, decision, a task, an update)."""
    view = triage.triage(session, actor, rid)
    config = default_config()
    wanted = {task.assigned_to for task in view.tasks} - {None}
    assignees = dict(
        session.execute(select(User.id, User.username).where(User.id.in_(wanted))).all()
    )
    return render(
        request,
        "triage/triage.html",
        actor,
        status_code=status_code,
        view=view,
        fields=FIELDS,
        levels=config.risk_assessment.levels,
        flags=RISK_FLAGS,
        decisions=triage.DECISIONS,
        forbidden=config.risk_assessment.forbidden_for_under_18,
        step_labels={s.key: s.label for s in config.carer_flowchart.steps},
        results=RESULTS,
        recent_days=triage.RECENT_DAYS,
        review_max_hours=config.time_limits.delay_review_max_hours,
        errors=errors or {},
        values=values or {},
        assignees=assignees,
        alike=ALIKE,
        may_decide=access.allowed(actor.role, "decisions", "create"),
        may_assess=access.allowed(actor.role, "risk_assessments", "create"),
    )


@update_form_host("/triage/", "decisions", "list")
def refused_update(request, session, actor, rid, back, errors, values) -> HTMLResponse:
    """The triage page again, when its update form was refused."""
    return render_triage(request, session, actor, rid, errors, values, 422)


@router.get("/triage/{rid}", response_class=HTMLResponse)
def triage_page(
    request: Request, rid: Rid, session: DB, actor: Actor = allowed("decisions", "list")
):
    return render_triage(request, session, actor, rid)


@router.post("/triage/{rid}/risk", response_class=HTMLResponse)
async def assess(
    request: Request, rid: Rid, session: DB, actor: Actor = allowed("risk_assessments", "create")
):
    form = await request.form()
    level, rationale = str(form.get("level", ""))[:32], str(form.get("rationale", ""))
    factors = [str(v)[:32] for v in form.getlist("factors")][:40]
    try:
        forms.refuse_too_long(AssessmentIn, {"rationale": rationale})
        triage.assess_risk(session, actor, rid, level, factors, rationale)
    except Invalid as exc:
        session.rollback()
        values = {"level": level, "factors": factors, "rationale": rationale}
        return render_triage(request, session, actor, rid, field_errors(exc), values, 422)
    return RedirectResponse(f"/triage/{rid}#tasks", status_code=303)


@router.post("/triage/{rid}/decision", response_class=HTMLResponse)
def decide(
    request: Request,
    rid: Rid,
    session: DB,
    decision: Annotated[str, Form(max_length=16)] = "",
    review_at: Annotated[str, Form(max_length=40)] = "",
    rationale: Annotated[str, Form()] = "",  # read whole: refused over its limit, kept
    actor: Actor = allowed("decisions", "create"),
):
    values = {"decision": decision, "review_at": review_at, "decision_rationale": rationale}
    try:
        forms.refuse_too_long(DecisionIn, {"rationale": rationale})
        review: datetime | None = when(review_at, "review_at") if review_at.strip() else None
        triage.decide(session, actor, rid, decision, review, rationale)
    except Invalid as exc:
        session.rollback()
        # The page has two "rationale" fields; the decision's is named apart.
        errors = {
            ("decision_rationale" if k == "rationale" else k): v
            for k, v in field_errors(exc).items()
        }
        return render_triage(request, session, actor, rid, errors, values, 422)
    return RedirectResponse(f"/triage/{rid}#decisions", status_code=303)


@router.post("/tasks/{task_id}", response_class=HTMLResponse)
def task_action(
    request: Request,
    task_id: IdPath,
    session: DB,
    rid: Annotated[str, Form(max_length=64)] = "",
    action: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form()] = "",  # read whole: refused over its limit, kept
    assignee: Annotated[str, Form()] = "",
    actor: Actor = allowed("tasks", "update"),
):
    try:
        forms.refuse_too_long(NotNeededIn, {"reason": reason})
        forms.refuse_too_long(AssignIn, {"username": assignee})
        if action in ("helped", "not_helped"):
            tasks.complete(session, actor, task_id, contributed=action == "helped")
        elif action == "not_needed":
            tasks.not_needed(session, actor, task_id, reason)
        elif action == "assign":
            tasks.assign(session, actor, task_id, assignee.strip())
        else:
            raise Invalid("action", "Choose what to do with the task")
    except Invalid as exc:
        session.rollback()
        errors = {f"task-{task_id}": next(iter(field_errors(exc).values()))}
        values = {f"reason-{task_id}": reason, f"assignee-{task_id}": assignee}
        return render_triage(request, session, actor, rid, errors, values, 422)
    return RedirectResponse(f"/triage/{rid}#task-{task_id}", status_code=303)
