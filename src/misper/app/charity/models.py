"""Charity partnerships: which missing-persons charity works with which police force."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base


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
