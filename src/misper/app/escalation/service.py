"""Referring a child to a MARM or MACE and recording what the meeting decided."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor, visible_child
from misper.app.audit import service as audit
from misper.app.children.models import Child
from misper.app.episodes.models import Episode
from misper.app.errors import Invalid, NotFound
from misper.app.escalation.models import Referral


def _query(actor: Actor):
    return (
        select(Referral, Child.pid)
        .join(Child, Child.id == Referral.child_id)
        .where(access.referrals(actor))
    )


def list_referrals(
    session: Session,
    actor: Actor,
    meeting: str | None,
    open_only: bool | None,
    offset: int,
    limit: int,
) -> list[tuple[Referral, str]]:
    access.require(actor, "referrals", "list")
    query = _query(actor)
    if meeting:
        query = query.where(Referral.meeting == meeting)
    if open_only is not None:
        query = query.where(
            Referral.outcome.is_(None) if open_only else Referral.outcome.is_not(None)
        )
    rows = list(
        session.execute(query.order_by(Referral.id.desc()).offset(offset).limit(limit)).all()
    )
    audit.record(session, actor, "list", "referral", detail={"ids": [r.id for r, _ in rows]})
    return rows


def read_referral(session: Session, actor: Actor, referral_id: int) -> tuple[Referral, str]:
    access.require(actor, "referrals", "list")
    row = session.execute(_query(actor).where(Referral.id == referral_id)).first()
    if row is None:
        raise NotFound("referral")
    audit.record(session, actor, "read", "referral", referral_id, child_id=row[0].child_id)
    return tuple(row)


def refer(
    session: Session, actor: Actor, pid: str, meeting: str, reason: str, rid: str | None
) -> tuple[Referral, str]:
    access.require(actor, "referrals", "create")
    child = visible_child(session, actor, pid)
    episode_id = None
    if rid is not None:
        episode_id = session.scalar(
            select(Episode.id).where(Episode.rid == rid, Episode.child_id == child.id)
        )
        if episode_id is None:
            raise Invalid("rid", "no episode of this child has that rid")
    referral = Referral(
        child_id=child.id,
        episode_id=episode_id,
        meeting=meeting,
        reason=reason,
        referred_at=datetime.now(),
        referred_by=actor.user_id,
        referred_by_agency_id=actor.agency_id,
    )
    session.add(referral)
    session.flush()
    audit.record(session, actor, "create", "referral", referral.id, child_id=child.id)
    return referral, child.pid


def record_outcome(
    session: Session, actor: Actor, referral_id: int, outcome: str
) -> tuple[Referral, str]:
    access.require(actor, "referrals", "update")
    row = session.execute(_query(actor).where(Referral.id == referral_id)).first()
    if row is None:
        raise NotFound("referral")
    referral, pid = row
    referral.outcome, referral.outcome_at = outcome, datetime.now()
    audit.record(session, actor, "update", "referral", referral.id, child_id=referral.child_id)
    return referral, pid
