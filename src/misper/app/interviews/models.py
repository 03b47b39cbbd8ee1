"""Interview tables; an RHI's status is derived from its facts, never stored beside them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base


class PreventionInterview(Base):
    __tablename__ = "prevention_interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), unique=True)
    outcome: Mapped[str] = mapped_column(String(16))  # canonical prevention_interview values
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ReturnHomeInterview(Base):
    __tablename__ = "return_home_interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), unique=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    offered: Mapped[bool | None]
    accepted: Mapped[bool | None]
    completed_at: Mapped[datetime | None]
    interviewer: Mapped[str | None] = mapped_column(String(200))
    findings: Mapped[str | None] = mapped_column(Text)
    shared_with_police: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def status(self) -> str:
        if self.completed_at is not None:
            return "completed"
        if self.accepted is False:
            return "declined"
        if self.accepted:
            return "accepted"
        return "offered" if self.offered else "not_offered"
