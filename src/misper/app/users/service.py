"""Managing users: add, disable, reset a password; roles must fit the user's agency."""

from __future__ import annotations

import secrets
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.agencies.models import Agency, AgencyKind
from misper.app.audit import service as audit
from misper.app.errors import Conflict, Invalid, NotFound
from misper.app.users.models import ROLE_AGENCY_KINDS, Role, User

hasher = PasswordHasher()
MIN_PASSWORD = 12


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.username, Role(user.role), user.agency_id, user.agency.kind)


def add_user(
    session: Session,
    actor: Actor | None,
    *,
    username: str,
    role: str,
    agency: str,
    display_name: str | None = None,
    password: str | None = None,
) -> tuple[User, str]:
    """Create a user; returns it with its password (generated when not given: shown once)."""
    if actor is not None:  # None: the command line, run by whoever holds the server
        access.require(actor, "users", "create")
    try:
        role_ = Role(role)
    except ValueError:
        raise Invalid("role", f"one of {', '.join(r.value for r in Role)}") from None
    agency_ = session.scalar(select(Agency).where(Agency.name == agency))
    if agency_ is None:
        raise NotFound(f"agency {agency!r}")
    if AgencyKind(agency_.kind) not in ROLE_AGENCY_KINDS[role_]:
        raise Invalid("role", f"a {role_.value} cannot belong to a {agency_.kind} agency")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"username {username!r} is taken")
    password = password or secrets.token_urlsafe(12)
    check_password(password)
    user = User(
        username=username,
        display_name=display_name or username,
        role=role_.value,
        agency_id=agency_.id,
        password_hash=hasher.hash(password),
        created_at=datetime.now(),
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "create", "user", user.id, detail={"role": role_.value})
    return user, password


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid("password", f"at least {MIN_PASSWORD} characters")


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"user {username!r}")
    return user


def disable_user(session: Session, actor: Actor | None, username: str) -> User:
    if actor is not None:
        access.require(actor, "users", "update")
    user = _user(session, username)
    user.disabled = True
    audit.record(session, actor, "disable", "user", user.id)
    return user


def reset_password(
    session: Session, actor: Actor | None, username: str, password: str | None = None
) -> tuple[User, str]:
    """New password, lock-out cleared, re-enabled; every token of the user stops working."""
    from misper.app.auth.service import revoke_all

    if actor is not None:
        access.require(actor, "users", "update")
    user = _user(session, username)
    password = password or secrets.token_urlsafe(12)
    check_password(password)
    user.password_hash = hasher.hash(password)
    user.failed_logins, user.locked_until, user.disabled = 0, None, False
    revoke_all(session, user.id)
    audit.record(session, actor, "reset_password", "user", user.id)
    return user, password


def list_users(session: Session, actor: Actor, offset: int = 0, limit: int = 100) -> list[User]:
    access.require(actor, "users", "list")
    return list(session.scalars(select(User).order_by(User.username).offset(offset).limit(limit)))
