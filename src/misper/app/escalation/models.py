"""Referral table: to a MARM or MACE, with its outcome once the meeting has sat; and the charities
that see a force's emerging-frequent list, by a partnership the administrator records."""

from __future__ import annotations

from datetime import date, datetime

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


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    held_at: Mapped[datetime]
    attendees: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class MeetingAction(Base):
    __tablename__ = "meeting_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    due_on: Mapped[date | None]
    done_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(Text)
