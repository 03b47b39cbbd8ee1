"""One child's co-missing network: the child, the children who went missing together with it and the
adults and addresses named in their episodes, over a recent period, asked of the database (a few
indexed queries, never the whole store's frame), within the caller's scope."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from misper.app import access
from misper.app.access import Actor
from misper.app.audit import service as audit
from misper.app.children.models import Child
from misper.app.episodes.models import Associate, Episode, EpisodeAssociate, EpisodeLink
from misper.app.errors import Invalid

PERIODS = {3: "last 3 months", 6: "last 6 months", 12: "last 12 months"}  # months: label
DEFAULT_MONTHS = 6


def period_start(months: int, now: datetime) -> datetime:
    if months not in PERIODS:
        raise Invalid("months", "Choose a period of the last 3, 6 or 12 months")
    return now - timedelta(days=round(months * 365.25 / 12))


def _episodes(actor: Actor, since: datetime):
    """The caller's episodes of the period (merged duplicates left out), as a sub-query."""
    return (
        select(Episode.id, Episode.rid, Episode.child_id)
        .where(
            access.episodes(actor),
            Episode.merged_into_id.is_(None),
            Episode.reported_at >= since,
        )
        .correlate(None)
        .subquery()
    )


def child_network(session: Session, actor: Actor, pid: str, months: int, now: datetime) -> dict:
    """{child, nodes, edges} around the child `pid` (404 when the caller may not see it).

    Nodes: the child, its neighbours (children whose episodes are linked with one of its own, either
    way round, in the period) and the associates the caller's force recorded that its episodes
    name. Edges: child-child weighted by the outings together (a pair of linked episodes counts
    once whichever lists the other), associate-child by the episodes naming it."""
    access.require(actor, "episodes", "list")
    since = period_start(months, now)
    child = access.visible_child(session, actor, pid)
    scoped = _episodes(actor, since)
    own = select(scoped.c.id, scoped.c.rid).where(scoped.c.child_id == child.id).subquery()
    other = aliased(scoped)
    # Linked outings, either episode listing the other: (own rid, other rid, other child).
    forward = (
        select(own.c.rid, other.c.rid, other.c.child_id)
        .join(EpisodeLink, EpisodeLink.episode_id == own.c.id)
        .join(other, other.c.rid == EpisodeLink.linked_rid)
    )
    backward = (
        select(own.c.rid, other.c.rid, other.c.child_id)
        .join(EpisodeLink, EpisodeLink.linked_rid == own.c.rid)
        .join(other, other.c.id == EpisodeLink.episode_id)
    )
    outings: dict[int, set[tuple[str, str]]] = {}
    for mine, theirs, child_id in session.execute(forward.union(backward)).all():
        if child_id != child.id:
            outings.setdefault(child_id, set()).add(tuple(sorted((mine, theirs))))
    children = {child.id: child.pid} | dict(
        session.execute(select(Child.id, Child.pid).where(Child.id.in_(list(outings)))).all()
    )
    # Associates named in the child's or its neighbours' episodes: episodes per (associate, child).
    named = session.execute(
        select(
            Associate.id, Associate.associate_id, Associate.kind, scoped.c.child_id, func.count()
        )
        .join(EpisodeAssociate, EpisodeAssociate.associate_id == Associate.id)
        .join(scoped, scoped.c.id == EpisodeAssociate.episode_id)
        .where(scoped.c.child_id.in_(list(children)), access.associates(actor))
        .group_by(Associate.id, Associate.associate_id, Associate.kind, scoped.c.child_id)
    ).all()
    own_associates = {a for a, _, _, c, _ in named if c == child.id}
    names = _names(session, actor, list(children))
    nodes = [_child_node(child.id, child.pid, names, focus=True)]
    nodes += [_child_node(i, children[i], names) for i in sorted(outings, key=children.get)]
    edges = [
        {"a": f"child:{child.pid}", "b": f"child:{children[i]}", "weight": len(o)}
        for i, o in sorted(outings.items(), key=lambda kv: children[kv[0]])
    ]
    seen: set[int] = set()
    for a, label, kind, child_id, n in sorted(named, key=lambda r: (r[1], children[r[3]])):
        if a not in own_associates and not _shared(a, named):
            continue  # named only by one neighbour: it links nobody to the child
        if a not in seen:
            seen.add(a)
            nodes.append(
                {
                    "id": f"associate:{label}",
                    "kind": "associate",
                    "label": label,
                    "what": "Address"
                    if kind == "address"
                    else "Adult"
                    if kind == "person"
                    else "Adult or address",
                }
            )
        edges.append({"a": f"associate:{label}", "b": f"child:{children[child_id]}", "weight": n})
    _place(nodes)
    degree = {n["id"]: 0 for n in nodes}
    for e in edges:
        degree[e["a"]] += 1
        degree[e["b"]] += 1
    for n in nodes:
        n["degree"] = degree[n["id"]]
    audit.record(session, actor, "list", "dashboard", detail={"network": pid, "months": months})
    return {"child": child.pid, "since": since, "nodes": nodes, "edges": edges}


def _shared(associate: int, named) -> bool:
    """Whether two or more children's episodes name the associate."""
    return len({c for a, _, _, c, _ in named if a == associate}) > 1


def _names(session: Session, actor: Actor, child_ids: list[int]) -> dict[int, str]:
    """Names of the children the caller may see named in a list (`access.named_children`)."""
    shown = access.named_children(session, actor, child_ids, in_list=True)
    if not shown:
        return {}
    return dict(session.execute(select(Child.id, Child.name).where(Child.id.in_(shown))).all())


def _child_node(child_id: int, pid: str, names: dict[int, str], focus: bool = False) -> dict:
    name = names.get(child_id)
    return {
        "id": f"child:{pid}",
        "kind": "child",
        "pid": pid,
        "label": f"{name} ({pid})" if name else pid,
        "what": "This child" if focus else "Went missing with",
        "focus": focus,
    }


def _place(nodes: list[dict]) -> None:
    """A radial layout: the child at the centre, neighbours on an inner ring, associates outside."""
    rings = {0.0: [nodes[0]], 0.5: [n for n in nodes[1:] if n["kind"] == "child"]}
    rings[0.9] = [n for n in nodes if n["kind"] == "associate"]
    for radius, ring in rings.items():
        for i, n in enumerate(ring):
            angle = 2 * math.pi * i / max(len(ring), 1) + radius
            n["x"], n["y"] = round(radius * math.cos(angle), 3), round(radius * math.sin(angle), 3)


def pick_options(session: Session, actor: Actor, months: int, now: datetime) -> list[str]:
    """Pids of the caller's children who went missing with another child in the period, to choose
    from (a datalist): at most 500, by pid."""
    since = period_start(months, now)
    scoped = _episodes(actor, since)
    linked = or_(
        scoped.c.id.in_(select(EpisodeLink.episode_id)),
        scoped.c.rid.in_(select(EpisodeLink.linked_rid)),
    )
    rows = session.execute(
        select(Child.pid)
        .join(scoped, scoped.c.child_id == Child.id)
        .where(linked)
        .group_by(Child.pid)
        .order_by(Child.pid)
        .limit(500)
    ).all()
    return [pid for (pid,) in rows]
