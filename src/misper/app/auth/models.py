"""Token table: web sessions and bearer tokens, stored only as hashes of the secret."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from misper.app.db import Base


class AuthToken(Base):
    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # "session" (web) or "bearer" (systems)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # When it was last used, to the minute (service.SEEN_EVERY): a web session unused for the idle
    # time-out ends.
    last_seen_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(default=False)
