"""Progress of an episode's task: who has it, done or not needed (why), and whether it helped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base

STATUSES = ("open", "done", "not_needed")


class TaskProgress(Base):
    __tablename__ = "task_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), unique=True)
    risk_level: Mapped[str | None] = mapped_column(String(32))  # the level that generated it
    status: Mapped[str] = mapped_column(String(16), default="open")
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)  # why it was not needed
    contributed: Mapped[bool | None]  # did doing it help find the child
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
