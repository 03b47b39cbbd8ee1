"""What triage adds to the case store: the factors behind a risk assessment, and review
reminders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base


class RiskFactors(Base):
    """The factors an assessor considered for one risk assessment (risk flags of the schema)."""

    __tablename__ = "risk_factors"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("risk_assessments.id"), unique=True)
    factors: Mapped[list] = mapped_column(JSON, default=list)


class ReviewReminder(Base):
    """A delay's review time fell due and the force was told; once per decision."""

    __tablename__ = "review_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("control_room_decisions.id"), unique=True)
    notified_at: Mapped[datetime]
