"""One force reaching a child's record another force holds: a request the holding force answers,
or a break-glass opening in an emergency that the holding force reviews afterwards; each audited.

What either opens is the child's identity and Philomena profile (`access.shared_children`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.audit import service as audit
from misper.app.children.models import Child, RecordRequest
from misper.app.errors import Conflict, Invalid, NotFound
from misper.app.notifications.service import notify
from misper.process.config import default_config

REQUEST, BREAK_GLASS = "request", "break_glass"
ANSWERS = {"share": "shared", "decline": "declined"}
ANSWERED_WITH = {REQUEST: ("record_requests", "answer"), BREAK_GLASS: ("break_glass", "review")}
MAX_TEXT = 2_000


def break_glass_hours() -> float:
    """How long a break-glass opening lasts (config/process.yaml, `record_sharing`)."""
    return default_config().record_sharing.break_glass_hours


def _text(value: str | None, field: str, least: int, what: str) -> str:
    value = (value or "").strip()
    if len(value) < least:
        raise Invalid(field, f"{what} (at least {least} characters)")
    if len(value) > MAX_TEXT:
        raise Invalid(field, f"must be at most {MAX_TEXT} characters")
    return value


def request_record(session: Session, actor: Actor, pid: str, reason: str) -> RecordRequest:
    """Ask the force holding the child for its record; its missing persons team is told."""
    access.require(actor, "record_requests", "create")
    reason = _text(reason, "reason", 1, "say why your force needs this child's record")
    child, holder = access.other_forces_child(session, actor, pid)
    if session.scalar(
        select(RecordRequest.id).where(
            RecordRequest.kind == REQUEST,
            RecordRequest.child_id == child.id,
            RecordRequest.requesting_agency_id == actor.agency_id,
            RecordRequest.status == "requested",
        )
    ):
        raise Conflict("your force has already asked for this child's record")
    row = RecordRequest(
        kind=REQUEST,
        child_id=child.id,
        requesting_agency_id=actor.agency_id,
        requested_by=actor.user_id,
        holding_agency_id=holder,
        reason=reason,
        status="requested",
        requested_at=datetime.now(),
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "request", "child", row.id, child_id=child.id, reason=reason)
    notify(
        session,
        holder,
        f"Another force asks for a child's record (request {row.id})",
        link="/record-requests",
    )
    return row


def answer_request(
    session: Session, actor: Actor, request_id: int, answer: str, note: str | None
) -> tuple[RecordRequest, str]:
    """The holding force shares the record (identity and profile) or declines, once; the request
    with the child's pid."""
    access.require(actor, "record_requests", "answer")
    if answer not in ANSWERS:
        raise Invalid("answer", "choose share or decline")
    row = _incoming(session, actor, request_id, REQUEST)
    if row.status != "requested":
        raise Conflict(f"this request was answered already ({row.status})")
    row.status = ANSWERS[answer]
    row.answered_by, row.answered_at = actor.user_id, datetime.now()
    row.answer_note = (note or "").strip()[:MAX_TEXT] or None
    session.flush()
    audit.record(
        session,
        actor,
        "answer",
        "record_request",
        row.id,
        child_id=row.child_id,
        detail={"status": row.status},
    )
    notify(
        session,
        row.requesting_agency_id,
        f"Your request {row.id} for a child's record was {row.status}",
        user_id=row.requested_by,
    )
    return row, _pid(session, row)


def withdraw_share(
    session: Session, actor: Actor, request_id: int, note: str | None
) -> tuple[RecordRequest, str]:
    """The holding force takes back a record it shared: from now on the asking force reads the
    child's identity and profile no more (`access.shared_children` counts shared ones only)."""
    access.require(actor, "record_requests", "answer")
    row = _incoming(session, actor, request_id, REQUEST)
    if row.status != "shared":
        raise Conflict(f"only a shared record can be withdrawn; this request was {row.status}")
    row.status = "withdrawn"
    row.answered_by, row.answered_at = actor.user_id, datetime.now()
    row.answer_note = (note or "").strip()[:MAX_TEXT] or row.answer_note
    session.flush()
    audit.record(session, actor, "withdraw", "record_request", row.id, child_id=row.child_id)
    notify(
        session,
        row.requesting_agency_id,
        f"The record shared in answer to your request {row.id} was withdrawn",
        user_id=row.requested_by,
    )
    return row, _pid(session, row)


