"""Agency routes."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from misper.app.access import Actor
from misper.app.agencies import service
from misper.app.agencies.models import AgencyKind
from misper.app.routing import DB, ERRORS, Paging, allowed
from misper.app.schemas import Name, StoreModel

router = APIRouter(prefix="/api/agencies", tags=["agencies"], responses=ERRORS)
KindName = Literal[tuple(k.value for k in AgencyKind)]


class AgencyIn(StoreModel):
    name: Name
    kind: KindName


class AgencyOut(BaseModel):
    id: int
    name: str
    kind: str


@router.get("", response_model=list[AgencyOut])
def list_agencies(
    session: DB,
    page: Paging,
    actor: Actor = allowed("agencies", "list"),
    kind: KindName | None = None,
):
    return [
        AgencyOut.model_validate(a, from_attributes=True)
        for a in service.list_agencies(session, actor, kind, page.offset, page.limit)
    ]


@router.post("", response_model=AgencyOut, status_code=201)
def add_agency(body: AgencyIn, session: DB, actor: Actor = allowed("agencies", "create")):
    return AgencyOut.model_validate(
        service.add_agency(session, actor, body.name, body.kind), from_attributes=True
    )
