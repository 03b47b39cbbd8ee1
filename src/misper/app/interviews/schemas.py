"""API shapes of prevention and return home interviews."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from misper.app.interviews.findings import FIELDS
from misper.app.interviews.return_home import INTERVIEWER_KINDS, STATES
from misper.app.schemas import Id, LocalDatetime, Note, Stamp, StoreModel, canonical_type, text
from misper.incidents.schema import BY_NAME, REASON_CODES, RISK_FLAGS

RHI_STATUSES = ("not_offered", "offered", "accepted", "declined", "completed")


class PreventionIn(StoreModel):
    outcome: canonical_type(BY_NAME["prevention_interview"])
    notes: Note | None = None


class PreventionOut(BaseModel):
    outcome: str
    notes: str | None
    recorded_at: Stamp


class RhiAssign(StoreModel):
    rid: text(64, 1)
    provider_id: Id


class RhiChange(StoreModel):
    version: Id
    offered: bool | None = None
    accepted: bool | None = None
    completed_at: LocalDatetime | None = None
    interviewer: text(200) | None = None
    findings: Note | None = None
    # Left out, no change; never null: the interview's findings are shared or not.
    shared_with_police: bool = Field(default=None)


class RhiChild(BaseModel):
    """The minimum about the child that arranging an interview needs."""

    pid: str
    name: str | None


class RhiOut(BaseModel):
    id: int
    rid: str
    child: RhiChild
    provider_id: int | None
    status: Literal[RHI_STATUSES]
    offered: bool | None
    accepted: bool | None
    completed_at: Stamp | None
    interviewer: str | None
    findings: str | None
    shared_with_police: bool
    version: int


Item = text(200, 1)


class Findings(StoreModel):
    reason_codes: list[Literal[REASON_CODES]] = Field(default_factory=list, max_length=20)
    who_with: list[Item] = Field(default_factory=list, max_length=50)
    where: list[Item] = Field(default_factory=list, max_length=50)
    exploitation_indicators: list[Literal[RISK_FLAGS]] = Field(default_factory=list, max_length=20)
    free_text: Note | None = None


class FindingsOut(BaseModel):
    shared: list[str]
    reason_codes: list[str] | None
    who_with: list[str] | None
    where: list[str] | None
    exploitation_indicators: list[str] | None
    free_text: str | None


class PreventionFindingsIn(StoreModel):
    outcome: canonical_type(BY_NAME["prevention_interview"])
    notes: Note | None = None
    findings: Findings | None = None
    for_intelligence: list[Literal[FIELDS]] = Field(default_factory=list, max_length=5)


class PreventionFindingsOut(BaseModel):
    outcome: str
    notes: str | None
    recorded_at: Stamp
    findings: FindingsOut


class ArrangeIn(StoreModel):
    interviewer_kind: Literal[INTERVIEWER_KINDS]
    provider_id: Id | None = None
    interviewer: text(200) | None = None


class TakeOnIn(StoreModel):
    agreement: text(2_000, 1)


class RecordIn(StoreModel):
    version: Id
    offered: bool | None = None
    accepted: bool | None = None
    completed_at: LocalDatetime | None = None
    interviewer: text(200) | None = None
    findings: Findings | None = None
    shared: list[Literal[FIELDS]] | None = Field(None, max_length=5)


class ChildRef(BaseModel):
    pid: str
    name: str | None


class RhiClockOut(BaseModel):
    id: int
    rid: str
    child: ChildRef
    council_id: int | None
    placing_council_id: int | None
    out_of_area: bool
    host_agreement: str | None
    found_at: Stamp
    due_at: Stamp
    state: Literal[STATES]
    interviewer_kind: str | None
    provider_id: int | None
    interviewer: str | None
    offered: bool | None
    accepted: bool | None
    completed_at: Stamp | None
    shared_with_police: bool
    version: int
    findings: FindingsOut | None = None
