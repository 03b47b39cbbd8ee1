"""User table and the roles of the redesigned process."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from misper.app.agencies.models import Agency, AgencyKind
from misper.app.db import Base


class Role(str, Enum):  # noqa: UP042  (a StrEnum would print differently in pages)
    care_staff = "care_staff"
    police_mispers = "police_mispers"  # missing persons team
    police_control_room = "police_control_room"
    police_officer = "police_officer"
    council_social_worker = "council_social_worker"
    council_missing_coordinator = "council_missing_coordinator"
    rhi_worker = "rhi_worker"
    charity_worker = "charity_worker"  # missing-persons charity: partner forces' emerging list only
    analyst = "analyst"
    admin = "admin"


POLICE_ROLES = frozenset({Role.police_mispers, Role.police_control_room, Role.police_officer})
COUNCIL_ROLES = frozenset({Role.council_social_worker, Role.council_missing_coordinator})

# A role only makes sense inside some kinds of agency (a care home cannot have a control room).
ROLE_AGENCY_KINDS: dict[Role, frozenset[AgencyKind]] = {
    Role.care_staff: frozenset({AgencyKind.care_provider}),
    **{r: frozenset({AgencyKind.police}) for r in POLICE_ROLES},
    **{r: frozenset({AgencyKind.council}) for r in COUNCIL_ROLES},
    Role.rhi_worker: frozenset({AgencyKind.rhi_provider, AgencyKind.charity}),
    Role.charity_worker: frozenset({AgencyKind.charity}),
    Role.analyst: frozenset({AgencyKind.police, AgencyKind.council}),
    Role.admin: frozenset(AgencyKind),
}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # Set by an administrator's reset (or a new account): every page but the password page, and
    # every API call, waits until the user has chosen their own password.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # A one-time reset code: only its Argon2 hash, good once until it expires.
    reset_code_hash: Mapped[str | None] = mapped_column(String(200))
    reset_code_expires: Mapped[datetime | None]
    # The second factor: a TOTP secret (RFC 6238), sealed under a key outside the database
    # (auth/sealing.py), and the last time step a code was taken at, so that no code is good twice.
    totp_secret: Mapped[str | None] = mapped_column(String(128))
    totp_last_step: Mapped[int | None]

    agency: Mapped[Agency] = relationship(lazy="joined")

    @property
    def role_(self) -> Role:
        return Role(self.role)
