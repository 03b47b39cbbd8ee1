"""Closing an episode: when, where, by whom and how the child was found, the distance, who the
child was with; then what closing starts (the return home interview and the escalation check)."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor, visible_episode
from misper.app.episodes.models import Episode
from misper.app.episodes.service import add_association, update_episode
from misper.app.errors import Conflict, Invalid, NotFound
from misper.app.escalation.automatic import escalate
from misper.app.escalation.models import Referral
from misper.app.interviews.models import ReturnHomeInterview
from misper.app.interviews.return_home import open_for_episode
from misper.process.config import ProcessConfig

FOUND_FIELDS = (
    "found_at",
    "found_by",
    "found_how",
    "found_location_type",
    "found_postcode_sector",
    "distance_miles",
    "out_of_uk",
    "harm",
    "victim_of_crime",
    "arrested_while_missing",
    "found_text",
)


@lru_cache(maxsize=1)
def _centroids() -> dict[str, tuple[float, float]]:
    from misper.synth.geography import sectors

    table = sectors()
    return {
        s: (la, lo) for s, la, lo in zip(table["sector"], table["lat"], table["lon"], strict=True)
    }


def distance_miles(from_sector: str | None, to_sector: str | None) -> float | None:
    """Straight-line miles between two postcode sectors' centroids; None if either is unknown."""
    from misper.synth.geography import haversine_miles

    points = _centroids()
    if from_sector not in points or to_sector not in points:
        return None
    (la1, lo1), (la2, lo2) = points[from_sector], points[to_sector]
    return round(float(haversine_miles(la1, lo1, la2, lo2)), 1)


def close_episode(
    session: Session,
    actor: Actor,
    rid: str,
    version: int,
    found: dict,
    with_rids: list[str],
    associates: list[dict],
    config: ProcessConfig | None = None,
) -> tuple[Episode, str, ReturnHomeInterview, Referral | None]:
    access.require(actor, "episodes", "update")
    access.check_writes(actor, "episode", found)
    episode = visible_episode(session, actor, rid)
    if not episode.is_open:
        raise Conflict(f"episode {rid} is already closed; correct it with a change instead")
    if found.get("found_at") is None:
        raise Invalid("found_at", "closing an episode needs the time the child was found")
    if with_rids or associates:
        access.require(actor, "associations", "create")
    others = []
    for position, other_rid in enumerate(with_rids):
        try:
            other = visible_episode(session, actor, other_rid)
        except NotFound:
            raise Invalid(f"with_rids.{position}", "no episode you may see has this rid") from None
        if other.child_id == episode.child_id:
            raise Invalid(f"with_rids.{position}", "an episode of the same child")
        others.append(other)
    derived = {}
    if found.get("distance_miles") is None:
        computed = distance_miles(
            episode.missing_from_postcode_sector, found.get("found_postcode_sector")
        )
        if computed is not None:
            derived["distance_miles"] = computed
    episode, pid = update_episode(session, actor, rid, version, found, derived)
    for other in others:  # together both ways: each child's record shows the other
        add_association(
            session,
            actor,
            rid,
            linked_rid=other.rid,
            associate_id=None,
            kind="unknown",
            description=None,
        )
        add_association(
            session,
            actor,
            other.rid,
            linked_rid=rid,
            associate_id=None,
            kind="unknown",
            description=None,
        )
    for associate in associates:
        add_association(session, actor, rid, linked_rid=None, **associate)
    rhi = open_for_episode(session, actor, episode, config)
    referral = escalate(session, actor, episode, config)
    return episode, pid, rhi, referral
