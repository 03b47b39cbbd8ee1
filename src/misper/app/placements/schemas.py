"""API shapes of placements and homes, the placement check, and the police's groups."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from misper.app.schemas import Id, Name, Pid, PlausibleDate, Sector, StoreModel


class PlacementIn(StoreModel):
    pid: Pid
    home_id: Id
    start_date: PlausibleDate


class PlacementEnd(StoreModel):
    end_date: PlausibleDate


class PlacementOut(BaseModel):
    id: int
    home_id: int
    home_name: str
    placing_council_id: int
    host_council_id: int
    start_date: date
    end_date: date | None
    out_of_area: bool


class HomeIn(StoreModel):
    name: Name
    place_id: Pid
    provider_id: Id
    host_council_id: Id
    police_force_id: Id
    postcode_sector: Sector | None = None


class HomeOut(BaseModel):
    id: int
    name: str
    place_id: str
    provider_id: int
    host_council_id: int
    police_force_id: int
    postcode_sector: str | None


class LinkOut(BaseModel):
    other: str = Field(description="the resident's pid, or a phrase when you may not see them")
    shared_associates: int
    missing_together: int
    rival_groups: int = Field(
        description="the resident's groups that are rivals of the child's "
        "(police intelligence: the count only)"
    )


class PlacementCheckOut(BaseModel):
    pid: str
    home_id: int
    links: list[LinkOut]
