"""What the dashboards read (each scope's canonical frame, and the tables derived from it) kept
between page loads, made again only when the store has changed since.

Exporting the store takes seconds and every dashboard load needed it. Entries are keyed on a cheap
version of the store: counts, largest ids, the latest change time and the sum of the row versions
of the tables the export reads, so that an insert, a delete or an update of any of them gives a
new version; it is read from the database, so a write by another process counts too. The caller
adds its scope (the episode ids it may see, asked of the database on every load) to the key.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from misper.app.children.models import Child
from misper.app.episodes.models import Associate, Episode, EpisodeAssociate, EpisodeLink
from misper.app.interviews.models import PreventionInterview, ReturnHomeInterview

LIMITS = {"frame": 8, "table": 64}  # frames are megabytes; derived tables are small

_lock = threading.Lock()
_entries: dict[str, OrderedDict[Hashable, object]] = {kind: OrderedDict() for kind in LIMITS}


def store_version(session: Session) -> tuple:
    """One cheap query: what the export depends on, such that any write to it changes the answer."""

    def stats(*columns):
        return [select(c).scalar_subquery() for c in columns]

    parts = [
        *stats(
            func.count(Episode.id),
            func.max(Episode.id),
            func.max(Episode.updated_at),
            func.sum(Episode.version),
        ),
        *stats(func.count(Child.id), func.max(Child.id)),
        *stats(func.count(EpisodeLink.id), func.max(EpisodeLink.id)),
        *stats(func.count(EpisodeAssociate.id), func.max(EpisodeAssociate.id)),
        *stats(func.count(Associate.id), func.max(Associate.id)),
        *stats(
            func.count(PreventionInterview.id),
            func.max(PreventionInterview.id),
            func.max(PreventionInterview.recorded_at),
        ),
        *stats(
            func.count(ReturnHomeInterview.id),
            func.max(ReturnHomeInterview.id),
            func.sum(ReturnHomeInterview.version),
        ),
    ]
    row = session.execute(select(*parts)).one()
    return (str(session.get_bind().url), *(str(v) for v in row))


def memo(key: Hashable, compute: Callable[[], object], kind: str = "table") -> object:
    """The value kept under `key`, else `compute()` kept. Values are shared: treat as read-only."""
    entries = _entries[kind]
    with _lock:
        if key in entries:
            entries.move_to_end(key)
            return entries[key]
    value = compute()  # outside the lock: two first loads at once both compute, neither waits
    with _lock:
        entries[key] = value
        while len(entries) > LIMITS[kind]:
            entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        for entries in _entries.values():
            entries.clear()
