"""Escalation of repeat missing, applied: the configured rules refer a child to a MARM, then a MACE.

Runs when an episode closes. A child is referred to a MARM once (until that referral is answered
and episodes start again, the open referral stands); after a MARM, continued episodes refer to a
MACE. The rules themselves are the pure ones in `misper.process.escalation`.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app.access import Actor
from misper.app.audit import service as audit
from misper.app.children.models import Child
from misper.app.episodes.models import Episode
from misper.app.escalation.models import Referral
from misper.app.notifications.service import notify
from misper.process.config import ProcessConfig, default_config
from misper.process.escalation import Episode as History
from misper.process.escalation import mace_reasons, marm_reasons

PREFIX = "Raised by the escalation rules: "


def history(session: Session, child_id: int) -> list[History]:
    """Every episode of the child in the store: the rules count them all, whoever reported them
    (a duplicate merged into another counts once, as that one)."""
    rows = session.execute(
        select(Episode.reported_at, Episode.risk_flags).where(
            Episode.child_id == child_id, Episode.merged_into_id.is_(None)
        )
    ).all()
    return [History(pd.Timestamp(at), tuple(flags or ())) for at, flags in rows]


def latest_referral(session: Session, child_id: int, meeting: str) -> Referral | None:
    return session.scalar(
        select(Referral)
        .where(Referral.child_id == child_id, Referral.meeting == meeting)
        .order_by(Referral.referred_at.desc(), Referral.id.desc())
        .limit(1)
    )


def due_escalation(
    session: Session, child_id: int, config: ProcessConfig | None = None
) -> tuple[str, list[str]] | None:
    """(meeting, reasons) the child should be referred to now, or None."""
    rules = (config or default_config()).escalation
    episodes = history(session, child_id)
    marm = latest_referral(session, child_id, "marm")
    if marm is None:
        reasons = marm_reasons(episodes, rules)
        return ("marm", reasons) if reasons else None
    if latest_referral(session, child_id, "mace") is not None:
        return None
    reasons = mace_reasons(episodes, pd.Timestamp(marm.referred_at), rules)
    return ("mace", reasons) if reasons else None


def escalate(
    session: Session, actor: Actor, episode: Episode, config: ProcessConfig | None = None
) -> Referral | None:
    """Refer the episode's child if the rules say so; tell the responsible council and the force."""
    due = due_escalation(session, episode.child_id, config)
    if due is None:
        return None
    meeting, reasons = due
    referral = Referral(
        child_id=episode.child_id,
        episode_id=episode.id,
        meeting=meeting,
        reason=PREFIX + "; ".join(reasons),
        referred_at=datetime.now(),
        referred_by=actor.user_id,
        referred_by_agency_id=actor.agency_id,
    )
    session.add(referral)
    session.flush()
    council, pid = session.execute(
        select(Child.responsible_council_id, Child.pid).where(Child.id == episode.child_id)
    ).one()
    subject = f"{meeting.upper()} referral raised for child {pid} (referral {referral.id})"
    for agency in {council, episode.force_id} - {None}:
        notify(
            session,
            agency,
            subject,
            episode.id,
            body="; ".join(reasons),
            link=f"/referrals/{referral.id}",
        )
    audit.record(
        session,
        actor,
        "create",
        "referral",
        referral.id,
        child_id=episode.child_id,
        detail={"meeting": meeting, "automatic": True},
    )
    return referral
