"""An episode's task and its progress in one record: who has it, done or not needed (why), whether
it helped find the child; `done` is read from the status, never stored beside it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base

STATUSES = ("open", "done", "not_needed")


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    risk_level: Mapped[str | None] = mapped_column(String(32))  # the level that generated it
    status: Mapped[str] = mapped_column(String(16), default="open")
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)  # why it was not needed
    contributed: Mapped[bool | None]  # did doing it help find the child
    closed_at: Mapped[datetime | None]  # when it was done or found not needed
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def done(self) -> bool:
        return self.status == "done"
