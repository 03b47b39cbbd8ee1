"""Updates and sightings added by any agency allowed to; a sighting while the child is still
missing is sent to everyone working the episode (the force, the reporting home, the council)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app.access import Actor, visible_episode
from misper.app.children.models import Child
from misper.app.episodes.models import EpisodeUpdate
from misper.app.episodes.service import add_update
from misper.app.notifications.service import notify


def add_sighting_or_update(
    session: Session, actor: Actor, rid: str, kind: str, text: str, postcode_sector: str | None
) -> tuple[EpisodeUpdate, list[int]]:
    """The update, and the agencies told of it (none for a plain update or a found child)."""
    row = add_update(session, actor, rid, kind, text, postcode_sector)
    episode = visible_episode(session, actor, rid)
    if kind != "sighting" or not episode.is_open:
        return row, []
    council = session.scalar(
        select(Child.responsible_council_id).where(Child.id == episode.child_id)
    )
    told = sorted(
        {episode.force_id, episode.reported_by_agency_id, council} - {None, actor.agency_id}
    )
    where = f" near {postcode_sector}" if postcode_sector else ""
    for agency_id in told:
        notify(
            session, agency_id, f"Sighting{where} reported for missing episode {rid}", episode.id
        )
    return row, told
