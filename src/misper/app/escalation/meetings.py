"""What a MARM or MACE did about a referral: the meeting held, its actions and their outcomes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.agencies.service import known_agency
from misper.app.audit import service as audit
from misper.app.errors import Invalid, NotFound
from misper.app.escalation.models import Meeting, MeetingAction, Referral
from misper.process.config import default_config


def _referral(session: Session, actor: Actor, referral_id: int) -> Referral:
    referral = session.scalar(
        select(Referral).where(Referral.id == referral_id, access.referrals(actor))
    )
    if referral is None:
        raise NotFound("referral")
    return referral


def record_meeting(
    session: Session,
    actor: Actor,
    referral_id: int,
    held_at: datetime,
    attendees: str | None,
    summary: str | None,
    now: datetime | None = None,
) -> Meeting:
    """A meeting about the referral, recorded within `time_limits.meeting_past_days` of being held
    or planned up to `time_limits.meeting_horizon_days` ahead (a year's typo is refused)."""
    access.require(actor, "referrals", "update")
    referral = _referral(session, actor, referral_id)
    if held_at < referral.referred_at.replace(hour=0, minute=0, second=0, microsecond=0):
        raise Invalid(
            "held_at",
            f"The meeting cannot be before the referral was made ({referral.referred_at:%d %b %Y})",
        )
    refuse_out_of_range(held_at, now or datetime.now())
    meeting = Meeting(
        referral_id=referral.id,
        held_at=held_at,
        attendees=attendees,
        summary=summary,
        recorded_by=actor.user_id,
    )
    session.add(meeting)
    session.flush()
    audit.record(session, actor, "create", "meeting", meeting.id, child_id=referral.child_id)
    return meeting


def refuse_out_of_range(held_at: datetime, now: datetime) -> None:
    """Refuse a meeting time too long ago to be recorded now, or too far ahead to be a plan."""
    limits = default_config().time_limits
    past, ahead = limits.meeting_past_days, limits.meeting_horizon_days
    if held_at < now - timedelta(days=past):
        raise Invalid(
            "held_at",
            f"The meeting time is more than {past} day{'s' * (past != 1)} ago: "
            "record a meeting as soon as it is held",
        )
    if held_at > now + timedelta(days=ahead):
        raise Invalid(
            "held_at",
            f"The meeting time is more than {ahead} days ahead "
            f"(the latest is {now + timedelta(days=ahead):%d %b %Y})",
        )


def _meeting(session: Session, actor: Actor, meeting_id: int) -> tuple[Meeting, Referral]:
    row = session.execute(
        select(Meeting, Referral)
        .join(Referral, Referral.id == Meeting.referral_id)
        .where(Meeting.id == meeting_id, access.referrals(actor))
    ).first()
    if row is None:
        raise NotFound("meeting")
    return tuple(row)


def add_action(
    session: Session,
    actor: Actor,
    meeting_id: int,
    description: str,
    owner_agency_id: int | None,
    due_on: date | None,
) -> MeetingAction:
    access.require(actor, "referrals", "update")
    meeting, referral = _meeting(session, actor, meeting_id)
    if owner_agency_id is not None:
        known_agency(session, owner_agency_id, "owner_agency_id")
    action = MeetingAction(
        meeting_id=meeting.id,
        description=description,
        owner_agency_id=owner_agency_id,
        due_on=due_on,
    )
    session.add(action)
    session.flush()
    audit.record(session, actor, "create", "meeting_action", action.id, child_id=referral.child_id)
    return action


def complete_action(session: Session, actor: Actor, action_id: int, outcome: str) -> MeetingAction:
    access.require(actor, "referrals", "update")
    action = session.scalar(  # outside the caller's referrals: answered as absent
        select(MeetingAction)
        .join(Meeting, Meeting.id == MeetingAction.meeting_id)
        .join(Referral, Referral.id == Meeting.referral_id)
        .where(MeetingAction.id == action_id, access.referrals(actor))
    )
    if action is None:
        raise NotFound("action")
    action.done_at, action.outcome = datetime.now(), outcome
    audit.record(session, actor, "update", "meeting_action", action.id)
    return action


def meetings_of(
    session: Session, actor: Actor, referral_id: int
) -> list[tuple[Meeting, list[MeetingAction]]]:
    access.require(actor, "referrals", "list")
    referral = _referral(session, actor, referral_id)
    meetings = list(
        session.scalars(
            select(Meeting)
            .where(Meeting.referral_id == referral.id)
            .order_by(Meeting.held_at, Meeting.id)
        )
    )
    actions = list(
        session.scalars(
            select(MeetingAction)
            .where(MeetingAction.meeting_id.in_([m.id for m in meetings]))
            .order_by(MeetingAction.id)
        )
    )
    audit.record(session, actor, "read", "meeting", child_id=referral.child_id)
    return [(m, [a for a in actions if a.meeting_id == m.id]) for m in meetings]
