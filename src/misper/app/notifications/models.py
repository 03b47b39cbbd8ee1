"""Notification tables: a notice to an agency (or one user), who has read it, who was emailed it,
and how each user wants to be emailed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id"))
    # The page of the case it is about (an episode, an interview, a referral...), from the site's
    # root: opening the notice goes there.
    link: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class NotificationRead(Base):
    """One user's reading of a notice: a notice to a whole agency is read by each user apart."""

    __tablename__ = "notification_reads"

    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    read_at: Mapped[datetime]


class NotificationEmail(Base):
    """A notice emailed to a user (alone or in a digest), claimed before sending: never twice."""

    __tablename__ = "notification_emails"

    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    sent_at: Mapped[datetime]
    digest: Mapped[bool] = mapped_column(default=False)


class EmailFrequency:
    """How often a user is emailed their notices (no email unless they choose)."""

    NEVER = "never"
    IMMEDIATELY = "immediately"
    DAILY = "daily"
    CHOICES = (NEVER, IMMEDIATELY, DAILY)


class NotificationPreference(Base):
    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    frequency: Mapped[str] = mapped_column(String(16), default=EmailFrequency.NEVER)
    # Only notices from this moment on are emailed: choosing email never sends the backlog.
    since: Mapped[datetime]
