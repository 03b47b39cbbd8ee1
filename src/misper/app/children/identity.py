"""Who the child is, for the banner at the top of every page of a child's case: name, age, photo
and the risk markers the viewer may see. One function decides it, by the access module's rules:
a viewer who may not see the child's identity gets the pid only, and markers come only from the
episodes the viewer's scope holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.audit import service as audit
from misper.app.children.models import Child
from misper.app.children.photos import has_photo
from misper.app.children.service import age_on
from misper.app.episodes.models import Episode
from misper.process.config import default_config

# Exploitation concerns on a report (risk flags or the stated reason), as a banner names them.
CONCERNS = {
    "cse": "CSE concern",
    "cce": "CCE concern",
    "county_lines": "County lines concern",
    "trafficking": "Trafficking concern",
}
YEAR = timedelta(days=365)


@dataclass(frozen=True)
class Marker:
    label: str
    kind: str  # "missing", "concern" or "frequent": how the banner shows it


@dataclass(frozen=True)
class ChildBanner:
    pid: str
    identified: bool  # False: the viewer sees the pid only
    name: str | None = None
    age: int | None = None
    photo_url: str | None = None
    markers: tuple[Marker, ...] = ()

    @property
    def initials(self) -> str:
        words = (self.name or "").split()
        return "".join(w[0] for w in words[:1] + words[1:][-1:]).upper() or "?"


def child_banner(
    session: Session,
    actor: Actor,
    *,
    pid: str | None = None,
    rid: str | None = None,
    now: datetime | None = None,
) -> ChildBanner | None:
    """The banner of the child named by `pid`, or of the episode `rid`'s child (None: no such
    episode in the viewer's scope). Showing the identity is audited as a read of it."""
    now = now or datetime.now()
    if rid is not None:
        child = session.scalar(
            select(Child)
            .join(Episode, Episode.child_id == Child.id)
            .where(Episode.rid == rid, access.episodes(actor))
        )
        if child is None:
            return None
    else:
        child = session.scalar(select(Child).where(Child.pid == pid))
        if child is None:  # as a child outside the viewer's scope: the pid asked for, no more
            return ChildBanner(pid or "", identified=False)
    markers = _markers(session, actor, child.id, now)
    if not _identified(session, actor, child.id):
        return ChildBanner(child.pid, identified=False, markers=markers)
    audit.record(session, actor, "read", "child_identity", child.id, child_id=child.id)
    return ChildBanner(
        child.pid,
        identified=True,
        name=child.name,
        age=age_on(child.date_of_birth, now),
        photo_url=f"/children/{child.pid}/photo" if has_photo(session, child.id) else None,
        markers=markers,
    )


def _identified(session: Session, actor: Actor, child_id: int) -> bool:
    if not access.allowed(actor.role, "child_identity", "read"):
        return False
    found = select(Child.id).where(Child.id == child_id, access.identified_children(actor))
    return session.scalar(found) is not None


def _markers(session: Session, actor: Actor, child_id: int, now: datetime) -> tuple[Marker, ...]:
    """Missing now, exploitation concerns and frequently missing: from the child's episodes that
    the viewer may read, never from another agency's."""
    if not access.allowed(actor.role, "episodes", "list"):
        return ()
    rows = session.execute(
        select(Episode.reported_at, Episode.found_at, Episode.risk_flags)
        .where(Episode.child_id == child_id, access.episodes(actor))
        .order_by(Episode.reported_at)
    ).all()
    markers = []
    if any(found is None for _reported, found, _flags in rows):
        markers.append(Marker("Missing now", "missing"))
    flags = {flag for *_times, listed in rows for flag in listed or ()}
    markers += [Marker(label, "concern") for key, label in CONCERNS.items() if key in flags]
    recent = sum(1 for reported, *_rest in rows if reported >= now - YEAR)
    if recent >= default_config().frequently_missing.episodes:
        markers.append(Marker(f"Frequently missing: {recent} in the last year", "frequent"))
    return tuple(markers)
