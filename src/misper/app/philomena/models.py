"""Philomena profile versions: a change adds a row; nothing is overwritten."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base


class PhilomenaProfile(Base):
    __tablename__ = "philomena_profiles"
    __table_args__ = (UniqueConstraint("child_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    version: Mapped[int]
    content: Mapped[dict] = mapped_column(JSON)
    # The risk plan agreed with the police and the social worker: report if not back this many
    # minutes after the expected time (none: the flowchart's default wait).
    agreed_wait_minutes: Mapped[int | None]
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    created_at: Mapped[datetime]


class ProfileReminder(Base):
    __tablename__ = "profile_reminders"
    __table_args__ = (UniqueConstraint("child_id", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"))
    due_at: Mapped[datetime]
    notified_at: Mapped[datetime]
