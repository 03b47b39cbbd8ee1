"""Recording audit events, and verifying that the hash chain is whole."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Session, SessionTransaction

from misper.app.access import Actor
from misper.app.audit.chain import (
    GENESIS,
    chain_after_commit,
    chain_pending,  # noqa: F401
    event_hash,
)
from misper.app.audit.models import AuditEvent

_PENDING = "misper_audit_pending"
_TO_CHAIN = "misper_audit_to_chain"


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: object = None,
    *,
    child_id: int | None = None,
    reason: str | None = None,
    detail: dict | None = None,
) -> None:
    """Add one event to the caller's transaction: inserted when it commits, gone if it rolls back,
    and put on the chain just after the commit."""
    event = AuditEvent(
        at=datetime.now().replace(microsecond=0),
        actor_id=actor and actor.user_id,
        actor_role=actor and actor.role.value,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        child_id=child_id,
        reason=reason,
        detail=json.dumps(detail or {}, sort_keys=True, separators=(",", ":")),
    )
    if not session.in_transaction():
        session.begin()  # so that a rollback before any query still forgets the event
    session.info.setdefault(_PENDING, []).append(event)


@listens_for(Session, "before_commit")
def _insert(session: Session) -> None:
    # Inserted only now, so a transaction that merely reads takes no write lock before its end.
    pending = session.info.get(_PENDING)
    if pending:
        session.add_all(pending)
        session.flush()


@listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(_PENDING, None):
        session.info[_TO_CHAIN] = True


@listens_for(Session, "after_transaction_end")
def _chain(session: Session, transaction: SessionTransaction) -> None:
    # Here the request's connection is back in the pool: chaining never holds two at once.
    if transaction.parent is None and session.info.pop(_TO_CHAIN, False):
        bind = session.get_bind()
        if isinstance(bind, Engine):
            chain_after_commit(bind)


@listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:
        session.info.pop(_PENDING, None)


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    head: str  # hash of the last event: keep it (with `events`) elsewhere to detect a cut tail
    problem: str | None = None
    pending: int = 0  # committed events not yet on the chain


def verify(
    session: Session, batch: int = 10_000, *, head: str | None = None, events: int | None = None
) -> Verification:
    """Walk the chain in order; report the first event whose hash, link or number is wrong.

    With `head` (and `events`), a head recorded earlier: the chain must still hold that event (at
    that number), else its tail was cut off or it was rebuilt.
    """
    prev_hash, expected_seq, count, found = GENESIS, 1, 0, None
    query = (
        select(AuditEvent)
        .where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=batch, populate_existing=True)
    )
    for event in session.scalars(query):
        if event.seq != expected_seq:
            return Verification(
                False, count, prev_hash, f"event {expected_seq} is missing (next is {event.seq})"
            )
        if event.prev_hash != prev_hash:
            return Verification(
                False, count, prev_hash, f"event {event.seq} does not link to event {event.seq - 1}"
            )
        if event_hash(event) != event.hash:
            return Verification(
                False, count, prev_hash, f"event {event.seq} was altered (its hash does not match)"
            )
        if head is not None and event.hash == head:
            found = event.seq
        prev_hash, expected_seq, count = event.hash, expected_seq + 1, count + 1
    pending = session.scalar(select(func.count()).where(AuditEvent.seq.is_(None)))
    problem = None if head is None else _head_problem(head, events, found, count)
    return Verification(problem is None, count, prev_hash, problem, pending)


def _head_problem(head: str, events: int | None, found: int | None, count: int) -> str | None:
    if events is not None and count < events:
        return (
            f"the chain ends at event {count}, before the recorded head at event {events}: "
            "its tail was cut off"
        )
    if found is None:
        return f"the recorded head {head[:12]}… is not on the chain: the log was cut or rebuilt"
    if events is not None and found != events:
        return f"the recorded head is event {found}, not event {events}: the log was rebuilt"
    return None


def chain_and_verify(engine: Engine, session: Session, **kwargs) -> tuple[int, Verification]:
    """Chain what is pending (waiting for any other chainer), then verify: `misper audit verify`."""
    return chain_pending(engine, wait=True), verify(session, **kwargs)


def list_events(
    session: Session,
    *,
    entity: str | None = None,
    child_id: int | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[AuditEvent]:
    """Newest first (by id, so that events still waiting for the chain are listed too)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if child_id is not None:
        query = query.where(AuditEvent.child_id == child_id)
    return list(session.scalars(query.offset(offset).limit(limit)))
