"""Routes of the police's record of groups: groups, their rivalries, children's links to them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from misper.app.access import Actor
from misper.app.groups import service
from misper.app.groups.schemas import AffiliationIn, AffiliationOut, GroupIn, GroupOut, RivalIn
from misper.app.routing import DB, ERRORS, Paging, allowed
from misper.app.schemas import MAX_ID

router = APIRouter(prefix="/api", tags=["groups"], responses=ERRORS)
PidPath = Annotated[str, Path(min_length=1, max_length=64)]


def group_out(session, group) -> GroupOut:
    return GroupOut(
        id=group.id,
        name=group.name,
        area=group.area,
        rival_ids=sorted(service.rivals_of(session, [group.id])),
    )


@router.get("/groups", response_model=list[GroupOut])
def list_groups(session: DB, page: Paging, actor: Actor = allowed("groups", "list")):
    """The groups your force has recorded, with their rivals."""
    return [
        group_out(session, g) for g in service.list_groups(session, actor, page.offset, page.limit)
    ]


@router.post("/groups", response_model=GroupOut, status_code=201)
def add_group(body: GroupIn, session: DB, actor: Actor = allowed("groups", "create")):
    return group_out(session, service.add_group(session, actor, body.name, body.area))


@router.post("/groups/{group_id}/rivals", response_model=GroupOut, status_code=201)
def add_rival(
    group_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: RivalIn,
    session: DB,
    actor: Actor = allowed("groups", "create"),
):
    """Two of your force's groups are rivals (recording it again changes nothing)."""
    return group_out(session, service.add_rivalry(session, actor, group_id, body.rival_id))


def _affiliation_out(row, group) -> AffiliationOut:
    return AffiliationOut(
        group_id=group.id, group_name=group.name, note=row.note, created_at=row.created_at
    )


@router.get("/children/{pid}/groups", response_model=list[AffiliationOut])
def child_groups(pid: PidPath, session: DB, actor: Actor = allowed("group_affiliations", "list")):
    """The child's known links to your force's groups (police intelligence)."""
    return [_affiliation_out(r, g) for r, g in service.child_groups(session, actor, pid)]


@router.post("/children/{pid}/groups", response_model=AffiliationOut, status_code=201)
def link_child(
    pid: PidPath,
    body: AffiliationIn,
    session: DB,
    actor: Actor = allowed("group_affiliations", "create"),
):
    return _affiliation_out(*service.link_child(session, actor, pid, body.group_id, body.note))
