"""Routes of the after-episode interviews: prevention findings and the return home interview's
arrangement, clock, record and sharing."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path

from misper.app.access import Actor
from misper.app.api import DB, ERRORS, allowed
from misper.app.interviews import prevention, return_home
from misper.app.interviews.after_schemas import (
    ArrangeIn,
    PreventionFindingsIn,
    PreventionFindingsOut,
    RecordIn,
    RhiClockOut,
    TakeOnIn,
)
from misper.app.interviews.return_home import STATES
from misper.app.schemas import MAX_ID

router = APIRouter(prefix="/api", tags=["after the episode"], responses=ERRORS)
Rid = Annotated[str, Path(min_length=1, max_length=64)]
RhiId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/episodes/{rid}/prevention-findings", response_model=PreventionFindingsOut)
def read_prevention(rid: Rid, session: DB, actor: Actor = allowed("prevention_interviews", "read")):
    return prevention.read(session, actor, rid)


@router.put("/episodes/{rid}/prevention-findings", response_model=PreventionFindingsOut)
def record_prevention(
    rid: Rid,
    body: PreventionFindingsIn,
    session: DB,
    actor: Actor = allowed("prevention_interviews", "create"),
):
    findings = body.findings.model_dump() if body.findings else None
    return prevention.record(
        session, actor, rid, body.outcome, body.notes, findings, list(body.for_intelligence)
    )


@router.get("/rhi-clock", response_model=list[RhiClockOut])
def list_clock(
    session: DB,
    actor: Actor = allowed("return_home_interviews", "list"),
    state: Literal[STATES] | None = None,
):
    return return_home.list_with_clock(session, actor, datetime.now(), state)


@router.get("/rhi-clock/{rhi_id}", response_model=RhiClockOut)
def read_clock(
    rhi_id: RhiId, session: DB, actor: Actor = allowed("return_home_interviews", "read")
):
    return return_home.read(session, actor, rhi_id, datetime.now())


@router.post("/rhi-clock/{rhi_id}/arrange", response_model=RhiClockOut)
def arrange(
    rhi_id: RhiId,
    body: ArrangeIn,
    session: DB,
    actor: Actor = allowed("return_home_interviews", "create"),
):
    return_home.arrange(
        session, actor, rhi_id, body.interviewer_kind, body.provider_id, body.interviewer
    )
    return return_home.read(session, actor, rhi_id, datetime.now())


@router.post("/rhi-clock/{rhi_id}/take-on", response_model=RhiClockOut)
def take_on(
    rhi_id: RhiId,
    body: TakeOnIn,
    session: DB,
    actor: Actor = allowed("return_home_interviews", "create"),
):
    return_home.take_on(session, actor, rhi_id, body.agreement)
    return return_home.read(session, actor, rhi_id, datetime.now())


@router.post("/rhi-clock/{rhi_id}/record", response_model=RhiClockOut)
def record(
    rhi_id: RhiId,
    body: RecordIn,
    session: DB,
    actor: Actor = allowed("return_home_interviews", "update"),
):
    changes = body.model_dump(exclude_unset=True, exclude={"version", "findings", "shared"})
    findings = body.findings.model_dump() if body.findings else None
    return_home.record(
        session, actor, rhi_id, body.version, changes, findings, body.shared, datetime.now()
    )
    return return_home.read(session, actor, rhi_id, datetime.now())
