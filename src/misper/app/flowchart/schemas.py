"""API shapes of the carer's flowchart: a check, its steps and concerns, its outcome and report."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from misper.app.flowchart.service import RESULTS
from misper.app.schemas import (
    ChildBirthDate,
    LocalDatetime,
    Name,
    Note,
    Pid,
    Stamp,
    StoreModel,
    text,
)


class NewChild(StoreModel):
    """A parent's or another's report, taken by the police, for a child new to the store."""

    name: Name
    date_of_birth: ChildBirthDate


class CheckIn(StoreModel):
    pid: Pid | None = None
    child: NewChild | None = None
    expected_back: LocalDatetime


class StepIn(StoreModel):
    step: text(40, 1)
    result: Literal[tuple(RESULTS)]
    at: LocalDatetime
    note: Note | None = None


class ConcernsIn(StoreModel):
    concerns: list[text(40, 1)] = Field(default_factory=list, max_length=20)


class ReportIn(StoreModel):
    age: int | None = Field(
        None,
        ge=0,
        le=17,
        description="the child's age in years: needed only when no date of birth is recorded",
    )


class StepOut(BaseModel):
    step: str
    result: str
    note: str | None
    at: Stamp
    recorded_at: Stamp


class CheckOut(BaseModel):
    id: int
    pid: str
    started_at: Stamp
    expected_back: Stamp
    concerns: list[str]
    steps: list[StepOut]
    outcome: Literal["returned", "late_monitor", "keep_trying", "report_now"]
    reasons: list[str]
    until: Stamp | None = Field(description="keep trying until then")
    steps_left: list[str]
    wait_minutes: int | None = Field(description="the wait after the expected time that applied")
    wait_agreed: bool = Field(description="the wait came from the child's agreed risk plan")
    episode_rid: str | None = Field(description="set once reported to the police")
    profile_version: int | None


class ReportOut(BaseModel):
    rid: str
    pid: str
    check: CheckOut


def check_out(view, episode_rid: str | None) -> CheckOut:
    check, decision = view.check, view.decision
    until: datetime | None = decision.until.to_pydatetime() if decision.until is not None else None
    return CheckOut(
        id=check.id,
        pid=view.pid,
        started_at=check.started_at,
        expected_back=check.expected_back,
        concerns=list(check.concerns or []),
        steps=[StepOut.model_validate(s, from_attributes=True) for s in view.steps],
        outcome=decision.outcome.value,
        reasons=list(decision.reasons),
        until=until,
        steps_left=list(decision.steps_left),
        wait_minutes=decision.wait_minutes,
        wait_agreed=decision.wait_agreed,
        episode_rid=episode_rid,
        profile_version=check.profile_version,
    )
