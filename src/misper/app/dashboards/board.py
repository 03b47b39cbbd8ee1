"""The control-room board: one row per open episode, the most urgent first (risk level, then a
review overdue, then the longest missing), with what the room needs to read at a glance."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from misper.app import access
from misper.app.access import Actor
from misper.app.audit import service as audit
from misper.app.children.models import Child
from misper.app.episodes.models import ControlRoomDecision, Episode

# Urgency of each risk level, most urgent first. A report nobody has assessed yet may be high risk:
# it comes straight after high, before the levels an assessment has lowered.
URGENCY = {"high": 0, "medium": 1, None: 2, "unknown": 2, "low": 3, "absent": 4}
LEAST_URGENT = 5  # no apparent risk, and any level a force adds


@dataclass(frozen=True)
class BoardRow:
    rid: str
    pid: str
    name: str | None  # only where the caller may read the child's identity, and has said why
    age: int | None
    risk: str | None
    missing_from_type: str | None
    missing_from_postcode_sector: str | None
    reported_at: datetime
    hours_missing: float
    review_at: datetime | None  # the latest decision's, when it is a delay
    review_in_hours: float | None  # to the review; below zero: overdue
    reported_twice: bool  # the child has another open episode here: one to merge

    @property
    def overdue(self) -> bool:
        return self.review_in_hours is not None and self.review_in_hours <= 0


def urgency(row: BoardRow) -> tuple:
    """The board's order: risk level, then a review overdue, then the longest missing."""
    return (URGENCY.get(row.risk, LEAST_URGENT), not row.overdue, -row.hours_missing, row.rid)


def board(
    session: Session, actor: Actor, now: datetime, reason: str | None = None
) -> list[BoardRow]:
    """The open episodes in the caller's scope (a duplicate merged into another is not open),
    most urgent first. Names only as a list may show them (`access.names_shown`), and only of
    children whose identity the caller may read; the list is audited."""
    access.require(actor, "episodes", "list")
    child = aliased(Child)  # not to be correlated with the scope's own sub-query on children
    episodes = session.execute(
        select(Episode, child.pid)
        .join(child, child.id == Episode.child_id)
        .where(access.episodes(actor), Episode.found_at.is_(None), Episode.merged_into_id.is_(None))
    ).all()
    ids = [e.id for e, _ in episodes]
    named = access.names_shown(actor, reason)
    names = (
        dict(
            session.execute(
                select(Child.id, Child.name).where(
                    Child.id.in_({e.child_id for e, _ in episodes}),
                    access.readable_children(actor),
                )
            ).all()
        )
        if named and episodes
        else {}
    )
    reviews = _reviews(session, ids) if access.allowed(actor.role, "decisions", "list") else {}
    per_child = Counter(e.child_id for e, _ in episodes)
    rows = [
        BoardRow(
            rid=e.rid,
            pid=pid,
            name=names.get(e.child_id),
            age=e.age,
            risk=e.risk_final,
            missing_from_type=e.missing_from_type,
            missing_from_postcode_sector=e.missing_from_postcode_sector,
            reported_at=e.reported_at,
            hours_missing=_hours(now - e.reported_at),
            review_at=reviews.get(e.id),
            review_in_hours=_hours(reviews[e.id] - now) if e.id in reviews else None,
            reported_twice=per_child[e.child_id] > 1,
        )
        for e, pid in episodes
    ]
    audit.record(
        session,
        actor,
        "list",
        "board",
        reason=reason.strip() if named and reason else None,
        detail={"ids": ids, "named": bool(names)},
    )
    return sorted(rows, key=urgency)


def _reviews(session: Session, ids: list[int]) -> dict[int, datetime]:
    """Episode id -> review time, where the latest control-room decision is a delay."""
    if not ids:
        return {}
    latest = (
        select(ControlRoomDecision.episode_id, func.max(ControlRoomDecision.id).label("d"))
        .where(ControlRoomDecision.episode_id.in_(ids))
        .group_by(ControlRoomDecision.episode_id)
        .subquery()
    )
    return {
        episode_id: review_at
        for episode_id, review_at in session.execute(
            select(ControlRoomDecision.episode_id, ControlRoomDecision.review_at)
            .join(latest, latest.c.d == ControlRoomDecision.id)
            .where(
                ControlRoomDecision.decision == "delay", ControlRoomDecision.review_at.is_not(None)
            )
        )
    }


def _hours(delta) -> float:
    return round(delta.total_seconds() / 3600, 1)
