"""Audit event table: append-only (triggers refuse DELETE, and any UPDATE but chaining a row)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base


class AuditEvent(Base):
    """One read or change. A request inserts it unchained (seq, prev_hash and hash empty) and a
    short transaction after the commit numbers and hashes it onto the chain, once."""

    __tablename__ = "audit_events"
    __table_args__ = (
        # The chainer's work list: the few events not yet on the chain, in id order.
        Index(
            "ix_audit_events_unchained",
            "id",
            postgresql_where=text("seq IS NULL"),
            sqlite_where=text("seq IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Gap-free by construction (a sequence skips numbers on rollback), so a deleted row shows.
    seq: Mapped[int | None] = mapped_column(unique=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None]  # no foreign key: the log outlives any user it names
    actor_role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    child_id: Mapped[int | None] = mapped_column(index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(
        Text, default="{}"
    )  # JSON: field names, never a child's data
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
