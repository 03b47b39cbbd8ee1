"""A child's timeline: episodes, interviews, referrals, meetings and actions in one order, so that
what changed the pattern can be seen. Each part appears only if the caller may see that kind."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor, visible_child
from misper.app.audit import service as audit
from misper.app.episodes.models import Episode
from misper.app.escalation.models import Meeting, MeetingAction, Referral
from misper.app.interviews.models import PreventionInterview, ReturnHomeInterview


def child_timeline(session: Session, actor: Actor, pid: str) -> list[dict]:
    """Events (at, kind, text, ref), oldest first."""
    access.require(actor, "timelines", "read")
    child = visible_child(session, actor, pid, scope=access.timeline_children)
    events: list[dict] = []

    def add(at: datetime | None, kind: str, text: str, ref: str | None = None) -> None:
        if at is not None:
            events.append({"at": at, "kind": kind, "text": text, "ref": ref})

    episodes = list(
        session.scalars(
            select(Episode).where(
                Episode.child_id == child.id,
                access.episodes(actor),
                Episode.merged_into_id.is_(None),  # a duplicate report: its records moved
            )
        )
    )
    for e in episodes:
        risk = f", risk {e.risk_final}" if e.risk_final else ""
        add(e.reported_at, "episode", f"Reported missing ({e.missing_from_type}{risk})", e.rid)
        if e.found_at:
            how = f" ({e.found_how})" if e.found_how else ""
            add(e.found_at, "found", f"Found{how}", e.rid)
    ids = [e.id for e in episodes]
    if access.allowed(actor.role, "prevention_interviews", "read"):
        for p in session.scalars(
            select(PreventionInterview).where(PreventionInterview.episode_id.in_(ids))
        ):
            add(p.recorded_at, "prevention_interview", f"Prevention interview: {p.outcome}")
    if access.allowed(actor.role, "return_home_interviews", "list"):
        for r in session.scalars(
            select(ReturnHomeInterview)
            .join(Episode, Episode.id == ReturnHomeInterview.episode_id)
            # Not only the episodes listed above: a provider sees its interviews, not episodes.
            .where(Episode.child_id == child.id, access.return_home_interviews(actor))
        ):
            add(
                r.completed_at,
                "return_home_interview",
                "Return home interview completed" + (" and shared" if r.shared_with_police else ""),
            )
    if access.allowed(actor.role, "referrals", "list"):
        referrals = list(
            session.scalars(
                select(Referral).where(Referral.child_id == child.id, access.referrals(actor))
            )
        )
        for r in referrals:
            add(
                r.referred_at, "referral", f"Referred to {r.meeting.upper()}: {r.reason}", str(r.id)
            )
            add(r.outcome_at, "outcome", f"{r.meeting.upper()} outcome: {r.outcome}", str(r.id))
        meetings = list(
            session.scalars(
                select(Meeting).where(Meeting.referral_id.in_([r.id for r in referrals]))
            )
        )
        for m in meetings:
            add(m.held_at, "meeting", "Meeting held" + (f": {m.summary}" if m.summary else ""))
        held = {m.id: m.held_at for m in meetings}
        for a in session.scalars(
            select(MeetingAction).where(MeetingAction.meeting_id.in_(list(held)))
        ):
            add(held[a.meeting_id], "action", f"Action agreed: {a.description}")
            add(
                a.done_at,
                "action",
                f"Action done: {a.description}" + (f" ({a.outcome})" if a.outcome else ""),
            )
    audit.record(session, actor, "read", "timeline", child.id, child_id=child.id)
    return sorted(events, key=lambda e: e["at"])
