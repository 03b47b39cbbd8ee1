"""API shapes of referrals to MARM and MACE."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from misper.app.schemas import Pid, Stamp, StoreModel, text

MEETINGS = ("marm", "mace")


class ReferralIn(StoreModel):
    pid: Pid
    meeting: Literal[MEETINGS]
    reason: text(10_000, 1)
    rid: Pid | None = None


class OutcomeIn(StoreModel):
    outcome: text(10_000, 1)


class ReferralOut(BaseModel):
    id: int
    pid: str
    meeting: str
    reason: str
    referred_at: Stamp
    referred_by_agency_id: int
    outcome: str | None
    outcome_at: Stamp | None
