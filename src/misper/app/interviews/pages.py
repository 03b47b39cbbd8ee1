"""Web pages of the interviews after an episode: the return home interview's record (offered,
accepted, completed, findings and what of them the police see) and the police prevention
interview with its findings marked for intelligence. Both forms are checked as the API checks
them and, when refused, shown again with what is wrong."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from misper.app.access import Actor, visible_episode
from misper.app.errors import DomainError, NotFound
from misper.app.interviews import prevention, return_home
from misper.app.interviews.findings import FIELDS, as_dict
from misper.app.interviews.schemas import PreventionFindingsIn, RecordIn
from misper.app.routing import DB, allowed
from misper.app.schemas import MAX_ID
from misper.app.ui.pages import render
from misper.incidents.schema import BY_NAME, REASON_CODES
from misper.process.config import default_config

router = APIRouter(include_in_schema=False)
RhiId = Annotated[int, Path(ge=1, le=MAX_ID)]
Rid = Annotated[str, Path(min_length=1, max_length=64)]
Text = Annotated[str, Form()]
Ticked = Annotated[list[str] | None, Form()]  # the checkboxes of one name that are ticked
FIRST_OUTCOME = "done"  # what the prevention form offers before anything is recorded


class FindingsForm:
    """The findings fields both interview forms share, and which of them leave the interview
    (`shared`: ticked for the police, or marked for police intelligence)."""

    def __init__(
        self,
        reason_codes: Ticked = None,
        exploitation_indicators: Ticked = None,
        who_with: Text = "",
        where: Text = "",
        free_text: Text = "",
        shared: Ticked = None,
    ):
        self.findings = {
            "reason_codes": reason_codes or [],
            "exploitation_indicators": exploitation_indicators or [],
            "who_with": _items(who_with),
            "where": _items(where),
            "free_text": free_text or None,
        }
        self.shared = shared or []


Findings = Annotated[FindingsForm, Depends()]


@router.get("/interviews/{rhi_id}/record", response_class=HTMLResponse)
def interview_form(
    rhi_id: RhiId,
    request: Request,
    session: DB,
    actor: Actor = allowed("return_home_interviews", "read"),
):
    rhi = return_home.read(session, actor, rhi_id, datetime.now())
    return _interview(request, actor, rhi, saved=request.query_params.get("saved") == "1")


@router.post("/interviews/{rhi_id}/record", response_class=HTMLResponse)
def interview_submit(
    rhi_id: RhiId,
    request: Request,
    session: DB,
    form: Findings,
    version: Text = "",
    offered: Text = "",
    accepted: Annotated[str | None, Form()] = None,
    completed_at: Text = "",
    interviewer: Text = "",
    actor: Actor = allowed("return_home_interviews", "update"),
):
    body = {
        "version": version,
        "offered": offered == "1",
        "accepted": None if accepted is None else accepted == "yes",
        "completed_at": completed_at or None,
        "interviewer": interviewer or None,
        "findings": form.findings,
        "shared": form.shared,
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
    except ValidationError as exc:
        errors = exc.errors()
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        errors = exc.fields or [{"field": "version", "message": exc.message}]
    else:
        return RedirectResponse(f"/interviews/{rhi_id}/record?saved=1", status_code=303)
    session.rollback()
    rhi = return_home.read(session, actor, rhi_id, datetime.now())
    return _interview(request, actor, rhi, status_code=422, errors=errors)


@router.get("/episodes/{rid}/prevention", response_class=HTMLResponse)
def prevention_form(
    rid: Rid,
    request: Request,
    session: DB,
    actor: Actor = allowed("prevention_interviews", "create"),
):
    try:
        current = prevention.read(session, actor, rid)
    except NotFound:
        visible_episode(session, actor, rid)  # 404 unless the episode is the caller's
        current = {"outcome": FIRST_OUTCOME, "findings": as_dict(None)}
    return _prevention(
        request,
        actor,
        rid,
        current["outcome"],
        current["findings"],
        saved=request.query_params.get("saved") == "1",
    )


@router.post("/episodes/{rid}/prevention", response_class=HTMLResponse)
def prevention_submit(
    rid: Rid,
    request: Request,
    session: DB,
    form: Findings,
    outcome: Text = "",
    actor: Actor = allowed("prevention_interviews", "create"),
):
    body = {"outcome": outcome, "findings": form.findings, "for_intelligence": form.shared}
    try:
        data = PreventionFindingsIn.model_validate(body)
    except ValidationError as exc:
        typed = {**form.findings, "shared": form.shared}
        return _prevention(
            request, actor, rid, outcome, typed, status_code=422, errors=exc.errors()
        )
    prevention.record(
        session,
        actor,
        rid,
        data.outcome,
        None,
        data.findings.model_dump(),
        list(data.for_intelligence),
    )
    return RedirectResponse(f"/episodes/{rid}/prevention?saved=1", status_code=303)


def _interview(request: Request, actor: Actor, rhi: dict, status_code: int = 200, **context):
    return render(
        request,
        "interviews/interview.html",
        actor,
        status_code=status_code,
        rhi=rhi,
        f=rhi["findings"],
        **_choices(),
        **context,
    )


def _prevention(
    request: Request,
    actor: Actor,
    rid: str,
    outcome: str,
    findings: dict,
    status_code: int = 200,
    **context,
):
    return render(
        request,
        "interviews/prevention.html",
        actor,
        status_code=status_code,
        rid=rid,
        outcome=outcome,
        f=findings,
        outcomes=BY_NAME["prevention_interview"].values,
        **_choices(),
        **context,
    )


def _choices() -> dict:
    """What both findings forms offer: the reasons, the exploitation indicators the escalation
    rules weigh, and the findings that may leave the interview."""
    return {
        "fields": FIELDS,
        "reason_codes": REASON_CODES,
        "indicators": default_config().escalation.marm.exploitation_flags,
    }


def _items(text: str) -> list[str]:
    """A comma-separated field as its items."""
    return [t.strip() for t in text.split(",") if t.strip()]
