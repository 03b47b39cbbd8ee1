"""The field-level history of every case record: each changed field of each updated row, with
who changed it, when, and its value before and after, written in the change's own transaction.

One listener on the app's session class (db.StoreSession) sees every ORM update before it is
flushed, whatever the domain; a new case table is tracked without a line here. Tables that hold
no case record (the audit tables themselves, logins, users, agencies, notifications) are left out.
Bulk `UPDATE` statements bypass the ORM and so this history: the services change case records
through their objects.
"""

from __future__ import annotations

import enum
import json
from datetime import date, datetime, time

from sqlalchemy import and_, inspect, select
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Session

from misper.app.access import Actor
from misper.app.audit.models import AuditEvent, FieldChange
from misper.app.db import Base, StoreSession

ACTOR = "misper_actor"  # key of the acting user in Session.info
# Not case records: the audit tables, logins and accounts (a password hash is never copied out),
# the agencies, and notifications (marking one read, a user's e-mail settings and what was mailed
# are not changes to a case).
NOT_CASE_RECORDS = frozenset(
    {
        AuditEvent.__tablename__,
        FieldChange.__tablename__,
        "auth_tokens",
        "users",
        "agencies",
        "notifications",
        "notification_reads",
        "notification_preferences",
        "notification_emails",
    }
)
UNTRACKED_FIELDS = frozenset({"version"})  # optimistic-locking counters: noise, not content


def act_as(session: Session, actor: Actor | None) -> Actor | None:
    """Name the user acting through `session`: the field history credits its changes to them."""
    session.info[ACTOR] = actor
    return actor


def acting(session: Session) -> Actor | None:
    """The user `act_as` named for this session; None for the command line and scheduled jobs."""
    return session.info.get(ACTOR)


def tracked(table: str) -> bool:
    return table in Base.metadata.tables and table not in NOT_CASE_RECORDS


def as_text(value: object) -> str | None:
    """A field's value as the history keeps it."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


@listens_for(StoreSession, "before_flush")
def _record_changes(session: Session, _context, _instances) -> None:
    actor, at, unknown = acting(session), datetime.now().replace(microsecond=0), []
    for obj in list(session.dirty):
        state = inspect(obj)
        table = state.mapper.local_table
        if table.name in NOT_CASE_RECORDS or state.identity is None or state.deleted:
            continue
        row_id = ",".join(str(part) for part in state.identity)
        for prop in state.mapper.column_attrs:
            column = prop.columns[0]
            if column.name in UNTRACKED_FIELDS or column.table is not table:
                continue
            history = state.attrs[prop.key].history
            if not history.added:
                continue
            new = as_text(history.added[0])
            if history.deleted:
                old = as_text(history.deleted[0])
            else:  # the old value was never loaded: read it below, before the flush writes
                unknown.append((state, column, row_id, new))
                continue
            if old != new:
                session.add(_change(actor, at, table.name, row_id, column.name, old, new))
    for state, column, row_id, new in unknown:
        old = as_text(_stored(session, state, column))
        if old != new:
            session.add(_change(actor, at, column.table.name, row_id, column.name, old, new))


def _stored(session: Session, state, wanted) -> object:
    keys = zip(state.mapper.primary_key, state.identity, strict=True)
    match = and_(*(column == value for column, value in keys))
    with session.no_autoflush:
        return session.execute(select(wanted).where(match)).scalar()


def _change(actor: Actor | None, at, table: str, row_id: str, field: str, old, new) -> FieldChange:
    return FieldChange(
        at=at,
        actor_id=actor and actor.user_id,
        actor_role=actor and actor.role.value,
        table_name=table,
        row_id=row_id,
        field=field,
        old_value=old,
        new_value=new,
    )


def changes(
    session: Session, table: str, row_id: str, *, offset: int = 0, limit: int = 100
) -> list[FieldChange]:
    """A record's changes, newest first."""
    return list(
        session.scalars(
            select(FieldChange)
            .where(FieldChange.table_name == table, FieldChange.row_id == row_id)
            .order_by(FieldChange.id.desc())
            .offset(offset)
            .limit(limit)
        )
    )
