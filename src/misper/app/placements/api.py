"""Placement and home routes."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query

from misper.app.access import Actor
from misper.app.agencies import service as agencies
from misper.app.placements import service
from misper.app.placements.out_of_area import placement_check
from misper.app.placements.schemas import (
    HomeIn,
    HomeOut,
    LinkOut,
    PlacementCheckOut,
    PlacementEnd,
    PlacementIn,
    PlacementOut,
)
from misper.app.routing import DB, ERRORS, Paging, allowed
from misper.app.schemas import MAX_ID

router = APIRouter(prefix="/api", tags=["placements"], responses=ERRORS)


def placement_out(placement, home) -> PlacementOut:
    return PlacementOut(
        id=placement.id,
        home_id=home.id,
        home_name=home.name,
        placing_council_id=placement.placing_council_id,
        host_council_id=home.host_council_id,
        start_date=placement.start_date,
        end_date=placement.end_date,
        out_of_area=service.out_of_area(placement, home),
    )


@router.get("/children/{pid}/placements", response_model=list[PlacementOut])
def list_placements(
    pid: Annotated[str, Path(min_length=1, max_length=64)],
    session: DB,
    actor: Actor = allowed("placements", "list"),
):
    return [placement_out(p, h) for p, h in service.list_placements(session, actor, pid)]


@router.post("/placements", response_model=PlacementOut, status_code=201)
def place_child(body: PlacementIn, session: DB, actor: Actor = allowed("placements", "create")):
    return placement_out(
        *service.place_child(session, actor, body.pid, body.home_id, body.start_date)
    )


@router.patch("/placements/{placement_id}", response_model=PlacementOut)
def end_placement(
    placement_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: PlacementEnd,
    session: DB,
    actor: Actor = allowed("placements", "update"),
):
    return placement_out(*service.end_placement(session, actor, placement_id, body.end_date))


@router.get("/placement-check", response_model=PlacementCheckOut)
def check_placement(
    session: DB,
    pid: Annotated[str, Query(min_length=1, max_length=64)],
    home_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    actor: Actor = allowed("placements", "create"),
):
    """Before confirming a placement: the child's links with each child living in the home
    (shared associates, going missing together, rival groups), within what you may see."""
    links = placement_check(session, actor, pid, home_id)
    return PlacementCheckOut(
        pid=pid, home_id=home_id, links=[LinkOut(**asdict(link)) for link in links]
    )


@router.get("/homes", response_model=list[HomeOut])
def list_homes(session: DB, page: Paging, actor: Actor = allowed("homes", "list")):
    return [
        HomeOut.model_validate(h, from_attributes=True)
        for h in agencies.list_homes(session, actor, page.offset, page.limit)
    ]


@router.post("/homes", response_model=HomeOut, status_code=201)
def add_home(body: HomeIn, session: DB, actor: Actor = allowed("homes", "create")):
    return HomeOut.model_validate(
        agencies.add_home(session, actor, **body.model_dump()), from_attributes=True
    )
