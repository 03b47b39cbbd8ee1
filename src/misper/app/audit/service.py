"""Recording audit events (each MACed with the audit key before its commit), verifying the
keyed chain against the key and the signed checkpoints, and reading the log and field history."""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from misper.app import access
from misper.app.access import Actor
from misper.app.audit import checkpoints, history
from misper.app.audit.chain import (
    GENESIS,
    chain_after_commit,
    chain_pending,
    event_hash,
    event_mac,
    link_hash,
)
from misper.app.audit.history import act_as, acting  # noqa: F401  (the request code's entry)
from misper.app.audit.keys import AuditKey, key_for
from misper.app.audit.models import AuditEvent, FieldChange

_log = logging.getLogger(__name__)
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
        key = key_for(session.get_bind().engine.url)  # no key, no commit: nothing unaudited
        for event in pending:
            event.nonce = secrets.token_hex(16)
            event.mac = event_mac(key, event)
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
    head: str  # hash of the last event: with `events`, what a checkpoint holds
    problem: str | None = None
    pending: int = 0  # committed events not yet on the chain
    checkpoint: int | None = None  # the latest valid checkpoint checked: its event number
    bad_checkpoints: int = 0  # checkpoint lines skipped: unreadable, or with a MAC that fails


def verify(
    session: Session,
    batch: int = 10_000,
    *,
    head: str | None = None,
    events: int | None = None,
    key: AuditKey | None = None,
) -> Verification:
    """Walk the chain in order with the audit key; report the first event whose number, link,
    keyed hash or MAC is wrong, then a chain shorter than a signed checkpoint or differing from
    one, then a copied event, then an unchained event without a valid MAC.

    `key` defaults to the store's (keys.key_for); a copy of the log elsewhere passes the store's
    key with `checkpoints=None`. With `head` (and `events`), a head recorded by hand: the chain
    must still hold that event (at that number). A whole chain is checkpointed.
    """
    key = key or key_for(session.get_bind().engine.url)
    marks = checkpoints.read(key)
    expected = {point.seq: point for point in marks.valid}
    latest = max(marks.valid, key=lambda point: point.seq, default=None)
    prev_hash, count, found, keyed = GENESIS, 0, None, False
    problem = None
    query = (
        select(AuditEvent)
        .where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=batch, populate_existing=True)
    )
    for event in session.scalars(query):
        problem = _event_problem(key, event, count + 1, prev_hash, keyed)
        if problem is None and event.seq in expected and expected[event.seq].head != event.hash:
            problem = (
                f"event {event.seq} is not the event checkpointed at "
                f"{expected[event.seq].at}: the log was cut and written again since"
            )
        if problem is not None:
            break
        keyed = keyed or event.mac is not None
        if head is not None and event.hash == head:
            found = event.seq
        prev_hash, count = event.hash, count + 1
    if problem is None and latest is not None and count < latest.seq:
        problem = (
            f"the chain ends at event {count}, before the checkpoint of {latest.at} at "
            f"event {latest.seq}: its tail was cut off"
        )
    problem = problem or _copies(session) or _unchained_problem(session, key)
    if problem is None and head is not None:
        problem = _head_problem(head, events, found, count)
    pending = session.scalar(select(func.count()).where(AuditEvent.seq.is_(None)))
    result = Verification(
        problem is None,
        count,
        prev_hash,
        problem,
        pending,
        latest and latest.seq,
        marks.invalid,
    )
    if result.ok and count and (latest is None or (latest.seq, latest.head) != (count, prev_hash)):
        checkpoints.write_quietly(key, count, prev_hash)
    return result


