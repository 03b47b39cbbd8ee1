"""Group tables: gangs and peer groups as the police record them, their rivalries and children's
links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base


class Group(Base):
    """A gang or peer group as the police record it: police intelligence, never shown to care staff
    or councils (the placement check tells a council only that a rival-group link exists)."""

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("force_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)  # who recorded it
    name: Mapped[str] = mapped_column(String(200))
    area: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class GroupRivalry(Base):
    """Two groups in rivalry; stored once, the lower id first."""

    __tablename__ = "group_rivalries"
    __table_args__ = (
        UniqueConstraint("group_id", "rival_id"),
        CheckConstraint("group_id < rival_id", name="ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    rival_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class GroupAffiliation(Base):
    """A child known by the police to be linked to a group (police intelligence)."""

    __tablename__ = "group_affiliations"
    __table_args__ = (UniqueConstraint("child_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)  # the intelligence behind it
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    created_at: Mapped[datetime]
