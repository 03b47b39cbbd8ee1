"""API shapes of the police's groups, rivalries and children's links to them."""

from __future__ import annotations

from pydantic import BaseModel

from misper.app.schemas import Id, Name, Stamp, StoreModel, text


class GroupIn(StoreModel):
    name: Name
    area: text(200) | None = None


class RivalIn(StoreModel):
    rival_id: Id


class GroupOut(BaseModel):
    id: int
    name: str
    area: str | None
    rival_ids: list[int]


class AffiliationIn(StoreModel):
    group_id: Id
    note: text(4_000) | None = None


class AffiliationOut(BaseModel):
    group_id: int
    group_name: str
    note: str | None
    created_at: Stamp
