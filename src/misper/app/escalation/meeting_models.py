"""Tables of what multi-agency meetings did: the meeting held on a referral and its actions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base


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
