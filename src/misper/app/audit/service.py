"""Writing audit events onto the hash chain, and verifying that the chain is whole."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Session

from misper.app.access import Actor
from misper.app.audit.models import AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 7_406_211  # PostgreSQL advisory lock serialising appends, so the chain never forks


_PENDING = "misper_audit_pending"


def record(session: Session, actor: Actor | None, action: str, entity: str,
           entity_id: object = None, *, child_id: int | None = None, reason: str | None = None,
           detail: dict | None = None) -> None:
    """Add one event to the caller's transaction; it joins the chain when the transaction commits
    and vanishes if it rolls back."""
    event = AuditEvent(
        at=datetime.now().replace(microsecond=0), actor_id=actor and actor.user_id,
        actor_role=actor and actor.role.value, action=action, entity=entity,
        entity_id=None if entity_id is None else str(entity_id), child_id=child_id, reason=reason,
        detail=json.dumps(detail or {}, sort_keys=True, separators=(",", ":")))
    session.info.setdefault(_PENDING, []).append(event)


@listens_for(Session, "before_commit")
def _chain(session: Session) -> None:
    """Number and hash the transaction's events on top of the chain, inside the commit itself:
    the lock that keeps the chain from forking is held only for the commit's few milliseconds."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    last = session.execute(select(AuditEvent.seq, AuditEvent.hash)
                           .order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev_hash = (last.seq, last.hash) if last else (0, GENESIS)
    for event in pending:
        seq += 1
        event.seq, event.prev_hash = seq, prev_hash
        event.hash = prev_hash = event_hash(event)
        session.add(event)
    session.flush()


@listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over the event's content and the previous event's hash."""
    content = [event.seq, event.at.isoformat(), event.actor_id, event.actor_role, event.action,
               event.entity, event.entity_id, event.child_id, event.reason, event.detail,
               event.prev_hash]
    return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    head: str  # hash of the last event: record it elsewhere to detect the tail being cut off
    problem: str | None = None


def verify(session: Session, batch: int = 10_000) -> Verification:
    """Walk the chain in order; report the first event whose hash, link or number is wrong."""
    prev_hash, expected_seq, count = GENESIS, 1, 0
    query = (select(AuditEvent).order_by(AuditEvent.seq)
             .execution_options(yield_per=batch, populate_existing=True))
    for event in session.scalars(query):
        if event.seq != expected_seq:
            return Verification(False, count, prev_hash,
                                f"event {expected_seq} is missing (next is {event.seq})")
        if event.prev_hash != prev_hash:
            return Verification(False, count, prev_hash,
                                f"event {event.seq} does not link to event {event.seq - 1}")
        if event_hash(event) != event.hash:
            return Verification(False, count, prev_hash,
                                f"event {event.seq} was altered (its hash does not match)")
        prev_hash, expected_seq, count = event.hash, expected_seq + 1, count + 1
    return Verification(True, count, prev_hash)


def list_events(session: Session, *, entity: str | None = None, child_id: int | None = None,
                offset: int = 0, limit: int = 100) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.seq.desc())
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if child_id is not None:
        query = query.where(AuditEvent.child_id == child_id)
    return list(session.scalars(query.offset(offset).limit(limit)))
