"""Referral table: to a MARM or MACE, with its outcome once the meeting has sat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base


class Referral(Base):
    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id"))
    meeting: Mapped[str] = mapped_column(String(8))  # marm, mace
    reason: Mapped[str] = mapped_column(Text)
    referred_at: Mapped[datetime]
    referred_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    referred_by_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    outcome: Mapped[str | None] = mapped_column(Text)
    outcome_at: Mapped[datetime | None]
