"""Agency table: every user and every record belongs to, or is placed with, an agency."""

from __future__ import annotations

from enum import Enum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base


class AgencyKind(str, Enum):  # noqa: UP042 (str() of a member is stored and compared)
    police = "police"
    council = "council"
    care_provider = "care_provider"
    rhi_provider = "rhi_provider"
    charity = "charity"


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
