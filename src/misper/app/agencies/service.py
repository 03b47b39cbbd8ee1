"""Agencies and the care homes they run: configuration, kept by the admin."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.agencies.models import Agency, AgencyKind
from misper.app.audit import service as audit
from misper.app.errors import Conflict, Invalid, NotFound
from misper.app.placements.models import Home


def list_agencies(
    session: Session, actor: Actor, kind: str | None, offset: int, limit: int
) -> list[Agency]:
    access.require(actor, "agencies", "list")
    query = select(Agency).order_by(Agency.name)
    if kind:
        query = query.where(Agency.kind == kind)
    return list(session.scalars(query.offset(offset).limit(limit)))


def add_agency(session: Session, actor: Actor | None, name: str, kind: str) -> Agency:
    if actor is not None:
        access.require(actor, "agencies", "create")
    AgencyKind(kind)
    if session.scalar(select(Agency.id).where(Agency.name == name)) is not None:
        raise Conflict(f"agency {name!r} exists")
    agency = Agency(name=name, kind=kind)
    session.add(agency)
    session.flush()
    audit.record(session, actor, "create", "agency", agency.id)
    return agency


def known_agency(session: Session, agency_id: int, field: str) -> Agency:
    """The agency a request names by id in `field` (any agency of the store), or that field's
    error."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise Invalid(field, "no agency has this id")
    return agency


def agency_of_kind(session: Session, agency_id: int, kind: AgencyKind, field: str) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None or agency.kind != kind.value:
        raise Invalid(field, f"no {kind.value} agency with id {agency_id}")
    return agency


def list_homes(session: Session, actor: Actor, offset: int, limit: int) -> list[Home]:
    access.require(actor, "homes", "list")
    query = select(Home).where(access.homes(actor)).order_by(Home.name)
    return list(session.scalars(query.offset(offset).limit(limit)))


def add_home(
    session: Session,
    actor: Actor | None,
    *,
    name: str,
    place_id: str,
    provider_id: int,
    host_council_id: int,
    police_force_id: int,
    postcode_sector: str | None,
) -> Home:
    if actor is not None:
        access.require(actor, "homes", "create")
    agency_of_kind(session, provider_id, AgencyKind.care_provider, "provider_id")
    agency_of_kind(session, host_council_id, AgencyKind.council, "host_council_id")
    agency_of_kind(session, police_force_id, AgencyKind.police, "police_force_id")
    if session.scalar(select(Home.id).where(Home.place_id == place_id)) is not None:
        raise Conflict(f"place id {place_id!r} is in use")
    home = Home(
        name=name,
        place_id=place_id,
        provider_id=provider_id,
        host_council_id=host_council_id,
        police_force_id=police_force_id,
        postcode_sector=postcode_sector,
    )
    session.add(home)
    session.flush()
    audit.record(session, actor, "create", "home", home.id)
    return home


def get_home(session: Session, home_id: int) -> Home:
    home = session.get(Home, home_id)
    if home is None:
        raise NotFound("home")
    return home
