"""Home and placement tables (out of area is derived from the placing and host councils), and the
police's record of groups, their rivalries and children's links to them, for the placement check."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base


class Home(Base):
    __tablename__ = "homes"

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[str] = mapped_column(String(64), unique=True)  # pseudonymous, as in the table
    name: Mapped[str] = mapped_column(String(200))
    provider_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    host_council_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    police_force_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    postcode_sector: Mapped[str | None] = mapped_column(String(8))


class Placement(Base):
    __tablename__ = "placements"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    home_id: Mapped[int] = mapped_column(ForeignKey("homes.id"), index=True)
    placing_council_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    start_date: Mapped[date]
    end_date: Mapped[date | None]  # empty: the child lives there now
