"""Groups (gangs, peer groups) as the police record them, their rivalries, and the children linked
to them: police intelligence, read and kept by police roles only, used by the placement check
without being disclosed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor, visible_child
from misper.app.audit import service as audit
from misper.app.errors import Conflict, Invalid, NotFound
from misper.app.groups.models import Group, GroupAffiliation, GroupRivalry


def _clean(value: str | None, field: str, limit: int, required: bool = False) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(field, "enter the group's name")
    if len(value) > limit:
        raise Invalid(field, f"must be at most {limit} characters")
    return value or None


def add_group(session: Session, actor: Actor, name: str, area: str | None) -> Group:
    """A group recorded by the caller's force; its name is unique within the force."""
    access.require(actor, "groups", "create")
    name = _clean(name, "name", 200, required=True)
    if session.scalar(select(Group.id).where(access.groups(actor), Group.name == name)) is not None:
        raise Conflict("your force has already recorded a group of this name")
    group = Group(
        force_id=actor.agency_id,
        name=name,
        area=_clean(area, "area", 200),
        created_by=actor.user_id,
        created_at=datetime.now(),
    )
    session.add(group)
    session.flush()
    audit.record(session, actor, "create", "group", group.id)
    return group


def list_groups(session: Session, actor: Actor, offset: int = 0, limit: int = 500) -> list[Group]:
    access.require(actor, "groups", "list")
    audit.record(session, actor, "list", "group")
    return list(
        session.scalars(
            select(Group)
            .where(access.groups(actor))
            .order_by(Group.name, Group.id)
            .offset(offset)
            .limit(limit)
        )
    )


def visible_group(session: Session, actor: Actor, group_id: int, field: str | None = None) -> Group:
    """A group the caller's force recorded; another force's answers as absent (or, named in a
    body as `field`, as a field error)."""
    group = session.scalar(select(Group).where(Group.id == group_id, access.groups(actor)))
    if group is None:
        if field:
            raise Invalid(field, "no group of your force has this id")
        raise NotFound("group")
    return group


def rivals_of(session: Session, group_ids) -> set[int]:
    """The groups in rivalry with any of `group_ids`, whoever recorded the rivalry."""
    ids = list(group_ids)
    rows = session.execute(
        select(GroupRivalry.group_id, GroupRivalry.rival_id).where(
            or_(GroupRivalry.group_id.in_(ids), GroupRivalry.rival_id.in_(ids))
        )
    ).all()
    return {b if a in ids else a for a, b in rows}


def add_rivalry(session: Session, actor: Actor, group_id: int, rival_id: int) -> Group:
    """Record that two of the force's groups are rivals (stored once, either way round)."""
    access.require(actor, "groups", "create")
    group = visible_group(session, actor, group_id)
    rival = visible_group(session, actor, rival_id, field="rival_id")
    if rival.id == group.id:
        raise Invalid("rival_id", "a group cannot be its own rival")
    low, high = sorted((group.id, rival.id))
    if (
        session.scalar(
            select(GroupRivalry.id).where(
                GroupRivalry.group_id == low, GroupRivalry.rival_id == high
            )
        )
        is None
    ):
        row = GroupRivalry(
            group_id=low, rival_id=high, created_by=actor.user_id, created_at=datetime.now()
        )
        session.add(row)
        session.flush()
        audit.record(
            session, actor, "create", "group_rivalry", row.id, detail={"groups": [low, high]}
        )
    return group


def link_child(
    session: Session, actor: Actor, pid: str, group_id: int, note: str | None
) -> tuple[GroupAffiliation, Group]:
    """Record a child's known link to one of the force's groups."""
    access.require(actor, "group_affiliations", "create")
    child = visible_child(session, actor, pid)
    group = visible_group(session, actor, group_id, field="group_id")
    if session.scalar(
        select(GroupAffiliation.id).where(
            GroupAffiliation.child_id == child.id, GroupAffiliation.group_id == group.id
        )
    ):
        raise Conflict("this child's link to the group is already recorded")
    row = GroupAffiliation(
        child_id=child.id,
        group_id=group.id,
        note=_clean(note, "note", 4_000),
        created_by=actor.user_id,
        created_by_agency_id=actor.agency_id,
        created_at=datetime.now(),
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "group_affiliation", row.id, child_id=child.id)
    return row, group


def child_groups(session: Session, actor: Actor, pid: str) -> list[tuple[GroupAffiliation, Group]]:
    """The child's known links to groups the caller's force recorded."""
    access.require(actor, "group_affiliations", "list")
    child = visible_child(session, actor, pid)
    audit.record(session, actor, "read", "group_affiliation", child_id=child.id)
    return list(
        session.execute(
            select(GroupAffiliation, Group)
            .join(Group, Group.id == GroupAffiliation.group_id)
            .where(GroupAffiliation.child_id == child.id, access.groups(actor))
            .order_by(Group.name)
        ).all()
    )


def rival_links(session: Session, a: int, b: int) -> int:
    """How many of child `b`'s groups are rivals of a group child `a` is linked to (any force's
    record: the check uses all intelligence, and discloses only this count)."""
    mine = select(GroupAffiliation.group_id).where(GroupAffiliation.child_id == a)
    rivals = union(
        select(GroupRivalry.rival_id).where(GroupRivalry.group_id.in_(mine)),
        select(GroupRivalry.group_id).where(GroupRivalry.rival_id.in_(mine)),
    ).subquery()
    return session.scalar(
        select(func.count(func.distinct(GroupAffiliation.group_id))).where(
            GroupAffiliation.child_id == b, GroupAffiliation.group_id.in_(select(rivals.c[0]))
        )
    )
