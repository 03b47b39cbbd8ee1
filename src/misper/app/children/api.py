"""Child record routes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from misper.app.access import Actor
from misper.app.children import service
from misper.app.children.schemas import ChildChange, ChildIn, ChildOut, ChildPage, ChildSummary
from misper.app.routing import DB, ERRORS, Paging, allowed
from misper.incidents.schema import BY_NAME

router = APIRouter(prefix="/api/children", tags=["children"], responses=ERRORS)
PidPath = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("", response_model=ChildPage)
def list_children(
    session: DB,
    page: Paging,
    actor: Actor = allowed("children", "list"),
    in_care: Literal[BY_NAME["in_care"].values] | None = None,
):
    rows, total = service.list_children(
        session, actor, in_care=in_care, offset=page.offset, limit=page.limit
    )
    return ChildPage(
        total=total, items=[ChildSummary.model_validate(c, from_attributes=True) for c in rows]
    )


@router.post("", response_model=ChildOut, status_code=201)
def create_child(body: ChildIn, session: DB, actor: Actor = allowed("children", "create")):
    child = service.create_council_child(session, actor, **body.model_dump())
    return ChildOut.model_validate(child, from_attributes=True)


@router.get("/{pid}", response_model=ChildOut)
def read_child(
    pid: PidPath,
    session: DB,
    actor: Actor = allowed("children", "read"),
    reason: Annotated[str | None, Query(max_length=500)] = None,
):
    """Reading a child's record is audited; police and analysts must give a reason."""
    return ChildOut.model_validate(
        service.read_child(session, actor, pid, reason), from_attributes=True
    )


@router.patch("/{pid}", response_model=ChildOut)
def update_child(
    pid: PidPath, body: ChildChange, session: DB, actor: Actor = allowed("children", "update")
):
    child = service.update_child(session, actor, pid, body.model_dump(exclude_unset=True))
    return ChildOut.model_validate(child, from_attributes=True)
