"""Referral routes."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel

from misper.app.access import Actor
from misper.app.escalation import meetings, service
from misper.app.escalation.schemas import MEETINGS, OutcomeIn, ReferralIn, ReferralOut
from misper.app.routing import DB, ERRORS, Paging, allowed
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

router = APIRouter(prefix="/api/referrals", tags=["referrals"], responses=ERRORS)
ReferralId = Annotated[int, Path(ge=1, le=MAX_ID)]


def referral_out(referral, pid: str) -> ReferralOut:
    fields = {f: getattr(referral, f) for f in ReferralOut.model_fields if f != "pid"}
    return ReferralOut(pid=pid, **fields)


@router.get("", response_model=list[ReferralOut])
def list_referrals(
    session: DB,
    page: Paging,
    actor: Actor = allowed("referrals", "list"),
    meeting: Literal[MEETINGS] | None = None,
    open: bool | None = None,
):
    rows = service.list_referrals(session, actor, meeting, open, page.offset, page.limit)
    return [referral_out(r, p) for r, p in rows]


@router.post("", response_model=ReferralOut, status_code=201)
def refer(body: ReferralIn, session: DB, actor: Actor = allowed("referrals", "create")):
    return referral_out(
        *service.refer(session, actor, body.pid, body.meeting, body.reason, body.rid)
    )


@router.get("/{referral_id}", response_model=ReferralOut)
def read_referral(
    referral_id: ReferralId, session: DB, actor: Actor = allowed("referrals", "list")
):
    return referral_out(*service.read_referral(session, actor, referral_id))


@router.patch("/{referral_id}", response_model=ReferralOut)
def record_outcome(
    referral_id: ReferralId,
    body: OutcomeIn,
    session: DB,
    actor: Actor = allowed("referrals", "update"),
):
    return referral_out(*service.record_outcome(session, actor, referral_id, body.outcome))


meetings_router = APIRouter(prefix="/api", tags=["referrals"], responses=ERRORS)
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


@meetings_router.get("/referrals/{referral_id}/meetings", response_model=list[MeetingOut])
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


@meetings_router.post(
    "/referrals/{referral_id}/meetings", response_model=MeetingOut, status_code=201
)
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


@meetings_router.post("/meetings/{meeting_id}/actions", response_model=ActionOut, status_code=201)
def add_action(
    meeting_id: Key, body: ActionIn, session: DB, actor: Actor = allowed("referrals", "update")
):
    return _action(
        meetings.add_action(
            session, actor, meeting_id, body.description, body.owner_agency_id, body.due_on
        )
    )


@meetings_router.post("/meeting-actions/{action_id}/done", response_model=ActionOut)
def complete_action(
    action_id: Key, body: ActionDone, session: DB, actor: Actor = allowed("referrals", "update")
):
    return _action(meetings.complete_action(session, actor, action_id, body.outcome))
