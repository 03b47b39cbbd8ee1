"""A carer's check (one child not where they should be) and each step's answer, kept as recorded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base


class CarerCheck(Base):
    __tablename__ = "carer_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    started_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime]
    expected_back: Mapped[datetime]
    concerns: Mapped[list] = mapped_column(JSON, default=list)
    # The outcome as last worked out, so a list of checks shows it without replaying the steps.
    outcome: Mapped[str | None] = mapped_column(String(16))
    until: Mapped[datetime | None]
    # Set when the carer reported to the police: the episode carries this check and the profile.
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id"), index=True)
    profile_version: Mapped[int | None]


class CarerStep(Base):
    """One reasonable step taken and its answer; a new row per answer, never overwritten."""

    __tablename__ = "carer_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("carer_checks.id"), index=True)
    step: Mapped[str] = mapped_column(String(40))
    result: Mapped[str] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