def _event_problem(
    key: AuditKey, event: AuditEvent, seq: int, prev_hash: str, keyed: bool
) -> str | None:
    """What is wrong with the event that should be number `seq`, after `prev_hash`."""
    if event.seq != seq:
        return f"event {seq} is missing (next is {event.seq})"
    if event.prev_hash != prev_hash:
        return f"event {event.seq} does not link to event {event.seq - 1}"
    inserted = (
        f"event {event.seq} has no valid MAC: it was put into the table, not written by the store"
    )
    if event.mac is None:
        # Events chained before migration 0009 carry no MAC and an unkeyed hash; they may only
        # open the chain, before its first keyed event.
        if not keyed and event.nonce is None and _same(event_hash(event), event.hash):
            return None
        if keyed or _same(link_hash(key, event), event.hash):
            return inserted
        return f"event {event.seq} was altered (its hash does not match)"
    if not _same(link_hash(key, event), event.hash):
        if _same(event_mac(key, event), event.mac):
            return (
                f"event {event.seq} has a hash not made with the audit key: "
                "the chain was rebuilt without it"
            )
        if not keyed:
            return (
                f"event {event.seq} was altered (its hash does not match), or the audit key "
                "is not this store's"
            )
        return f"event {event.seq} was altered (its hash does not match)"
    if not _same(event_mac(key, event), event.mac):
        return inserted
    return None


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a, b)


def _copies(session: Session) -> str | None:
    """Two events with one nonce: one is a copy of the other (its MAC is valid)."""
    nonce = session.scalar(
        select(AuditEvent.nonce)
        .where(AuditEvent.nonce.is_not(None))
        .group_by(AuditEvent.nonce)
        .having(func.count() > 1)
        .limit(1)
    )
    if nonce is None:
        return None
    named = [
        str(seq) if seq is not None else f"id {id_} (unchained)"
        for id_, seq in session.execute(
            select(AuditEvent.id, AuditEvent.seq)
            .where(AuditEvent.nonce == nonce)
            .order_by(AuditEvent.seq.is_(None), AuditEvent.seq, AuditEvent.id)
        )
    ]
    return f"events {' and '.join(named)} share one nonce: one is a copy of the other"


def _unchained_problem(session: Session, key: AuditKey) -> str | None:
    for event in session.scalars(
        select(AuditEvent).where(AuditEvent.seq.is_(None)).order_by(AuditEvent.id)
    ):
        if event.mac is None or not _same(event_mac(key, event), event.mac):
            return (
                f"the unchained event with id {event.id} has no valid MAC: it was put into the "
                "table, not written by the store"
            )
    return None


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
    actor: Actor | None,
    *,
    entity: str | None = None,
    child_id: int | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[AuditEvent]:
    """Newest first (by id, so that events still waiting for the chain are listed too): an
    administrator's agency's own (`access.audit_events`); every event for the operator (None).
    The read is itself an event."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if actor is not None:
        query = query.where(access.audit_events(actor))
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if child_id is not None:
        query = query.where(AuditEvent.child_id == child_id)
    events = list(session.scalars(query.offset(offset).limit(limit)))
    record(
        session,
        actor,
        "list",
        "audit_event",
        detail={"entity": entity, "child_id": child_id, "offset": offset, "rows": len(events)},
    )
    return events


def field_history(
    session: Session,
    actor: Actor | None,
    table: str,
    row_id: str,
    *,
    offset: int = 0,
    limit: int = 100,
) -> list[FieldChange]:
    """A case record's changes, newest first: of a record the administrator's agency holds (404
    otherwise, `access.visible_history`); of any record for the operator (None). Audited."""
    if actor is not None:
        access.visible_history(session, actor, table, row_id)
    changes = history.changes(session, table, row_id, offset=offset, limit=limit)
    record(session, actor, "read", "field_history", f"{table}:{row_id}"[:64])
    return changes


def record_refused(
    sessions: sessionmaker[Session],
    actor: Actor | None,
    status: int,
    method: str,
    path: str,
    route: str | None,
) -> None:
    """Record a request answered 403 or 404, in a short transaction of its own (the request's
    was rolled back). Never raises: the caller is answering already."""
    try:
        with sessions() as session:
            record(
                session,
                actor,
                "refused" if status == 403 else "not_found",
                "request",
                path[:64],
                detail={"method": method, "route": route, "status": status},
            )
            session.commit()
    except Exception:  # noqa: BLE001 - logged; the answer is already decided
        _log.warning("a refused request was not recorded in the audit log", exc_info=True)
