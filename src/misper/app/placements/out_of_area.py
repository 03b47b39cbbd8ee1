"""Out-of-area placements: telling the host council and the area's police, as statutory guidance
expects; and the placement check, before a placement is confirmed, for links with the children
already in the home (shared associates, going missing together, rival groups) without disclosing
more."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from misper.app import access
from misper.app.access import Actor, visible_child
from misper.app.agencies.models import Agency
from misper.app.agencies.service import get_home
from misper.app.audit import service as audit
from misper.app.children.models import Child
from misper.app.episodes.models import Associate, Episode, EpisodeAssociate, EpisodeLink
from misper.app.groups.service import rival_links
from misper.app.notifications.service import notify
from misper.app.placements.models import Home, Placement

UNSEEN = "a child placed there whose record you may not see"


def notify_out_of_area(session: Session, placement: Placement, home: Home, pid: str) -> list[int]:
    """Tell the host council and the home's police force of an out-of-area placement; returns the
    agencies told."""
    if placement.placing_council_id == home.host_council_id:
        return []
    placer = session.get(Agency, placement.placing_council_id)
    subject = (
        f"Out-of-area placement: child {pid} placed in {home.name} by {placer.name} "
        f"from {placement.start_date:%d %b %Y}"
    )
    told = [home.host_council_id, home.police_force_id]
    for agency_id in told:
        notify(session, agency_id, subject, link=f"/children/{pid}/profile")
    return told


@dataclass(frozen=True)
class Link:
    other: str  # the other child's pid, or UNSEEN
    shared_associates: int
    missing_together: int  # episodes linked as going missing together
    # The other child's groups that are rivals of the child's (police intelligence: the count
    # only, never which groups or what is known).
    rival_groups: int = 0


def placement_check(session: Session, actor: Actor, pid: str, home_id: int) -> list[Link]:
    """Links between the child and each child living in the home now; pids only where the caller
    may see that child's record, counts never the associates' or groups' identities."""
    access.require(actor, "placements", "create")
    child = visible_child(session, actor, pid)
    home = get_home(session, home_id)
    residents = list(
        session.scalars(
            select(Placement.child_id)
            .where(
                Placement.home_id == home.id,
                Placement.end_date.is_(None),
                Placement.child_id != child.id,
            )
            .distinct()
        )
    )
    seen = dict(
        session.execute(
            select(Child.id, Child.pid).where(Child.id.in_(residents), access.children(actor))
        ).all()
    )
    links = []
    for other_id in residents:
        shared = _shared_associates(session, child.id, other_id)
        together = _missing_together(session, child.id, other_id)
        rivals = rival_links(session, child.id, other_id)
        if shared or together or rivals:
            links.append(Link(seen.get(other_id, UNSEEN), shared, together, rivals))
    audit.record(
        session,
        actor,
        "check",
        "placement",
        home.id,
        child_id=child.id,
        detail={"residents": len(residents), "links": len(links)},
    )
    return links


def _episodes(child_id: int):
    return select(Episode.id).where(Episode.child_id == child_id)


def _rids(child_id: int):
    return select(Episode.rid).where(Episode.child_id == child_id)


def _shared_associates(session: Session, a: int, b: int) -> int:
    """Associates named in episodes of both children, matched by their pseudonymous id: each force
    holds its own record of an associate, and the check uses every force's, disclosing a count."""
    named, link = aliased(Associate), aliased(EpisodeAssociate)
    of_a = (
        select(named.associate_id)
        .join(link, link.associate_id == named.id)
        .where(link.episode_id.in_(_episodes(a)))
    )
    return session.scalar(
        select(func.count(func.distinct(Associate.associate_id)))
        .join(EpisodeAssociate, EpisodeAssociate.associate_id == Associate.id)
        .where(EpisodeAssociate.episode_id.in_(_episodes(b)), Associate.associate_id.in_(of_a))
    )


def _missing_together(session: Session, a: int, b: int) -> int:
    # Links are stored both ways when the store records them, one way when imported: count episodes
    # of `a` linked with `b` in either direction, each once.
    linked_to_b = select(EpisodeLink.episode_id).where(
        EpisodeLink.episode_id.in_(_episodes(a)), EpisodeLink.linked_rid.in_(_rids(b))
    )
    b_linked_to_a = select(Episode.id).where(
        Episode.child_id == a,
        Episode.rid.in_(
            select(EpisodeLink.linked_rid).where(EpisodeLink.episode_id.in_(_episodes(b)))
        ),
    )
    return session.scalar(
        select(func.count())
        .select_from(Episode)
        .where(or_(Episode.id.in_(linked_to_b), Episode.id.in_(b_linked_to_a)))
    )
