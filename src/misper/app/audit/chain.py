"""Putting committed audit events on the keyed hash chain, in a short transaction of its own.

A request only inserts its events, each with a MAC taken before its commit; numbering them and
keying each link here, after the commit, keeps the one lock the chain needs out of every
request's transaction (it used to be held through each commit, and every request, reads too,
queued on it). Each link is an HMAC with the audit key (see keys.py) over the event, its MAC and
the previous link: without the key, nobody can rebuild the chain.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
import weakref
from types import SimpleNamespace

from sqlalchemy import bindparam, exists, select, text, update
from sqlalchemy.engine import Engine

from misper.app.audit import checkpoints
from misper.app.audit.keys import AuditKey, key_for
from misper.app.audit.models import AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 7_406_211  # PostgreSQL advisory lock: one chainer at a time, so the chain never forks
_EVENTS = AuditEvent.__table__
_log = logging.getLogger(__name__)
# One chainer per database per process at a time (see chain_after_commit).
_CHAINERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_CHAINERS_LOCK = threading.Lock()
# Under load, commits within this many seconds of the last chaining are chained together by the
# background thread: one short transaction for many requests instead of one each.
BATCH_SECONDS = 0.1


# The fields an event's MAC covers, all written by `record` before the commit.
CONTENT = (
    "at",
    "actor_id",
    "actor_role",
    "action",
    "entity",
    "entity_id",
    "child_id",
    "reason",
    "detail",
)


def _content(event) -> list:
    return [event.at.isoformat(), *(getattr(event, name) for name in CONTENT[1:])]


def event_mac(key: AuditKey, event) -> str:
    """The MAC the store gives an event before its commit: its content and its nonce, keyed."""
    return key.mac("misper-audit-event-v1", [event.nonce, *_content(event)])


def link_hash(key: AuditKey, event) -> str:
    """An event's link on the chain: its number, content, nonce and MAC and the previous link,
    keyed."""
    return key.mac(
        "misper-audit-link-v1",
        [event.seq, *_content(event), event.nonce, event.mac, event.prev_hash],
    )


def event_hash(event) -> str:
    """The unkeyed SHA-256 link of the events chained before migration 0009, still checked for
    them: over the event's content and the previous event's hash."""
    content = [event.seq, *_content(event), event.prev_hash]
    return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()


def chain_pending(engine: Engine, *, wait: bool = False) -> int:
    """Number and link every committed event not yet on the chain, in id order; returns how many.

    An event inserted without a valid MAC is chained like any other: `verify` names it.

    Without `wait`, a caller that finds another chainer at work returns 0 at once: that chainer,
    the next commit or the periodic chainer takes its events. On SQLite the write lock, taken
    first, keeps chainers apart.
    """
    key = key_for(engine.url)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            lock = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
            if connection.scalar(text(f"SELECT {lock}(:k)"), {"k": _LOCK_KEY}) is False:
                connection.rollback()
                return 0
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        pending = connection.execute(
            select(_EVENTS).where(_EVENTS.c.seq.is_(None)).order_by(_EVENTS.c.id)
        ).all()
        if not pending:
            connection.rollback()
            return 0
        last = connection.execute(
            select(_EVENTS.c.seq, _EVENTS.c.hash)
            .where(_EVENTS.c.seq.is_not(None))
            .order_by(_EVENTS.c.seq.desc())
            .limit(1)
        ).first()
        seq, prev_hash = (last.seq, last.hash) if last else (0, GENESIS)
        links = []
        for row in pending:
            seq += 1
            event = SimpleNamespace(**{**row._mapping, "seq": seq, "prev_hash": prev_hash})
            prev_hash = link_hash(key, event)
            links.append(
                {
                    "event_id": row.id,
                    "new_seq": seq,
                    "new_prev": event.prev_hash,
                    "new_hash": prev_hash,
                }
            )
        checkpoint = checkpoints.claim(key)
        if connection.dialect.name == "postgresql" and not checkpoint:
            # A crash losing this commit loses nothing: the events stay unchained, to chain again
            # (a round to be checkpointed commits durably: see checkpoints.claim).
            connection.execute(text("SET LOCAL synchronous_commit = off"))
        connection.execute(
            update(_EVENTS)
            .where(_EVENTS.c.id == bindparam("event_id"), _EVENTS.c.seq.is_(None))
            .values(
                seq=bindparam("new_seq"),
                prev_hash=bindparam("new_prev"),
                hash=bindparam("new_hash"),
            ),
            links,
        )
        connection.commit()
    if checkpoint:
        checkpoints.write_quietly(key, seq, prev_hash)
    else:
        checkpoints.leave_due(key, seq, prev_hash)
    return len(links)


class _Chainer:
    """This process's chainer for one database: a lock, a note that commits came in while it
    worked, and a thread that takes those (started on first need)."""

    def __init__(self, engine: Engine):
        self.engine = weakref.ref(engine)  # the chainer must not keep a disposed engine alive
        self.lock, self.again, self.wake, self.thread = (
            threading.Lock(),
            threading.Event(),
            threading.Event(),
            None,
        )
        self.last = float("-inf")  # when the last round started (time.monotonic)

    def busy(self) -> bool:
        return time.monotonic() - self.last < BATCH_SECONDS

    def chain_once(self) -> None:
        self.again.clear()  # before reading the pending events: a later note means a later commit
        self.last = time.monotonic()
        engine = self.engine()
        try:
            if engine is not None:
                chain_pending(engine)
        except Exception:  # noqa: BLE001 - logged; the events are safe in the table
            _log.warning("audit events left unchained for the next chainer", exc_info=True)

    def hand_over(self) -> None:
        with _CHAINERS_LOCK:
            if self.thread is None:
                self.thread = threading.Thread(
                    target=self._follow, daemon=True, name="misper-audit-chainer"
                )
                self.thread.start()
        self.wake.set()

    def _follow(self) -> None:
        while self.engine() is not None:
            self.wake.wait()
            self.wake.clear()
            while self.again.is_set():  # checked again once the lock is let go: a note left
                # just before that found the lock taken. The pause gathers commits into a batch.
                time.sleep(max(0.0, self.last + BATCH_SECONDS - time.monotonic()))
                with self.lock:
                    if self.again.is_set():
                        self.chain_once()


def chain_after_commit(engine: Engine) -> None:
    """Chain after a commit that already succeeded; never raises (the events stay unchained, and
    the next chainer takes them).

    On a quiet store the committing thread chains at once, so every event is chained when its
    commit returns. Under load (a round started less than BATCH_SECONDS ago, or one at work) it
    leaves a note and returns at once; the background thread chains the noted commits together,
    so no request waits for more than one round and most wait for none.
    """
    with _CHAINERS_LOCK:
        chainer = _CHAINERS.get(engine)
        if chainer is None:
            chainer = _CHAINERS[engine] = _Chainer(engine)
    chainer.again.set()
    if chainer.busy():
        chainer.hand_over()
        return
    if not chainer.lock.acquire(blocking=False):
        chainer.hand_over()
        return
    try:
        chainer.chain_once()
    finally:
        chainer.lock.release()
    if chainer.again.is_set():
        chainer.hand_over()


def has_pending(engine: Engine) -> bool:
    with engine.connect() as connection:
        return bool(connection.scalar(select(exists().where(_EVENTS.c.seq.is_(None)))))


async def chain_periodically(engine: Engine, every: float) -> None:
    """Chain what commits left behind (another chainer was busy, or a chain failed), and write
    the checkpoints left due, forever."""
    while True:
        await asyncio.sleep(every)
        try:
            if await asyncio.to_thread(has_pending, engine):
                await asyncio.to_thread(chain_pending, engine)
            await asyncio.to_thread(checkpoints.flush_due)
        except Exception:  # noqa: BLE001 - the database may be briefly away; try again later
            _log.warning("periodic audit chaining failed", exc_info=True)
