"""Placing a child in a home and ending the placement; out of area when host and placer differ."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor, visible_child
from misper.app.audit import service as audit
from misper.app.errors import Invalid, NotFound
from misper.app.placements.models import Home, Placement
from misper.app.placements.out_of_area import notify_out_of_area


def out_of_area(placement: Placement, home: Home) -> bool:
    return placement.placing_council_id != home.host_council_id


def list_placements(session: Session, actor: Actor, pid: str) -> list[tuple[Placement, Home]]:
    access.require(actor, "placements", "list")
    child = visible_child(session, actor, pid)
    audit.record(session, actor, "read", "placement", child_id=child.id)
    return list(
        session.execute(
            select(Placement, Home)
            .join(Home, Home.id == Placement.home_id)
            .where(Placement.child_id == child.id)
            .order_by(Placement.start_date)
        ).all()
    )


def place_child(
    session: Session, actor: Actor, pid: str, home_id: int, start_date: date
) -> tuple[Placement, Home]:
    """The placing council is the caller's, which keeps the child's record (a host council sees
    the children placed in its area, and places none); the child's open placement (if any) ends
    that day."""
    access.require(actor, "placements", "create")
    child = visible_child(session, actor, pid, scope=access.kept_children)
    home = session.get(Home, home_id)
    if home is None:
        raise Invalid("home_id", "no home has this id")
    for current in session.scalars(
        select(Placement).where(Placement.child_id == child.id, Placement.end_date.is_(None))
    ):
        if current.start_date > start_date:
            raise Invalid("start_date", "before the start of the child's current placement")
        current.end_date = start_date
    placement = Placement(
        child_id=child.id,
        home_id=home.id,
        placing_council_id=actor.agency_id,
        start_date=start_date,
    )
    session.add(placement)
    session.flush()
    audit.record(session, actor, "create", "placement", placement.id, child_id=child.id)
    notify_out_of_area(session, placement, home, child.pid)
    return placement, home


def end_placement(
    session: Session, actor: Actor, placement_id: int, end_date: date
) -> tuple[Placement, Home]:
    access.require(actor, "placements", "update")
    placement = session.scalar(
        select(Placement).where(Placement.id == placement_id, access.kept_placements(actor))
    )
    if placement is None:
        raise NotFound("placement")
    if end_date < placement.start_date:
        raise Invalid("end_date", "before the placement started")
    placement.end_date = end_date
    audit.record(session, actor, "end", "placement", placement.id, child_id=placement.child_id)
    return placement, session.get(Home, placement.home_id)
