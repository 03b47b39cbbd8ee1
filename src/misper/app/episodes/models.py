"""Episode tables. The episode row holds the canonical incident columns, typed from the schema
module."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base
from misper.incidents.schema import COLUMNS, Kind

# Canonical columns that live in tables of their own (child, associations, interviews), not on the
# row.
ELSEWHERE = frozenset(
    {
        "rid",
        "pid",
        "linked_rids",
        "associate_ids",
        "prevention_interview",
        "rhi_offered",
        "rhi_accepted",
        "rhi_completed_at",
    }
)
EPISODE_FIELDS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.name not in ELSEWHERE)


def _sql_type(column):
    if column.kind is Kind.TEXT:
        return Text() if column.free_text else String(120)
    return {
        Kind.ENUM: String(32),
        Kind.DATETIME: DateTime(timezone=False),
        Kind.INTEGER: Integer(),
        Kind.FLOAT: Float(),
        Kind.BOOL: Boolean(),
        Kind.LIST: JSON(none_as_null=True),
    }[column.kind]


episodes_table = Table(
    "episodes",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("rid", String(64), nullable=False, unique=True),
    Column("child_id", ForeignKey("children.id"), nullable=False, index=True),
    Column("force_id", ForeignKey("agencies.id"), nullable=False, index=True),
    Column("reported_by_agency_id", ForeignKey("agencies.id"), index=True),
    Column("home_id", ForeignKey("homes.id"), index=True),
    # A duplicate report of a child already missing, merged into the episode kept (migration
    # 0016): kept for the record, never listed, counted or exported again. The kept episode's id,
    # with no database constraint (SQLite could add one only by rebuilding this table).
    Column("merged_into_id", Integer),
    # The canonical null (unknown) differs from [] (none listed): kept so export gives back the
    # import.
    Column("links_recorded", Boolean, nullable=False, default=False),
    Column("associates_recorded", Boolean, nullable=False, default=False),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", DateTime(timezone=False), nullable=False),
    *[
        Column(c.name, _sql_type(c), nullable=not c.required, index=c.name == "reported_at")
        for c in COLUMNS
        if c.name in EPISODE_FIELDS
    ],
    # The police scope asks "has this child an episode in this force?" once per child: without
    # both keys in one index SQLite walks every episode of the force for each child.
    Index("ix_episodes_child_id_force_id", "child_id", "force_id"),
    # The open episodes of a force, newest first (the police's working list): without it every
    # listing reads all of the force's closed episodes too (migration 0004).
    Index(
        "ix_episodes_open",
        "force_id",
        "reported_at",
        postgresql_where=text("found_at IS NULL"),
        sqlite_where=text("found_at IS NULL"),
    ),
)


class Episode(Base):
    __table__ = episodes_table
    # Optimistic locking: an UPDATE carries the version read; a second editor's stale version fails.
    __mapper_args__ = {"version_id_col": episodes_table.c.version}

    @property
    def is_open(self) -> bool:
        """Still missing: not found, and not a duplicate merged into another episode."""
        return self.found_at is None and self.merged_into_id is None


class RiskAssessment(Base):
    __tablename__ = "risk_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    level: Mapped[str] = mapped_column(String(32))
    rationale: Mapped[str | None] = mapped_column(Text)
    assessed_at: Mapped[datetime]
    assessed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class ControlRoomDecision(Base):
    """Deploy now, delay until a review time, or defer to another agency: the report's three
    options."""

    __tablename__ = "control_room_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    review_at: Mapped[datetime | None]
    rationale: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime]
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class EpisodeUpdate(Base):
    """A narrative entry on the episode: an update, or a sighting with where it was."""

    __tablename__ = "episode_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    postcode_sector: Mapped[str | None] = mapped_column(String(8))
    at: Mapped[datetime]
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))


class EpisodeLink(Base):
    """Children who went missing together; by rid, since history may name reports kept elsewhere."""

    __tablename__ = "episode_links"
    __table_args__ = (UniqueConstraint("episode_id", "linked_rid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    linked_rid: Mapped[str] = mapped_column(String(64), index=True)
    position: Mapped[int] = mapped_column(default=0)


class Associate(Base):
    """An adult or an address named in episodes (pseudonymous id; police intelligence), held by the
    force that recorded it: another force naming the same id has a record of its own."""

    __tablename__ = "associates"
    __table_args__ = (UniqueConstraint("force_id", "associate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    associate_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="unknown")  # person, address, unknown
    description: Mapped[str | None] = mapped_column(Text)


class EpisodeAssociate(Base):
    __tablename__ = "episode_associates"
    __table_args__ = (UniqueConstraint("episode_id", "associate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    associate_id: Mapped[int] = mapped_column(ForeignKey("associates.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)


class AdvicePack(Base):
    """The parents' advice pack given after an episode from a family home: printed or emailed, by
    whom and when. Of an email only a masked address is kept; the address typed is never stored."""

    __tablename__ = "advice_packs"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    method: Mapped[str] = mapped_column(String(8))  # "print" or "email"
    masked_address: Mapped[str | None] = mapped_column(String(120))
    sent_at: Mapped[datetime]
    sent_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
