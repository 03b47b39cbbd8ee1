"""API shapes of a child's record."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from misper.app.episodes.schemas import NewChild
from misper.app.schemas import Name, PlausibleDate, StoreModel, canonical_type, text
from misper.incidents.schema import BY_NAME


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
    items: list[ChildSummary]
