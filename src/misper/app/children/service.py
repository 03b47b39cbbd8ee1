"""Finding, reading and changing children's records within the caller's scope; each read audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor, visible_child
from misper.app.audit import service as audit
from misper.app.children.models import Child
from misper.app.errors import Invalid


def new_pid() -> str:
    return "C" + secrets.token_hex(8)


@dataclass(frozen=True)
class ListedChild:
    """A child as a list shows it: name and date of birth only when the caller may see them
    (`access.names_shown`), else None."""

    id: int
    pid: str
    name: str | None
    date_of_birth: date | None
    in_care: str | None


def list_children(
    session: Session,
    actor: Actor,
    *,
    in_care: str | None,
    offset: int,
    limit: int,
    pid: str | None = None,
    reason: str | None = None,
) -> tuple[list[ListedChild], int]:
    """The children in the caller's scope; named only for a role that need give no reason, or
    that gave one (audited with the list)."""
    access.require(actor, "children", "list")
    query = select(Child).where(access.children(actor))
    if in_care:
        query = query.where(Child.in_care == in_care)
    if pid:
        query = query.where(Child.pid == pid)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(session.scalars(query.order_by(Child.id).offset(offset).limit(limit)))
    named = access.names_shown(actor, reason)
    audit.record(
        session,
        actor,
        "list",
        "child",
        reason=reason.strip() if named and reason else None,
        detail={"ids": [c.id for c in rows], "named": named},
    )
    return [
        ListedChild(
            c.id,
            c.pid,
            c.name if named else None,
            c.date_of_birth if named else None,
            c.in_care,
        )
        for c in rows
    ], total


def read_child(session: Session, actor: Actor, pid: str, reason: str | None) -> Child:
    """A child's record: in the caller's scope, or shared with its force by the force holding
    it (a record request answered, or the caller's break-glass)."""
    access.require(actor, "children", "read")
    child = visible_child(session, actor, pid, scope=access.readable_children)
    if access.reason_required(actor) and not (reason and reason.strip()):
        raise Invalid("reason", "your role must say why it reads a child's record")
    audit.record(session, actor, "read", "child", child.id, child_id=child.id, reason=reason)
    return child


def create_child(
    session: Session,
    actor: Actor | None,
    *,
    name: str | None,
    date_of_birth: date | None,
    gender: str | None,
    ethnic_appearance: str | None,
    in_care: str | None,
    responsible_council_id: int | None,
) -> Child:
    """A new record, held by the agency of the caller opening it."""
    if actor is not None:
        access.check_writes(
            actor,
            "child",
            [
                name
                for name, value in (
                    ("name", name),
                    ("date_of_birth", date_of_birth),
                    ("gender", gender),
                    ("ethnic_appearance", ethnic_appearance),
                    ("in_care", in_care),
                )
                if value is not None
            ],
        )
    child = Child(
        pid=new_pid(),
        name=name,
        date_of_birth=date_of_birth,
        gender=gender,
        ethnic_appearance=ethnic_appearance,
        in_care=in_care,
        responsible_council_id=responsible_council_id,
        agency_id=actor and actor.agency_id,
        created_at=datetime.now(),
    )
    session.add(child)
    session.flush()
    audit.record(session, actor, "create", "child", child.id, child_id=child.id)
    return child


def create_council_child(session: Session, actor: Actor, **fields) -> Child:
    """A council opens the record of a child it is responsible for."""
    access.require(actor, "children", "create")
    return create_child(session, actor, responsible_council_id=actor.agency_id, **fields)


def update_child(session: Session, actor: Actor, pid: str, changes: dict) -> Child:
    access.require(actor, "children", "update")
    access.check_writes(actor, "child", changes)
    child = visible_child(session, actor, pid, scope=access.kept_children)
    for name, value in changes.items():
        setattr(child, name, value)
    audit.record(
        session,
        actor,
        "update",
        "child",
        child.id,
        child_id=child.id,
        detail={"fields": sorted(changes)},
    )
    return child


def age_on(date_of_birth: date | None, when: datetime) -> int | None:
    if date_of_birth is None:
        return None
    return (
        when.year
        - date_of_birth.year
        - ((when.month, when.day) < (date_of_birth.month, date_of_birth.day))
    )
