"""Routes recording the meetings held on a referral and their actions."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from misper.app.access import Actor
from misper.app.api import DB, ERRORS, allowed
from misper.app.escalation import meetings
from misper.app.schemas import (
    MAX_ID,
    Id,
    LocalDatetime,
    Note,
    PlausibleDate,
    Stamp,
    StoreModel,
    text,
)

router = APIRouter(prefix="/api", tags=["referrals"], responses=ERRORS)
Key = Annotated[int, Path(ge=1, le=MAX_ID)]


class MeetingIn(StoreModel):
    held_at: LocalDatetime
    attendees: Note | None = None
    summary: Note | None = None


class ActionIn(StoreModel):
    description: text(2_000, 1)
    owner_agency_id: Id | None = None
    due_on: PlausibleDate | None = None


class ActionDone(StoreModel):
    outcome: text(10_000, 1)


class ActionOut(BaseModel):
    id: int
    description: str
    owner_agency_id: int | None
    due_on: date | None
    done_at: Stamp | None
    outcome: str | None


class MeetingOut(BaseModel):
    id: int
    referral_id: int
    held_at: Stamp
    attendees: str | None
    summary: str | None
    actions: list[ActionOut] = []


def _action(a) -> ActionOut:
    return ActionOut.model_validate(a, from_attributes=True)


@router.get("/referrals/{referral_id}/meetings", response_model=list[MeetingOut])
def list_meetings(referral_id: Key, session: DB, actor: Actor = allowed("referrals", "list")):
    return [
        MeetingOut(
            id=m.id,
            referral_id=m.referral_id,
            held_at=m.held_at,
            attendees=m.attendees,
            summary=m.summary,
            actions=[_action(a) for a in actions],
        )
        for m, actions in meetings.meetings_of(session, actor, referral_id)
    ]


@router.post("/referrals/{referral_id}/meetings", response_model=MeetingOut, status_code=201)
def record_meeting(
    referral_id: Key, body: MeetingIn, session: DB, actor: Actor = allowed("referrals", "update")
):
    m = meetings.record_meeting(
        session, actor, referral_id, body.held_at, body.attendees, body.summary
    )
    return MeetingOut(
        id=m.id,
        referral_id=m.referral_id,
        held_at=m.held_at,
        attendees=m.attendees,
        summary=m.summary,
    )


@router.post("/meetings/{meeting_id}/actions", response_model=ActionOut, status_code=201)
def add_action(
    meeting_id: Key, body: ActionIn, session: DB, actor: Actor = allowed("referrals", "update")
):
    return _action(
        meetings.add_action(
            session, actor, meeting_id, body.description, body.owner_agency_id, body.due_on
        )
    )


@router.post("/meeting-actions/{action_id}/done", response_model=ActionOut)
def complete_action(
    action_id: Key, body: ActionDone, session: DB, actor: Actor = allowed("referrals", "update")
):
    return _action(meetings.complete_action(session, actor, action_id, body.outcome))
