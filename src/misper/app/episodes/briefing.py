"""The patrol briefing: one printable page on a missing child for officers looking for them (photo,
description, risk, last seen, where the child was found before, associates), each part only as the
viewer's scope lets them see it. Opening it is audited as a read naming the child."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor, visible_episode
from misper.app.audit import service as audit
from misper.app.children.models import Child
from misper.app.children.photos import has_photo
from misper.app.children.service import age_on
from misper.app.episodes.models import Associate, Episode, EpisodeAssociate, EpisodeUpdate
from misper.app.errors import NotFound
from misper.app.philomena.models import PhilomenaProfile

# The Philomena profile's parts an officer looking for the child needs.
PROFILE_PARTS = (
    ("description", "Description"),
    ("identifying_features", "Identifying features"),
    ("places_frequented", "Places frequented"),
    ("transport", "Usual transport"),
)


@dataclass(frozen=True)
class FoundBefore:
    place: str  # the kind of place, with spaces
    sector: str | None
    times: int


@dataclass(frozen=True)
class Briefing:
    rid: str
    pid: str
    is_open: bool
    name: str | None  # None: the viewer sees the pid only
    age: int | None
    gender: str | None
    appearance: str | None
    photo_url: str | None
    profile: tuple[tuple[str, str], ...]  # (label, text) of the Philomena profile
    risk: str | None
    risk_flags: tuple[str, ...]
    last_seen_at: datetime | None
    last_seen_sector: str | None
    found_before: tuple[FoundBefore, ...]
    associates: tuple[tuple[str, str, str | None], ...]  # (id, kind, description)


def briefing(session: Session, actor: Actor, rid: str, now: datetime | None = None) -> Briefing:
    """The briefing of episode `rid` (absent, 404, outside the viewer's episodes)."""
    access.require(actor, "briefings", "read")
    episode = visible_episode(session, actor, rid)
    child = session.scalar(select(Child).where(Child.id == episode.child_id))
    if child is None:  # never: the episode's foreign key
        raise NotFound("episode")
    identified = access.allowed(actor.role, "child_identity", "read") and _in(
        session, child.id, access.identified_children(actor)
    )
    seen_at, sector = _last_seen(session, episode)
    audit.record(session, actor, "read", "briefing", episode.id, child_id=child.id)
    return Briefing(
        rid=episode.rid,
        pid=child.pid,
        is_open=episode.is_open,
        name=child.name if identified else None,
        age=age_on(child.date_of_birth, now or datetime.now()) if identified else None,
        gender=child.gender if identified else None,
        appearance=child.ethnic_appearance if identified else None,
        photo_url=f"/children/{child.pid}/photo"
        if identified and has_photo(session, child.id)
        else None,
        profile=_profile(session, actor, child.id),
        risk=episode.risk_final or episode.risk_initial,
        risk_flags=tuple(episode.risk_flags or ()),
        last_seen_at=seen_at,
        last_seen_sector=sector,
        found_before=_found_before(session, actor, episode),
        associates=_associates(session, actor, child.id),
    )


def _in(session: Session, child_id: int, scope) -> bool:
    return session.scalar(select(Child.id).where(Child.id == child_id, scope)) is not None


def _profile(session: Session, actor: Actor, child_id: int) -> tuple[tuple[str, str], ...]:
    if not access.allowed(actor.role, "philomena", "read"):
        return ()
    if not _in(session, child_id, access.readable_profiles(actor)):
        return ()
    content = session.scalar(
        select(PhilomenaProfile.content)
        .where(PhilomenaProfile.child_id == child_id)
        .order_by(PhilomenaProfile.version.desc())
        .limit(1)
    )
    content = content or {}
    return tuple((label, content[key]) for key, label in PROFILE_PARTS if content.get(key))


def _last_seen(session: Session, episode: Episode) -> tuple[datetime | None, str | None]:
    """The latest sighting with a place, else when and where the child went missing from."""
    sighting = session.execute(
        select(EpisodeUpdate.at, EpisodeUpdate.postcode_sector)
        .where(
            EpisodeUpdate.episode_id == episode.id,
            EpisodeUpdate.kind == "sighting",
            EpisodeUpdate.postcode_sector.is_not(None),
        )
        .order_by(EpisodeUpdate.at.desc(), EpisodeUpdate.id.desc())
        .limit(1)
    ).first()
    if sighting is not None:
        return sighting.at, sighting.postcode_sector
    return (
        episode.last_seen_at or episode.reported_at,
        episode.missing_from_postcode_sector,
    )


def _found_before(session: Session, actor: Actor, episode: Episode) -> tuple[FoundBefore, ...]:
    """Where the child was found in earlier episodes the viewer may read, most often first."""
    times = func.count(Episode.id)
    rows = session.execute(
        select(Episode.found_location_type, Episode.found_postcode_sector, times)
        .where(
            Episode.child_id == episode.child_id,
            Episode.id != episode.id,
            Episode.found_at.is_not(None),
            Episode.merged_into_id.is_(None),
            access.episodes(actor),
        )
        .group_by(Episode.found_location_type, Episode.found_postcode_sector)
        .order_by(times.desc(), Episode.found_postcode_sector, Episode.found_location_type)
    )
    return tuple(
        FoundBefore((kind or "unknown").replace("_", " "), sector, n) for kind, sector, n in rows
    )


def _associates(
    session: Session, actor: Actor, child_id: int
) -> tuple[tuple[str, str, str | None], ...]:
    """The associates named in the child's episodes that the viewer's force recorded."""
    if not access.allowed(actor.role, "associations", "list"):
        return ()
    rows = session.execute(
        select(Associate.associate_id, Associate.kind, Associate.description)
        .join(EpisodeAssociate, EpisodeAssociate.associate_id == Associate.id)
        .join(Episode, Episode.id == EpisodeAssociate.episode_id)
        .where(Episode.child_id == child_id, access.episodes(actor), access.associates(actor))
        .distinct()
        .order_by(Associate.associate_id)
    )
    return tuple((a, kind, description) for a, kind, description in rows)
