"""API shapes of prevention and return home interviews."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from misper.app.schemas import Id, LocalDatetime, Note, Stamp, StoreModel, canonical_type, text
from misper.incidents.schema import BY_NAME

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
    shared_with_police: bool | None = None


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
