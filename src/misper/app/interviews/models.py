"""Interview tables; an RHI's status is derived from its facts, never stored beside them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, event, inspect
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
    """The interview offered to a child after an episode, with its 72-hour clock: the council that
    owes it, the found time the clock runs from (none yet: the episode is not found), and who does
    it. The responsible council changes only by a recorded agreement with the host council."""

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
    # The clock, kept by the service rather than keyed by the interviewer.
    council_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    placing_council_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    out_of_area: Mapped[bool] = mapped_column(default=False)
    found_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    interviewer_kind: Mapped[str | None] = mapped_column(String(32))  # see INTERVIEWER_KINDS
    host_agreement: Mapped[str | None] = mapped_column(Text)
    host_agreed_at: Mapped[datetime | None]
    host_agreed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    overdue_notified_at: Mapped[datetime | None]

    # The version is counted by `_count_edits` below, not on every UPDATE of the row.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    @property
    def status(self) -> str:
        if self.completed_at is not None:
            return "completed"
        if self.accepted is False:
            return "declined"
        if self.accepted:
            return "accepted"
        return "offered" if self.offered else "not_offered"


# The clock's bookkeeping (started, moved, taken on, overdue told) does not make the form of
# someone recording the interview stale: only a change to the interview's own facts counts.
CLOCK = frozenset(
    {
        "council_id",
        "placing_council_id",
        "out_of_area",
        "found_at",
        "due_at",
        "interviewer_kind",
        "host_agreement",
        "host_agreed_at",
        "host_agreed_by",
        "overdue_notified_at",
    }
)


@event.listens_for(ReturnHomeInterview, "before_update")
def _count_edits(_mapper, _connection, rhi: ReturnHomeInterview) -> None:
    """Still checked on every UPDATE (the ORM's WHERE version = ...), bumped only by an edit."""
    state = inspect(rhi)
    if any(
        state.attrs[key].history.has_changes()
        for key in state.mapper.column_attrs.keys()
        if key not in CLOCK and key != "version"
    ):
        rhi.version += 1


class InterviewFindings(Base):
    """Structured findings of a prevention or return home interview, and what leaves the interview:
    items marked for police intelligence (prevention) or shared with the police (return home)."""

    __tablename__ = "interview_findings"
    __table_args__ = (UniqueConstraint("interview", "interview_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview: Mapped[str] = mapped_column(String(16))  # prevention, return_home
    interview_id: Mapped[int] = mapped_column(index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    reason_codes: Mapped[list] = mapped_column(JSON, default=list)
    who_with: Mapped[list] = mapped_column(JSON, default=list)
    where: Mapped[list] = mapped_column(JSON, default=list)
    exploitation_indicators: Mapped[list] = mapped_column(JSON, default=list)
    free_text: Mapped[str | None] = mapped_column(Text)
    shared: Mapped[list] = mapped_column(JSON, default=list)  # names of the fields shared
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
