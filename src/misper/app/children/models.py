"""Child table: pseudonymous id for everything shared, name and date of birth kept only here."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base


class Child(Base):
    __tablename__ = "children"

    id: Mapped[int] = mapped_column(primary_key=True)
    pid: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None]
    gender: Mapped[str | None] = mapped_column(String(16))
    ethnic_appearance: Mapped[str | None] = mapped_column(String(100))
    in_care: Mapped[str | None] = mapped_column(String(16))
    responsible_council_id: Mapped[int | None] = mapped_column(
        ForeignKey("agencies.id"), index=True
    )
    created_at: Mapped[datetime]
