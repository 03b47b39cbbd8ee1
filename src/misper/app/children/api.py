"""Child record routes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from misper.app import access
from misper.app.access import Actor
from misper.app.children import requests, service
from misper.app.children.schemas import (
    AnswerIn,
    BreakGlassIn,
    BreakGlassOut,
    ChildChange,
    ChildIn,
    ChildOut,
    ChildPage,
    ChildSummary,
    RecordRequestIn,
    RecordRequestOut,
    ReviewIn,
)
from misper.app.routing import DB, ERRORS, Paging, allowed
from misper.app.schemas import MAX_ID
from misper.incidents.schema import BY_NAME

router = APIRouter(prefix="/api/children", tags=["children"], responses=ERRORS)
PidPath = Annotated[str, Path(min_length=1, max_length=64)]
Reason = Annotated[str | None, Query(max_length=500)]


@router.get("", response_model=ChildPage)
def list_children(
    session: DB,
    page: Paging,
    actor: Actor = allowed("children", "list"),
    in_care: Literal[BY_NAME["in_care"].values] | None = None,
    reason: Reason = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
):
    """Police and analysts see names once they give a `reason` (audited); pids only until then.
    `q` finds a child by name (any part), pid or date of birth (by pid only without names)."""
    rows, total = service.list_children(
        session,
        actor,
        in_care=in_care,
        offset=page.offset,
        limit=page.limit,
        reason=reason,
        search=q,
    )
    return ChildPage(
        total=total,
        names_shown=access.names_shown(actor, reason),
        items=[ChildSummary.model_validate(c, from_attributes=True) for c in rows],
    )


@router.post("", response_model=ChildOut, status_code=201)
def create_child(body: ChildIn, session: DB, actor: Actor = allowed("children", "create")):
    child = service.create_council_child(session, actor, **body.model_dump())
    return ChildOut.model_validate(child, from_attributes=True)


@router.get("/{pid}", response_model=ChildOut)
def read_child(
    pid: PidPath,
    session: DB,
    actor: Actor = allowed("children", "read"),
    reason: Reason = None,
):
    """Reading a child's record is audited; police and analysts must give a reason."""
    return ChildOut.model_validate(
        service.read_child(session, actor, pid, reason), from_attributes=True
    )


@router.patch("/{pid}", response_model=ChildOut)
def update_child(
    pid: PidPath, body: ChildChange, session: DB, actor: Actor = allowed("children", "update")
):
    child = service.update_child(session, actor, pid, body.model_dump(exclude_unset=True))
    return ChildOut.model_validate(child, from_attributes=True)


# --- Reaching another force's child: requests and break-glass ---------------------------------

requests_router = APIRouter(prefix="/api", tags=["record requests"], responses=ERRORS)
RequestId = Annotated[int, Path(ge=1, le=MAX_ID)]


def request_out(row, pid: str) -> RecordRequestOut:
    return RecordRequestOut.model_validate({**_fields(row), "pid": pid})


def _fields(row) -> dict:
    return {name: getattr(row, name) for name in RecordRequestOut.model_fields if name != "pid"}


@requests_router.post("/record-requests", response_model=RecordRequestOut, status_code=201)
def request_record(
    body: RecordRequestIn, session: DB, actor: Actor = allowed("record_requests", "create")
):
    """Ask the force holding a child for its record (identity and Philomena profile)."""
    return request_out(requests.request_record(session, actor, body.pid, body.reason), body.pid)


@requests_router.get("/record-requests/outgoing", response_model=list[RecordRequestOut])
def outgoing(session: DB, actor: Actor = allowed("record_requests", "list")):
    """The caller's force's requests and break-glass openings, with their answers."""
    return [request_out(row, pid) for row, pid in requests.outgoing(session, actor)]


@requests_router.get("/record-requests/incoming", response_model=list[RecordRequestOut])
def incoming(session: DB, actor: Actor = allowed("record_requests", "answer")):
    """Requests about children the caller's force holds, waiting ones first."""
    rows = requests.incoming(session, actor, requests.REQUEST)
    return [request_out(row, pid) for row, pid in rows]


@requests_router.post("/record-requests/{request_id}/answer", response_model=RecordRequestOut)
def answer(
    request_id: RequestId,
    body: AnswerIn,
    session: DB,
    actor: Actor = allowed("record_requests", "answer"),
):
    return request_out(*requests.answer_request(session, actor, request_id, body.answer, body.note))


@requests_router.post("/record-requests/{request_id}/withdraw", response_model=RecordRequestOut)
def withdraw(
    request_id: RequestId,
    body: ReviewIn,
    session: DB,
    actor: Actor = allowed("record_requests", "answer"),
):
    """Withdraw a record the caller's force shared on request: the asking force loses it."""
    return request_out(*requests.withdraw_share(session, actor, request_id, body.note))


@requests_router.post("/break-glass", response_model=BreakGlassOut, status_code=201)
def break_glass(body: BreakGlassIn, session: DB, actor: Actor = allowed("break_glass", "create")):
    """Open another force's child record at once in an emergency: audited, reviewed by the
    holding force, and open to this user only for a limited time."""
    row, child = requests.break_glass(session, actor, body.pid, body.justification)
    return BreakGlassOut.model_validate(
        {
            **_fields(row),
            "pid": child.pid,
            "child": ChildOut.model_validate(child, from_attributes=True),
        }
    )


@requests_router.get("/break-glass", response_model=list[RecordRequestOut])
def review_list(session: DB, actor: Actor = allowed("break_glass", "review")):
    """Break-glass openings of children the caller's force holds, those not reviewed first."""
    rows = requests.incoming(session, actor, requests.BREAK_GLASS)
    return [request_out(row, pid) for row, pid in rows]


@requests_router.post("/break-glass/{request_id}/review", response_model=RecordRequestOut)
def review(
    request_id: RequestId,
    body: ReviewIn,
    session: DB,
    actor: Actor = allowed("break_glass", "review"),
):
    return request_out(*requests.review(session, actor, request_id, body.note))
