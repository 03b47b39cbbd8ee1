"""Child table: pseudonymous id for everything shared, name and date of birth kept only here; and
the requests of one force to read a child's record another force holds."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
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
    # The agency that opened the record and holds it (a council, or a force for a child reported
    # to it); none for records imported before holding was kept (migration 0011 fills what it can).
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    created_at: Mapped[datetime]


class ChildPhoto(Base):
    """The child's photo for the Philomena profile: a small thumbnail re-encoded by the store (no
    metadata kept), one per child; replaced by the next upload. Kept apart from `Child` so that
    reading a record never loads the picture."""

    __tablename__ = "child_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), unique=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    media_type: Mapped[str] = mapped_column(String(32))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime]


class RecordRequest(Base):
    """One force asking to read a child's record another force holds, and the answer; or a
    break-glass opening in an emergency, answered afterwards by the holding force's review.

    `kind` "request": status requested, then shared or declined by the holding force's missing
    persons team. `kind` "break_glass": open at once for the user who gave the justification until
    `expires_at`; status opened, then reviewed."""

    __tablename__ = "record_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    requesting_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    holding_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    answer_note: Mapped[str | None] = mapped_column(Text)
