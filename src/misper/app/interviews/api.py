"""Interview routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path

from misper.app.access import Actor
from misper.app.interviews import prevention, return_home, service
from misper.app.interviews.return_home import STATES
from misper.app.interviews.schemas import (
    RHI_STATUSES,
    ArrangeIn,
    PreventionFindingsIn,
    PreventionFindingsOut,
    PreventionIn,
    PreventionOut,
    RecordIn,
    RhiAssign,
    RhiChange,
    RhiClockOut,
    RhiOut,
    TakeOnIn,
)
from misper.app.routing import DB, ERRORS, Paging, allowed
from misper.app.schemas import MAX_ID

router = APIRouter(prefix="/api", tags=["interviews"], responses=ERRORS)
Rid = Annotated[str, Path(min_length=1, max_length=64)]
RhiId = Annotated[int, Path(ge=1, le=MAX_ID)]


def rhi_out(row) -> RhiOut:
    """`row`: (interview, rid, pid, name, the free text the caller may read)."""
    rhi, rid, pid, name, findings = row
    fields = {
        f: getattr(rhi, f)
        for f in (
            "id",
            "provider_id",
            "status",
            "offered",
            "accepted",
            "completed_at",
            "interviewer",
            "shared_with_police",
            "version",
        )
    }
    return RhiOut(rid=rid, child={"pid": pid, "name": name}, findings=findings, **fields)


@router.get("/episodes/{rid}/prevention-interview", response_model=PreventionOut)
def read_prevention_interview(
    rid: Rid, session: DB, actor: Actor = allowed("prevention_interviews", "read")
):
    row = service.read_prevention_interview(session, actor, rid)
    return PreventionOut.model_validate(row, from_attributes=True)


@router.put("/episodes/{rid}/prevention-interview", response_model=PreventionOut)
def record_prevention_interview(
    rid: Rid,
    body: PreventionIn,
    session: DB,
    actor: Actor = allowed("prevention_interviews", "create"),
):
    row = service.record_prevention_interview(session, actor, rid, body.outcome, body.notes)
    return PreventionOut.model_validate(row, from_attributes=True)


@router.get("/return-home-interviews", response_model=list[RhiOut])
def list_rhis(
    session: DB,
    page: Paging,
    actor: Actor = allowed("return_home_interviews", "list"),
    status: Literal[RHI_STATUSES] | None = None,
):
    return [rhi_out(r) for r in service.list_rhis(session, actor, status, page.offset, page.limit)]


@router.post("/return-home-interviews", response_model=RhiOut, status_code=201)
def assign_rhi(
    body: RhiAssign, session: DB, actor: Actor = allowed("return_home_interviews", "create")
):
    return rhi_out(service.assign_rhi(session, actor, body.rid, body.provider_id))


@router.get("/return-home-interviews/{rhi_id}", response_model=RhiOut)
def read_rhi(rhi_id: RhiId, session: DB, actor: Actor = allowed("return_home_interviews", "read")):
    return rhi_out(service.read_rhi(session, actor, rhi_id))


@router.patch("/return-home-interviews/{rhi_id}", response_model=RhiOut)
def update_rhi(
    rhi_id: RhiId,
    body: RhiChange,
    session: DB,
    actor: Actor = allowed("return_home_interviews", "update"),
):
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    return rhi_out(service.update_rhi(session, actor, rhi_id, body.version, changes))


after_router = APIRouter(prefix="/api", tags=["after the episode"], responses=ERRORS)
Rid = Annotated[str, Path(min_length=1, max_length=64)]
RhiId = Annotated[int, Path(ge=1, le=MAX_ID)]


@after_router.get("/episodes/{rid}/prevention-findings", response_model=PreventionFindingsOut)
def read_prevention(rid: Rid, session: DB, actor: Actor = allowed("prevention_interviews", "read")):
    return prevention.read(session, actor, rid)


@after_router.put("/episodes/{rid}/prevention-findings", response_model=PreventionFindingsOut)
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


@after_router.get("/rhi-clock", response_model=list[RhiClockOut])
def list_clock(
    session: DB,
    actor: Actor = allowed("return_home_interviews", "list"),
    state: Literal[STATES] | None = None,
):
    return return_home.list_with_clock(session, actor, datetime.now(), state)


@after_router.get("/rhi-clock/{rhi_id}", response_model=RhiClockOut)
def read_clock(
    rhi_id: RhiId, session: DB, actor: Actor = allowed("return_home_interviews", "read")
):
    return return_home.read(session, actor, rhi_id, datetime.now())


@after_router.post("/rhi-clock/{rhi_id}/arrange", response_model=RhiClockOut)
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


@after_router.post("/rhi-clock/{rhi_id}/take-on", response_model=RhiClockOut)
def take_on(
    rhi_id: RhiId,
    body: TakeOnIn,
    session: DB,
    actor: Actor = allowed("return_home_interviews", "create"),
):
    return_home.take_on(session, actor, rhi_id, body.agreement)
    return return_home.read(session, actor, rhi_id, datetime.now())


@after_router.post("/rhi-clock/{rhi_id}/record", response_model=RhiClockOut)
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
