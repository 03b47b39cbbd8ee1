"""The carer's flowchart as web pages: a child not where they should be, the steps taken, the
concerns, and the report to the police. Forms refuse bad input field by field."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.children import service as children
from misper.app.episodes.models import Episode
from misper.app.errors import AlreadyOpen, Invalid, NotFound
from misper.app.flowchart import service as flowchart
from misper.app.flowchart.api import CheckId
from misper.app.flowchart.schemas import NewChild, StepIn
from misper.app.flowchart.service import RESULTS
from misper.app.routing import DB, allowed
from misper.app.schemas import PidPath
from misper.app.ui import forms
from misper.app.ui.forms import field_errors, record_id, update_form_host, when
from misper.app.ui.pages import render
from misper.process.config import default_config
from misper.process.flowchart import Outcome

router = APIRouter(include_in_schema=False)
forms.limited(NewChild, StepIn)
OUTCOME_TITLES = {
    Outcome.KEEP_TRYING: "Keep trying",
    Outcome.LATE_MONITOR: "Record as absent / late and monitor",
    Outcome.REPORT_NOW: "Report to the police now",
    Outcome.RETURNED: "Returned: no report needed",
}
CHILDREN_LISTED = 200


def _now_value() -> dict[str, str]:
    return {"expected_back": f"{datetime.now():%Y-%m-%dT%H:%M}"}


def _not_here_page(request, session, actor, errors=None, values=None, status_code=200):
    rows, _ = children.list_children(session, actor, in_care=None, offset=0, limit=CHILDREN_LISTED)
    return render(
        request,
        "flowchart/not_here_list.html",
        actor,
        status_code=status_code,
        children=rows,
        may_report_any=access.may_report_new_child(actor),
        errors=errors or {},
        values=values or _now_value(),
    )


@router.get("/not-here", response_class=HTMLResponse)
def not_here_list(request: Request, session: DB, actor: Actor = allowed("episodes", "create")):
    return _not_here_page(request, session, actor)


@router.post("/not-here", response_class=HTMLResponse)
def start_for_new_child(
    request: Request,
    session: DB,
    name: Annotated[str, Form()] = "",  # read whole: refused over its limit, kept
    date_of_birth: Annotated[str, Form(max_length=40)] = "",
    expected_back: Annotated[str, Form(max_length=40)] = "",
    actor: Actor = allowed("episodes", "create"),
):
    """A parent's or another's report, taken by the police: a child with no record or profile."""
    values = {"name": name, "date_of_birth": date_of_birth, "expected_back": expected_back}
    typed = {"name": name, "date_of_birth": date_of_birth.strip()}
    errors: dict[str, str] = {}
    try:  # every field checked at once, as the API checks the child: the summary lists them all
        child = NewChild.model_validate({k: v for k, v in typed.items() if v})
    except ValidationError as exc:
        errors.update(forms.plain_errors(exc.errors()))
    try:
        expected = when(expected_back, "expected_back")
    except Invalid as exc:
        errors.update(field_errors(exc))
    if errors:
        return _not_here_page(request, session, actor, errors, values, 422)
    try:
        check = flowchart.start_check(
            session,
            actor,
            None,
            expected,
            new_child={"name": child.name, "date_of_birth": child.date_of_birth},
        )
    except Invalid as exc:
        session.rollback()
        return _not_here_page(request, session, actor, field_errors(exc), values, 422)
    return RedirectResponse(f"/checks/{check.id}", status_code=303)


@router.get("/children/{pid}/not-here", response_class=HTMLResponse)
def start_form(request: Request, pid: PidPath, actor: Actor = allowed("episodes", "create")):
    return render(
        request, "flowchart/check_start.html", actor, pid=pid, errors={}, values=_now_value()
    )


@router.post("/children/{pid}/not-here", response_class=HTMLResponse)
def start(
    request: Request,
    pid: PidPath,
    session: DB,
    expected_back: Annotated[str, Form(max_length=40)] = "",
    actor: Actor = allowed("episodes", "create"),
):
    try:
        check = flowchart.start_check(session, actor, pid, when(expected_back, "expected_back"))
    except Invalid as exc:
        session.rollback()
        return render(
            request,
            "flowchart/check_start.html",
            actor,
            status_code=422,
            pid=pid,
            errors=field_errors(exc),
            values={"expected_back": expected_back},
        )
    return RedirectResponse(f"/checks/{check.id}", status_code=303)


def render_check(
    request: Request,
    session: Session,
    actor: Actor,
    check_id: int,
    errors: dict[str, str] | None = None,
    values: dict | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The check's page: its outcome, the steps answered, and the forms; also shown again with a
    refusal by the form that adds an update to the episode it reported."""
    view = flowchart.read_check(session, actor, check_id)
    rules = default_config().carer_flowchart
    episode = session.get(Episode, view.check.episode_id) if view.check.episode_id else None
    return render(
        request,
        "flowchart/check.html",
        actor,
        status_code=status_code,
        view=view,
        child_name=flowchart.child_name(session, actor, view.check),
        needs_age=flowchart.needs_age(session, view.check),
        episode_rid=episode.rid if episode else None,
        rules=rules,
        results=RESULTS,
        outcome_title=OUTCOME_TITLES[view.decision.outcome],
        labels={s.key: s.label for s in rules.steps},
        errors=errors or {},
        values=values or {"at": f"{datetime.now():%Y-%m-%dT%H:%M}"},
    )


