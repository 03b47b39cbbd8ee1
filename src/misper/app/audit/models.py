"""The audit tables, append-only (triggers refuse DELETE, and any UPDATE but chaining an event):
the chained events, and the field-level history of every change to a case record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base


class AuditEvent(Base):
    """One read or change. A request inserts it unchained (seq, prev_hash and hash empty) with its
    MAC, and a short transaction after the commit numbers and links it onto the chain, once."""

    __tablename__ = "audit_events"
    __table_args__ = (
        # The chainer's work list: the few events not yet on the chain, in id order.
        Index(
            "ix_audit_events_unchained",
            "id",
            postgresql_where=text("seq IS NULL"),
            sqlite_where=text("seq IS NULL"),
        ),
        # A copied event (same nonce, so a valid MAC) is refused; `verify` looks for one too.
        Index("ix_audit_events_nonce", "nonce", unique=True),
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
    # Random per event and covered by the MAC: no two events share a MAC, even with one content.
    nonce: Mapped[str | None] = mapped_column(String(32))  # None: chained before migration 0009
    mac: Mapped[str | None] = mapped_column(String(64))  # HMAC-SHA256 with the audit key
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class FieldChange(Base):
    """One field of one case record changed: who, when, and the value before and after (as
    text). Written in the change's own transaction; access is the admin's (audit.list)."""

    __tablename__ = "field_history"
    __table_args__ = (Index("ix_field_history_record", "table_name", "row_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None]  # None: the command line or a scheduled job
    actor_role: Mapped[str | None] = mapped_column(String(32))
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
