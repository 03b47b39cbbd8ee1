"""Logging in with an Argon2-checked password, lock-out after repeated failures, and tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from misper.app.access import Actor
from misper.app.audit import service as audit
from misper.app.auth.models import AuthToken
from misper.app.users.models import User
from misper.app.users.service import actor_of, hasher

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
LIFETIME = {"session": timedelta(hours=10), "bearer": timedelta(days=90)}
# Checked against when the username is unknown, so that both cases take the same time.
_DUMMY_HASH = hasher.hash("not a password of anyone")


def login(session: Session, username: str, password: str) -> User | None:
    """The user when the password is right and the account usable; None otherwise (say no more).

    A failure is counted in the caller's transaction, which must be committed even though the
    login failed; after MAX_FAILURES the account is locked for LOCKOUT.
    """
    user = session.scalar(select(User).where(User.username == username))
    now = datetime.now()
    if user is None:
        _check(_DUMMY_HASH, password)
        return None
    locked = user.locked_until is not None and user.locked_until > now
    if not _check(user.password_hash, password) or user.disabled or locked:
        if not locked:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILURES:
                user.locked_until, user.failed_logins = now + LOCKOUT, 0
                audit.record(session, None, "lock_out", "user", user.id)
        return None
    user.failed_logins, user.locked_until = 0, None
    audit.record(session, actor_of(user), "login", "user", user.id)
    return user


def _check(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def issue_token(session: Session, user: User, kind: str) -> str:
    """A new secret for a web session or a system's bearer token; only its hash is stored."""
    secret = secrets.token_urlsafe(32)
    now = datetime.now()
    session.add(
        AuthToken(
            token_hash=_digest(secret),
            kind=kind,
            user_id=user.id,
            created_at=now,
            expires_at=now + LIFETIME[kind],
        )
    )
    session.flush()
    return secret


def actor_for_token(session: Session, secret: str, kind: str) -> Actor | None:
    row = session.execute(
        select(User)
        .join(AuthToken, AuthToken.user_id == User.id)
        .where(
            AuthToken.token_hash == _digest(secret),
            AuthToken.kind == kind,
            AuthToken.revoked.is_(False),
            AuthToken.expires_at > datetime.now(),
            User.disabled.is_(False),
        )
    ).scalar_one_or_none()
    return None if row is None else actor_of(row)


def revoke(session: Session, secret: str) -> None:
    session.execute(
        update(AuthToken).where(AuthToken.token_hash == _digest(secret)).values(revoked=True)
    )


def revoke_all(session: Session, user_id: int) -> None:
    session.execute(update(AuthToken).where(AuthToken.user_id == user_id).values(revoked=True))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
