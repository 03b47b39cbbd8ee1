"""Telling an agency's users what needs them; listing and marking their notifications read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.audit import service as audit
from misper.app.errors import NotFound
from misper.app.notifications.models import Notification


def notify(
    session: Session,
    agency_id: int,
    subject: str,
    episode_id: int | None = None,
    body: str = "",
    user_id: int | None = None,
) -> Notification:
    """Queued in the caller's transaction: nobody is told of a change that was rolled back."""
    row = Notification(
        agency_id=agency_id,
        user_id=user_id,
        episode_id=episode_id,
        subject=subject,
        body=body,
        created_at=datetime.now(),
    )
    session.add(row)
    return row


def list_notifications(
    session: Session, actor: Actor, unread_only: bool, offset: int, limit: int
) -> list[Notification]:
    access.require(actor, "notifications", "list")
    query = select(Notification).where(access.notifications(actor))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    rows = list(session.scalars(query.order_by(Notification.id.desc()).offset(offset).limit(limit)))
    audit.record(
        session, actor, "list", "notification", detail={"rows": len(rows), "unread": unread_only}
    )
    return rows


def mark_read(session: Session, actor: Actor, notification_id: int) -> Notification:
    access.require(actor, "notifications", "update")
    row = session.scalar(
        select(Notification).where(Notification.id == notification_id, access.notifications(actor))
    )
    if row is None:
        raise NotFound("notification")
    row.read_at = row.read_at or datetime.now()
    return row
