"""Finding, reading and changing children's records within the caller's scope; each read audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
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


# The list's sort keys: the column, and whether ascending means that column descending (the
# youngest first is the latest date of birth first).
LIST_SORTS = {
    "child": (Child.pid, False),
    "name": (Child.name, False),
    "age": (Child.date_of_birth, True),
    "in_care": (Child.in_care, False),
}
NAMED_SORTS = frozenset({"name", "age"})


def list_children(
    session: Session,
    actor: Actor,
    *,
    in_care: str | None,
    offset: int,
    limit: int,
    pid: str | None = None,
    reason: str | None = None,
    search: str | None = None,
    sort: str | None = None,
    descending: bool = False,
) -> tuple[list[ListedChild], int]:
    """The children in the caller's scope; named only for a role that need give no reason, or
    that gave one (audited with the list). `search` finds a child by name (any part of it), pid
    or date of birth; by pid only while names are not shown. `sort` is a key of `LIST_SORTS`
    (by name or age only while names are shown: the order would tell them)."""
    access.require(actor, "children", "list")
    named = access.names_shown(actor, reason)
    if sort and (sort not in LIST_SORTS or (sort in NAMED_SORTS and not named)):
        keys = [k for k in LIST_SORTS if named or k not in NAMED_SORTS]
        raise Invalid("sort", f"sort by one of: {', '.join(keys)}")
    query = select(Child).where(access.children(actor))
    if in_care:
        query = query.where(Child.in_care == in_care)
    if pid:
        query = query.where(Child.pid == pid)
    searched = _search(search, named) if search and search.strip() else None
    if searched is not None:
        query = query.where(searched[1])
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    order = []
    if sort:
        column, reverse = LIST_SORTS[sort]
        order.append(column.desc() if descending != reverse else column.asc())
        order[0] = order[0].nulls_last()
    rows = list(session.scalars(query.order_by(*order, Child.id).offset(offset).limit(limit)))
    audit.record(
        session,
        actor,
        "list",
        "child",
        reason=reason.strip() if named and reason else None,
        detail={
            "ids": [c.id for c in rows],
            "named": named,
            **({"search": searched[0]} if searched else {}),
        },
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


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %m %Y")


def birth_date_searched(term: str) -> date | None:
    """The date a search box's text names (2010-04-23, 23/04/2010...), or None."""
    for form in DATE_FORMATS:
        try:
            return datetime.strptime(term, form).date()
        except ValueError:
            continue
    return None


def _search(term: str, named: bool):
    """(what was searched by, the predicate on `Child`) for a search box's text."""
    term = term.strip()
    if not named:
        return "pid", Child.pid == term
    born = birth_date_searched(term)
    if born is not None:
        return "date_of_birth", Child.date_of_birth == born
    return "name or pid", or_(
        Child.pid == term, func.lower(Child.name).contains(term.lower(), autoescape=True)
    )


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


CHILD_UNDER = 18  # the store's records are of children (Children Act 1989, s.105)


def check_date_of_birth(born: date, today: date | None = None) -> date:
    """The date of birth of a child, in the past and making them under 18; Invalid naming the
    field, in plain words, otherwise."""
    today = today or date.today()
    if born > today:
        raise Invalid("date_of_birth", "The date of birth is in the future: check the year")
    if born == today:
        raise Invalid("date_of_birth", "The date of birth is today: check the date")
    age = age_on(born, datetime.combine(today, datetime.min.time()))
    if age is not None and age >= CHILD_UNDER:
        raise Invalid(
            "date_of_birth",
            f"This date of birth makes the child {age}: a child is under {CHILD_UNDER}. "
            "Check the year",
        )
    return born


def set_date_of_birth(session: Session, actor: Actor, child: Child, born: date | None) -> bool:
    """Record the child's date of birth (None: not known), the one held for every page and
    report; the caller has been allowed the child. Audited when it changes; True then."""
    if born == child.date_of_birth:
        return False
    access.check_writes(actor, "child", ["date_of_birth"])
    if born is not None:
        check_date_of_birth(born)  # a new one; an unchanged one was returned above
    child.date_of_birth = born
    audit.record(
        session,
        actor,
        "update",
        "child",
        child.id,
        child_id=child.id,
        detail={"fields": ["date_of_birth"]},
    )
    return True
