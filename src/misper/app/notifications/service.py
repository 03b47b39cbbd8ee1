"""Telling an agency's users what needs them; listing, opening and marking their notices read;
how each user wants them emailed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import DateTime, and_, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Session, SessionTransaction

from misper.app import access
from misper.app.access import Actor
from misper.app.audit import service as audit
from misper.app.errors import Invalid, NotFound
from misper.app.notifications import mail
from misper.app.notifications.models import (
    EmailFrequency,
    Notification,
    NotificationPreference,
    NotificationRead,
)

NEW_NOTICES = "misper.notifications.new"  # session.info: this transaction told someone something
TO_EMAIL = "misper.notifications.to_email"


def notify(
    session: Session,
    agency_id: int,
    subject: str,
    episode_id: int | None = None,
    body: str = "",
    user_id: int | None = None,
    link: str | None = None,
) -> Notification:
    """Queued in the caller's transaction: nobody is told of a change that was rolled back, and
    the email (for those who want one at once) goes only after the commit.

    `link` is the page of the case the notice is about; without one, a notice about an episode
    opens the episode."""
    row = Notification(
        agency_id=agency_id,
        user_id=user_id,
        episode_id=episode_id,
        link=link,
        subject=subject,
        body=body,
        created_at=datetime.now(),
    )
    session.add(row)
    session.info[NEW_NOTICES] = True
    return row


@listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(NEW_NOTICES, False):
        session.info[TO_EMAIL] = True


@listens_for(Session, "after_transaction_end")
def _email(session: Session, transaction: SessionTransaction) -> None:
    # Here the request's connection is back in the pool; the sending runs in a thread of its own.
    if transaction.parent is None and session.info.pop(TO_EMAIL, False):
        bind = session.get_bind()
        if isinstance(bind, Engine):
            mail.send_soon(bind)


@listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:
        session.info.pop(NEW_NOTICES, None)


@dataclass(frozen=True)
class Notice:
    """A notification as one user sees it: read or not by them."""

    id: int
    subject: str
    body: str
    episode_id: int | None
    link: str | None
    created_at: datetime
    read_at: datetime | None


def _as_seen_by(actor: Actor):
    read = and_(
        NotificationRead.notification_id == Notification.id,
        NotificationRead.user_id == actor.user_id,
    )
    return (
        select(Notification, NotificationRead.read_at)
        .outerjoin(NotificationRead, read)
        .where(access.notifications(actor))
    )


def _notice(row: Notification, read_at: datetime | None) -> Notice:
    return Notice(row.id, row.subject, row.body, row.episode_id, row.link, row.created_at, read_at)


def list_notifications(
    session: Session, actor: Actor, unread_only: bool, offset: int, limit: int
) -> list[Notice]:
    access.require(actor, "notifications", "list")
    query = _as_seen_by(actor)
    if unread_only:
        query = query.where(NotificationRead.read_at.is_(None))
    found = session.execute(query.order_by(Notification.id.desc()).offset(offset).limit(limit))
    rows = [_notice(n, read_at) for n, read_at in found]
    audit.record(
        session, actor, "list", "notification", detail={"rows": len(rows), "unread": unread_only}
    )
    return rows


def unread_count(session: Session, actor: Actor) -> int:
    """How many of the actor's notices they have not read (the header's count): a number only,
    so not audited, unlike every read of a notice."""
    query = _as_seen_by(actor).where(NotificationRead.read_at.is_(None))
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _insert_reads(session: Session):
    """An insert into `notification_reads` that skips a read already there (two tabs at once)."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(NotificationRead)


def mark_read(
    session: Session, actor: Actor, notification_id: int, action: str = "mark_read"
) -> Notice:
    """Read by this user (404 for a notice not theirs, exactly as for none); `action` is what the
    audit log says they did: "open" when they followed it to its case."""
    access.require(actor, "notifications", "update")
    found = session.execute(_as_seen_by(actor).where(Notification.id == notification_id)).first()
    if found is None:
        raise NotFound("notification")
    row, read_at = found
    if read_at is None:
        read_at = datetime.now()
        session.execute(
            _insert_reads(session)
            .values(notification_id=row.id, user_id=actor.user_id, read_at=read_at)
            .on_conflict_do_nothing()
        )
    audit.record(session, actor, action, "notification", row.id)
    return _notice(row, read_at)


def mark_all_read(session: Session, actor: Actor) -> int:
    """Every notice of the actor's read by them; how many were unread."""
    access.require(actor, "notifications", "update")
    unread = (
        _as_seen_by(actor)
        .where(NotificationRead.read_at.is_(None))
        .with_only_columns(
            Notification.id, literal(actor.user_id), literal(datetime.now(), DateTime())
        )
    )
    marked = session.execute(
        _insert_reads(session)
        .from_select(["notification_id", "user_id", "read_at"], unread)
        .on_conflict_do_nothing()
        .returning(NotificationRead.notification_id)
    ).all()
    audit.record(session, actor, "mark_all_read", "notification", detail={"rows": len(marked)})
    return len(marked)


def preference(session: Session, actor: Actor) -> NotificationPreference | None:
    """How the actor is emailed (None: never, the default)."""
    access.require(actor, "notifications", "list")
    return session.get(NotificationPreference, actor.user_id)


def set_preference(
    session: Session, actor: Actor, frequency: str, email: str | None
) -> NotificationPreference:
    """Choose never, at once or a daily digest, and the address; only notices from now on are
    emailed."""
    access.require(actor, "notifications", "update")
    if frequency not in EmailFrequency.CHOICES:
        raise Invalid("frequency", "choose never, immediately or daily")
    email = (email or "").strip() or None
    if email is not None:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise Invalid("email", f"not an email address: {exc}") from None
        if len(email) > 254:
            raise Invalid("email", "at most 254 characters")
    if frequency != EmailFrequency.NEVER and email is None:
        raise Invalid("email", "give the address to email your notices to")
    row = session.get(NotificationPreference, actor.user_id)
    if row is None:
        row = NotificationPreference(user_id=actor.user_id)
        session.add(row)
    if row.frequency != frequency or row.since is None:
        row.since = datetime.now()
    row.frequency, row.email = frequency, email
    audit.record(
        session,
        actor,
        "update",
        "notification_preference",
        actor.user_id,
        detail={"frequency": frequency},
    )
    return row
