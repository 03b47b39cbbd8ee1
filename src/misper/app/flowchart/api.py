"""Carer's flowchart routes: start a check, record a step, set the concerns, read the outcome,
report to the police."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from misper.app.access import Actor
from misper.app.episodes.models import Episode
from misper.app.errors import Invalid
from misper.app.flowchart import service
from misper.app.flowchart.schemas import (
    CheckIn,
    CheckOut,
    ConcernsIn,
    ReportIn,
    ReportOut,
    StepIn,
    check_out,
)
from misper.app.routing import DB, ERRORS, allowed
from misper.app.schemas import MAX_ID

router = APIRouter(prefix="/api/checks", tags=["carer's flowchart"], responses=ERRORS)
CheckId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _out(session, view) -> CheckOut:
    episode = session.get(Episode, view.check.episode_id) if view.check.episode_id else None
    return check_out(view, episode.rid if episode else None)


@router.post("", response_model=CheckOut, status_code=201)
def start_check(body: CheckIn, session: DB, actor: Actor = allowed("episodes", "create")):
    """A child is not where they should be: care staff name a child placed with them; the police
    may instead give a new child's name and date of birth (a parent's report)."""
    if body.pid is not None and body.child is not None:
        raise Invalid("child", "give either the pid of a known child or a new child, not both")
    new_child = body.child.model_dump() if body.child else None
    check = service.start_check(session, actor, body.pid, body.expected_back, new_child=new_child)
    return _out(session, service.read_check(session, actor, check.id))


@router.get("/{check_id}", response_model=CheckOut)
def read_check(check_id: CheckId, session: DB, actor: Actor = allowed("episodes", "read")):
    """The check with its steps and the flowchart's outcome now."""
    return _out(session, service.read_check(session, actor, check_id))


@router.post("/{check_id}/steps", response_model=CheckOut, status_code=201)
def record_step(
    check_id: CheckId, body: StepIn, session: DB, actor: Actor = allowed("episodes", "create")
):
    """One reasonable step taken and what it found, with the time it was taken."""
    return _out(
        session,
        service.record_step(session, actor, check_id, body.step, body.result, body.at, body.note),
    )


@router.put("/{check_id}/concerns", response_model=CheckOut)
def set_concerns(
    check_id: CheckId, body: ConcernsIn, session: DB, actor: Actor = allowed("episodes", "create")
):
    """The risk indicators present (any one means report now); replaces the earlier list."""
    return _out(session, service.set_concerns(session, actor, check_id, body.concerns))


@router.post("/{check_id}/report", response_model=ReportOut, status_code=201)
def report_to_police(
    check_id: CheckId,
    session: DB,
    body: ReportIn | None = None,
    actor: Actor = allowed("episodes", "create"),
):
    """Open the episode: it carries the steps, the concerns and the profile version; the age
    from the child's date of birth, or (none recorded) from `age`."""
    age = body.age if body else None
    episode, pid = service.report_to_police(session, actor, check_id, age=age)
    view = service.read_check(session, actor, check_id)
    return ReportOut(rid=episode.rid, pid=pid, check=check_out(view, episode.rid))
