"""Merging duplicates: two open episodes of one child (the same absence reported twice) become
one. The older is kept and everything recorded on the other moves to it; the other is marked
merged into it, never deleted, so its audit trail and links still lead somewhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor, pid_of, visible_episode
from misper.app.audit import service as audit
from misper.app.episodes.models import (
    ControlRoomDecision,
    Episode,
    EpisodeAssociate,
    EpisodeLink,
    EpisodeUpdate,
    RiskAssessment,
)
from misper.app.episodes.service import touch
from misper.app.errors import Conflict, Invalid
from misper.app.escalation.models import Referral
from misper.app.flowchart.models import CarerCheck
from misper.app.notifications.models import Notification
from misper.app.tasks.models import Task

# What an open episode gathers, moved whole to the episode kept: (name in the audit, table).
MOVED = (
    ("risk_assessments", RiskAssessment),
    ("decisions", ControlRoomDecision),
    ("updates", EpisodeUpdate),  # sightings among them
    ("tasks", Task),
    ("carer_checks", CarerCheck),
    ("referrals", Referral),
    ("notifications", Notification),
)


@dataclass(frozen=True)
class Merged:
    kept: Episode
    merged: Episode
    pid: str
    moved: dict[str, int]


def merge_episodes(session: Session, actor: Actor, rid: str, other_rid: str) -> Merged:
    """Merge two open episodes of the same child into the older; refused (nothing changed) for
    one episode twice, two children, or an episode closed or merged already."""
    access.require(actor, "episodes", "merge")
    if rid == other_rid:
        raise Invalid("other_rid", "name another episode: an episode cannot be merged into itself")
    first = visible_episode(session, actor, rid)
    second = visible_episode(session, actor, other_rid)
    if first.child_id != second.child_id:
        raise Invalid(
            "other_rid",
            f"episodes {rid} and {other_rid} are of different children: only two reports of "
            "the same child are merged",
        )
    for episode in (first, second):
        if episode.merged_into_id is not None:
            raise Conflict(f"episode {episode.rid} was merged into another episode already")
        if episode.found_at is not None:
            raise Conflict(
                f"episode {episode.rid} is closed (the child was found): only open episodes "
                "are merged"
            )
    kept, merged = sorted((first, second), key=lambda e: (e.reported_at, e.id))
    moved = {name: _move(session, table, merged.id, kept.id) for name, table in MOVED}
    moved["links"] = _move_links(session, merged, kept)
    moved["associates"] = _move_associates(session, merged.id, kept.id)
    _fill_from(session, kept, merged)
    text = (
        f"Episode {merged.rid}, a second report of this absence made "
        f"{merged.reported_at:%d %b %Y %H:%M}, merged into this one."
    )
    if merged.circumstances_text:
        text += f" Its circumstances: {merged.circumstances_text}"
    note = EpisodeUpdate(
        episode_id=kept.id,
        kind="update",
        text=text,
        at=datetime.now(),
        created_by=actor.user_id,
        agency_id=actor.agency_id,
    )
    session.add(note)
    kept.narratives_count = (kept.narratives_count or 0) + (merged.narratives_count or 0) + 1
    kept.tasks_count = (kept.tasks_count or 0) + (merged.tasks_count or 0)
    merged.merged_into_id = kept.id
    touch(session, merged)
    touch(session, kept)
    detail = {"kept": kept.rid, "merged": merged.rid, "moved": moved}
    audit.record(session, actor, "merge", "episode", kept.id, child_id=kept.child_id, detail=detail)
    audit.record(
        session, actor, "merged_into", "episode", merged.id, child_id=kept.child_id, detail=detail
    )
    return Merged(kept, merged, pid_of(session, kept), moved)


def _move(session: Session, table, from_id: int, to_id: int) -> int:
    result = session.execute(
        update(table).where(table.episode_id == from_id).values(episode_id=to_id)
    )
    return result.rowcount


def _move_links(session: Session, merged: Episode, kept: Episode) -> int:
    """Children who went missing with the child: each named once on the episode kept; a link
    between the two reports themselves is dropped from the move (it would name itself)."""
    have = set(
        session.scalars(select(EpisodeLink.linked_rid).where(EpisodeLink.episode_id == kept.id))
    )
    rows = session.scalars(select(EpisodeLink).where(EpisodeLink.episode_id == merged.id)).all()
    moving = [r for r in rows if r.linked_rid not in have | {kept.rid, merged.rid}]
    for position, row in enumerate(moving, start=len(have)):
        row.episode_id, row.position = kept.id, position
    if moving:
        kept.links_recorded = True
    return len(moving)


def _move_associates(session: Session, from_id: int, to_id: int) -> int:
    """Adults and addresses named: each once on the episode kept (the rest stay with the other)."""
    have = set(
        session.scalars(
            select(EpisodeAssociate.associate_id).where(EpisodeAssociate.episode_id == to_id)
        )
    )
    rows = session.scalars(
        select(EpisodeAssociate).where(EpisodeAssociate.episode_id == from_id)
    ).all()
    moving = [r for r in rows if r.associate_id not in have]
    for position, row in enumerate(moving, start=len(have)):
        row.episode_id, row.position = to_id, position
    return len(moving)


# What the second report may know that the first did not say: copied only where the kept is empty.
FILLED = ("last_seen_at", "missing_from_postcode_sector", "risk_flags", "circumstances_text")


def _fill_from(session: Session, kept: Episode, merged: Episode) -> None:
    for name in FILLED:
        if getattr(kept, name) in (None, "", []) and getattr(merged, name) not in (None, "", []):
            setattr(kept, name, getattr(merged, name))
    kept.risk_initial = kept.risk_initial or merged.risk_initial
    # The risk assessed last stands, whichever report it was assessed on (moved by now).
    latest = session.scalar(
        select(RiskAssessment.level)
        .where(RiskAssessment.episode_id == kept.id)
        .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.id.desc())
        .limit(1)
    )
    kept.risk_final = latest or kept.risk_final or merged.risk_final


def duplicates_of(session: Session, actor: Actor, episode: Episode) -> list[Episode]:
    """The child's other open reports the caller may merge with this one (none when the role may
    not merge, or the episode is closed or merged)."""
    if not (access.allowed(actor.role, "episodes", "merge") and episode.is_open):
        return []
    return list(
        session.scalars(
            select(Episode)
            .where(
                Episode.child_id == episode.child_id,
                Episode.id != episode.id,
                Episode.found_at.is_(None),
                Episode.merged_into_id.is_(None),
                access.episodes(actor),
            )
            .order_by(Episode.reported_at, Episode.id)
        )
    )


def kept_of(session: Session, actor: Actor, episode: Episode) -> Episode | None:
    """The episode this duplicate was merged into, when the caller may see it."""
    if episode.merged_into_id is None:
        return None
    return session.scalar(
        select(Episode).where(Episode.id == episode.merged_into_id, access.episodes(actor))
    )