def break_glass(
    session: Session, actor: Actor, pid: str, justification: str, now: datetime | None = None
) -> tuple[RecordRequest, Child]:
    """Open another force's child record at once, for this user, for the configured
    `record_sharing.break_glass_hours`; the holding force's missing persons team finds it on its
    review list."""
    access.require(actor, "break_glass", "create")
    justification = _text(
        justification,
        "justification",
        access.MIN_JUSTIFICATION,
        "say what the emergency is and why it cannot wait for a request",
    )
    child, holder = access.other_forces_child(session, actor, pid)
    now = now or datetime.now()
    row = RecordRequest(
        kind=BREAK_GLASS,
        child_id=child.id,
        requesting_agency_id=actor.agency_id,
        requested_by=actor.user_id,
        holding_agency_id=holder,
        reason=justification,
        status="opened",
        requested_at=now,
        expires_at=now + timedelta(hours=break_glass_hours()),
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "break_glass", "child", row.id, child_id=child.id, reason=justification
    )
    notify(
        session,
        holder,
        f"Another force opened a child's record by break-glass: review {row.id}",
        link="/break-glass",
    )
    return row, child


def review(
    session: Session, actor: Actor, request_id: int, note: str | None
) -> tuple[RecordRequest, str]:
    """The holding force's missing persons team has looked at a break-glass opening; the opening
    with the child's pid."""
    access.require(actor, "break_glass", "review")
    row = _incoming(session, actor, request_id, BREAK_GLASS)
    if row.status != "opened":
        raise Conflict("this opening was reviewed already")
    row.status = "reviewed"
    row.answered_by, row.answered_at = actor.user_id, datetime.now()
    row.answer_note = (note or "").strip()[:MAX_TEXT] or None
    session.flush()
    audit.record(session, actor, "review", "record_request", row.id, child_id=row.child_id)
    return row, _pid(session, row)


def _pid(session: Session, row: RecordRequest) -> str:
    return session.scalar(select(Child.pid).where(Child.id == row.child_id))


def _incoming(session: Session, actor: Actor, request_id: int, kind: str) -> RecordRequest:
    row = session.scalar(
        select(RecordRequest).where(
            RecordRequest.id == request_id,
            RecordRequest.kind == kind,
            access.incoming_requests(actor),
        )
    )
    if row is None:
        raise NotFound("request")
    return row


def incoming(
    session: Session, actor: Actor, kind: str, limit: int = 200
) -> list[tuple[RecordRequest, str]]:
    """Requests (or break-glass openings) about children the caller's force holds, with the
    child's pid, those waiting first, newest first."""
    access.require(actor, *ANSWERED_WITH[kind])
    rows = _listed(session, access.incoming_requests(actor), kind, limit)
    audit.record(session, actor, "list", "record_request", detail={"ids": [r.id for r, _ in rows]})
    return rows


def outgoing(session: Session, actor: Actor, limit: int = 200) -> list[tuple[RecordRequest, str]]:
    """The caller's force's own requests and break-glass openings, with their answers."""
    access.require(actor, "record_requests", "list")
    rows = _listed(session, access.outgoing_requests(actor), None, limit)
    audit.record(session, actor, "list", "record_request", detail={"ids": [r.id for r, _ in rows]})
    return rows


def _listed(session: Session, scope, kind: str | None, limit: int):
    query = (
        select(RecordRequest, Child.pid)
        .join(Child, Child.id == RecordRequest.child_id)
        .where(scope)
    )
    if kind is not None:
        query = query.where(RecordRequest.kind == kind)
    waiting = RecordRequest.status.in_(("requested", "opened"))
    return [
        tuple(r)
        for r in session.execute(
            query.order_by(waiting.desc(), RecordRequest.id.desc()).limit(limit)
        ).all()
    ]