@update_form_host("/checks/", "episodes", "create")
def refused_update(request, session, actor, rid, back, errors, values) -> HTMLResponse:
    """The check page again, when the update form it shows (once reported) was refused."""
    check_id = record_id(back.removeprefix("/checks/").split("?")[0].split("#")[0])
    if check_id is None:
        raise NotFound("check")
    return render_check(request, session, actor, check_id, errors, values, 422)


@router.get("/checks/{check_id}", response_class=HTMLResponse)
def check_page(
    request: Request, check_id: CheckId, session: DB, actor: Actor = allowed("episodes", "create")
):
    return render_check(request, session, actor, check_id)


@router.post("/checks/{check_id}/steps", response_class=HTMLResponse)
def record_step(
    request: Request,
    check_id: CheckId,
    session: DB,
    step: Annotated[str, Form(max_length=40)] = "",
    result: Annotated[str, Form(max_length=24)] = "",
    at: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form()] = "",  # read whole: refused over its limit, kept
    actor: Actor = allowed("episodes", "create"),
):
    values = {"step": step, "result": result, "at": at, "note": note}
    try:
        forms.refuse_too_long(StepIn, {"note": note.strip()})
        flowchart.record_step(session, actor, check_id, step, result, when(at, "at"), note.strip())
    except Invalid as exc:
        session.rollback()
        return render_check(request, session, actor, check_id, field_errors(exc), values, 422)
    return RedirectResponse(f"/checks/{check_id}#outcome", status_code=303)


@router.post("/checks/{check_id}/concerns", response_class=HTMLResponse)
async def set_concerns(
    request: Request, check_id: CheckId, session: DB, actor: Actor = allowed("episodes", "create")
):
    form = await request.form()
    concerns = [str(v)[:40] for v in form.getlist("concerns")][:20]
    try:
        flowchart.set_concerns(session, actor, check_id, concerns)
    except Invalid as exc:
        session.rollback()
        return render_check(request, session, actor, check_id, field_errors(exc), None, 422)
    return RedirectResponse(f"/checks/{check_id}#outcome", status_code=303)


def whole_years(text: str) -> int:
    """An age typed into the report form."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 3:
        raise Invalid("age", "Enter the child's age as a whole number of years, for example 14")
    return int(text)


@router.post("/checks/{check_id}/report", response_class=HTMLResponse)
def report(
    request: Request,
    check_id: CheckId,
    session: DB,
    age: Annotated[str, Form(max_length=8)] = "",
    actor: Actor = allowed("episodes", "create"),
):
    try:
        years = whole_years(age) if age.strip() else None
        episode, _pid = flowchart.report_to_police(session, actor, check_id, age=years)
    except Invalid as exc:  # the child's age, when no date of birth is recorded
        session.rollback()
        errors = field_errors(exc)
        values = {"at": f"{datetime.now():%Y-%m-%dT%H:%M}", "age": age}
        return render_check(request, session, actor, check_id, errors, values, 422)
    except AlreadyOpen as exc:  # reported already: to the open episode, which says when
        session.rollback()
        return RedirectResponse(f"/episodes/{exc.rid}?reported_again=true", status_code=303)
    return RedirectResponse(f"/checks/{check_id}?reported={episode.rid}", status_code=303)
