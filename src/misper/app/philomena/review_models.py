"""Reminders that a Philomena profile's review fell due: one per child and due time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base


class ProfileReminder(Base):
    __tablename__ = "profile_reminders"
    __table_args__ = (UniqueConstraint("child_id", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"))
    due_at: Mapped[datetime]
    notified_at: Mapped[datetime]
