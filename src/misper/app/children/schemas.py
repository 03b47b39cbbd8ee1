"""API shapes of a child's record."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel

from misper.app.schemas import Name, Pid, PlausibleDate, Stamp, StoreModel, canonical_type, text
from misper.incidents.schema import BY_NAME


class NewChild(StoreModel):
    name: Name | None = None
    date_of_birth: PlausibleDate | None = None
    gender: canonical_type(BY_NAME["gender"]) | None = None
    ethnic_appearance: text(100) | None = None
    in_care: canonical_type(BY_NAME["in_care"]) | None = None


class ChildIn(NewChild):
    """A council opens a child's record (the pid is made by the store)."""


class ChildChange(StoreModel):
    name: Name | None = None
    date_of_birth: PlausibleDate | None = None
    gender: canonical_type(BY_NAME["gender"]) | None = None
    ethnic_appearance: text(100) | None = None
    in_care: canonical_type(BY_NAME["in_care"]) | None = None


class ChildSummary(BaseModel):
    pid: str
    name: str | None
    in_care: str | None


class ChildOut(ChildSummary):
    date_of_birth: date | None
    gender: str | None
    ethnic_appearance: str | None
    responsible_council_id: int | None


class ChildPage(BaseModel):
    total: int
    # False: the caller's role gives a reason to see names (`reason`), and gave none; the items
    # then carry pseudonymous ids only.
    names_shown: bool = True
    items: list[ChildSummary]


class RecordRequestIn(StoreModel):
    pid: Pid
    reason: text(2_000, 1)


class AnswerIn(StoreModel):
    answer: Literal["share", "decline"]
    note: text(2_000) | None = None


class BreakGlassIn(StoreModel):
    pid: Pid
    justification: text(2_000, 1)


class ReviewIn(StoreModel):
    note: text(2_000) | None = None


class RecordRequestOut(BaseModel):
    id: int
    kind: str
    pid: str
    requesting_agency_id: int
    holding_agency_id: int
    reason: str
    status: str
    requested_at: Stamp
    expires_at: Stamp | None
    answered_at: Stamp | None
    answer_note: str | None


class BreakGlassOut(RecordRequestOut):
    child: ChildOut
