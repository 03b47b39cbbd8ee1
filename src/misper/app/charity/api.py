"""Routes of the charity's part: partnerships (by the administrator) and the emerging list of the
partner forces."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from misper.app.access import Actor
from misper.app.charity import service as charity
from misper.app.routing import DB, ERRORS, allowed
from misper.app.schemas import MAX_ID, Id, Stamp, StoreModel

router = APIRouter(prefix="/api", tags=["charity"], responses=ERRORS)
Key = Annotated[int, Path(ge=1, le=MAX_ID)]


class PartnershipIn(StoreModel):
    charity_id: Id
    force_id: Id


class PartnershipOut(BaseModel):
    id: int
    charity_id: int
    charity: str
    force_id: int
    force: str
    recorded_at: Stamp


class ListedChild(BaseModel):
    pid: str
    recent: int
    baseline: int
    why: str


class PartnerList(BaseModel):
    force_id: int
    force: str
    children: list[ListedChild]


def _out(row, charity_name: str, force_name: str) -> PartnershipOut:
    return PartnershipOut(
        id=row.id,
        charity_id=row.charity_id,
        charity=charity_name,
        force_id=row.force_id,
        force=force_name,
        recorded_at=row.recorded_at,
    )


@router.get("/charity-partnerships", response_model=list[PartnershipOut])
def list_partnerships(session: DB, actor: Actor = allowed("charity_partnerships", "list")):
    return [_out(*r) for r in charity.list_partnerships(session, actor)]


@router.post("/charity-partnerships", response_model=PartnershipOut, status_code=201)
def add_partnership(
    body: PartnershipIn, session: DB, actor: Actor = allowed("charity_partnerships", "create")
):
    return _out(*charity.add_partnership(session, actor, body.charity_id, body.force_id))


@router.delete("/charity-partnerships/{partnership_id}", response_model=PartnershipOut)
def end_partnership(
    partnership_id: Key, session: DB, actor: Actor = allowed("charity_partnerships", "delete")
):
    """Ends the partnership; the answer is the partnership as it was."""
    return _out(*charity.end_partnership(session, actor, partnership_id))


@router.get("/emerging-frequent", response_model=list[PartnerList])
def emerging(session: DB, actor: Actor = allowed("partner_emerging", "list")):
    """For a charity worker: each partner force's emerging-frequent list, pseudonymous ids only."""
    return charity.emerging_for_charity(session, actor, datetime.now())
