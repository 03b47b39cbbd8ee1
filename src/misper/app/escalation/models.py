"""Referral table: to a MARM or MACE, with its outcome once the meeting has sat; and the charities
that see a force's emerging-frequent list, by a partnership the administrator records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
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


class CharityPartnership(Base):
    """A missing-persons charity working with a police force: its workers see that force's
    emerging-frequent list (pseudonymous ids and why), nothing else. Ending one deletes the row;
    the audit log keeps when it was recorded and ended."""

    __tablename__ = "charity_partnerships"
    __table_args__ = (UniqueConstraint("charity_id", "force_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    charity_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
