"""Finding, reading and changing children's records within the caller's scope; every read audited."""

from __future__ import annotations

import secrets
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


def list_children(
    session: Session,
    actor: Actor,
    *,
    in_care: str | None,
    offset: int,
    limit: int,
    pid: str | None = None,
) -> tuple[list[Child], int]:
    access.require(actor, "children", "list")
    query = select(Child).where(access.children(actor))
    if in_care:
        query = query.where(Child.in_care == in_care)
    if pid:
        query = query.where(Child.pid == pid)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(session.scalars(query.order_by(Child.id).offset(offset).limit(limit)))
    audit.record(session, actor, "list", "child", detail={"ids": [c.id for c in rows]})
    return rows, total


def read_child(session: Session, actor: Actor, pid: str, reason: str | None) -> Child:
    access.require(actor, "children", "read")
    child = visible_child(session, actor, pid)
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
    child = Child(
        pid=new_pid(),
        name=name,
        date_of_birth=date_of_birth,
        gender=gender,
        ethnic_appearance=ethnic_appearance,
        in_care=in_care,
        responsible_council_id=responsible_council_id,
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
    child = visible_child(session, actor, pid)
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
