"""Signed checkpoints of the chain's head, appended to a file outside the database.

One JSON line per checkpoint: `{"seq", "head", "events", "at", "mac"}`, the MAC taken with the
audit key over the other four. `verify` holds the chain to every valid checkpoint: a chain
shorter than one, or with another hash at its number, was cut or rebuilt, and no head need be
kept by hand. A line that does not parse or whose MAC fails is skipped (and counted): a torn
write or a forgery, never a reason to trust less of the rest.

The chainer writes one after chaining, at most every CHECKPOINT_SECONDS per file and process
(the latest head chained in between waits for `flush_due`); `verify` writes one whenever the
chain it checked is whole.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from misper.app.audit.keys import AuditKey

PURPOSE = "misper-audit-checkpoint-v1"
# At most one checkpoint per file and process in this time: a tail cut off within it shows only
# from the next checkpoint on; a busier file would cost the memory `verify` reads it into.
CHECKPOINT_SECONDS = 30.0

_log = logging.getLogger(__name__)
_LOCK = threading.Lock()
_LAST: dict[Path, float] = {}  # when this process last wrote to each file (time.monotonic)
_DUE: dict[Path, tuple[AuditKey, int, str]] = {}  # the head each file still waits for


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    head: str
    events: int
    at: str  # UTC, ISO 8601


@dataclass(frozen=True)
class Checkpoints:
    valid: list[Checkpoint]
    invalid: int  # lines skipped: unreadable or with a MAC that fails


def _signed(key: AuditKey, point: Checkpoint) -> str:
    return key.mac(PURPOSE, [point.seq, point.head, point.events, point.at])


def write(key: AuditKey, seq: int, head: str) -> None:
    """Append a checkpoint of the chain ending at event `seq` with hash `head` (events = seq: the
    chain is numbered without gaps)."""
    if key.checkpoints is None or seq < 1:
        return
    point = Checkpoint(seq, head, seq, datetime.now(UTC).isoformat(timespec="seconds"))
    line = json.dumps({**asdict(point), "mac": _signed(key, point)}, separators=(",", ":"))
    # One write of one short line with O_APPEND: lines of several processes never interleave.
    descriptor = os.open(key.checkpoints, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, (line + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    with _LOCK:
        _LAST[key.checkpoints] = time.monotonic()
        _DUE.pop(key.checkpoints, None)


def claim(key: AuditKey) -> bool:
    """Whether the chainer's round about to commit should be checkpointed: yes unless this
    process checkpointed that file less than CHECKPOINT_SECONDS ago. A round that claims it
    commits durably before `write`: a checkpoint never names a chain a crash could lose."""
    if key.checkpoints is None:
        return False
    with _LOCK:
        if time.monotonic() - _LAST.get(key.checkpoints, float("-inf")) < CHECKPOINT_SECONDS:
            return False
        _LAST[key.checkpoints] = time.monotonic()  # claimed: other rounds leave theirs due
        return True


def leave_due(key: AuditKey, seq: int, head: str) -> None:
    """A head chained too soon after the last checkpoint: `flush_due` writes it later."""
    if key.checkpoints is not None:
        with _LOCK:
            _DUE[key.checkpoints] = (key, seq, head)


def flush_due() -> None:
    """Write the checkpoints left due by the chainer (the server calls this periodically)."""
    with _LOCK:
        due = [
            entry
            for path, entry in _DUE.items()
            if time.monotonic() - _LAST.get(path, float("-inf")) >= CHECKPOINT_SECONDS
        ]
    for key, seq, head in due:
        write_quietly(key, seq, head)


def write_quietly(key: AuditKey, seq: int, head: str) -> None:
    """`write`, logging a failure instead of raising it: the events are safe in the database."""
    try:
        write(key, seq, head)
    except OSError:
        _log.warning("audit checkpoint not written to %s", key.checkpoints, exc_info=True)


def read(key: AuditKey) -> Checkpoints:
    """Every checkpoint in the store's file whose MAC holds, in the file's order."""
    if key.checkpoints is None or not key.checkpoints.exists():
        return Checkpoints([], 0)
    valid, invalid = [], 0
    with key.checkpoints.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                point = Checkpoint(
                    int(item["seq"]), str(item["head"]), int(item["events"]), str(item["at"])
                )
                good = point.seq == point.events and hmac.compare_digest(
                    item["mac"], _signed(key, point)
                )
            except (ValueError, KeyError, TypeError):
                good = False
            if good:
                valid.append(point)
            else:
                invalid += 1
    return Checkpoints(valid, invalid)
