"""Referral routes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path

from misper.app.access import Actor
from misper.app.api import DB, ERRORS, Paging, allowed
from misper.app.escalation import service
from misper.app.escalation.schemas import MEETINGS, OutcomeIn, ReferralIn, ReferralOut
from misper.app.schemas import MAX_ID

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
