"""Signing in: an Argon2-checked password or one-time reset code, an authenticator code (TOTP) when
the user has one, a lock-out counted atomically in the database, and the tokens of sessions.

Every change to the failure count, the lock-out and the last code taken is one UPDATE whose
conditions are checked on the row itself, so that concurrent attempts (24 guesses sent at once on
PostgreSQL) count one by one and a right password cannot slip past a lock-out set meanwhile.

Every failed sign-in is an audit event (`sign_in_failed`, never with the password typed), added
to the caller's transaction with the failure count, which the caller commits though the sign-in
fails. A web session left unused for `idle_time_out()` ends.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import time
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import ColumnElement, case, or_, select, update
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.audit import service as audit
from misper.app.auth import passwords, sealing
from misper.app.auth.models import AuthToken
from misper.app.errors import Conflict, Invalid, SetUpRequired, Unauthenticated
from misper.app.users.models import Role, User

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
LIFETIME = {
    "session": timedelta(hours=10),
    "bearer": timedelta(days=90),
    # Between the right password and the authenticator code, on the web.
    "second_factor": timedelta(minutes=5),
}
RESET_CODE_LIFETIME = timedelta(hours=24)
RESET_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
RESET_CODE_LENGTH = 16  # 80 bits, read out as four groups of four
TOTP_DRIFT = 1  # time steps either side of now: a phone's clock may be 30 seconds out
REQUIRE_TOTP_ENV = "MISPER_REQUIRE_TOTP_ROLES"  # comma-separated roles that must use a code
IDLE_ENV = "MISPER_SESSION_IDLE_MINUTES"  # a web session unused this long ends
IDLE_MINUTES = 30  # ASVS 3.3.2, level 2
SEEN_EVERY = timedelta(minutes=1)  # a session's last use is written at most this often
PASSWORD_PAGE = "/account/password"
SECOND_FACTOR_PAGE = "/account/second-factor"
ISSUER = "Misper"  # the name authenticator apps show

hasher = PasswordHasher()
# Checked against when the username is unknown, so that both cases take the same time.
_DUMMY_HASH = hasher.hash("not a password of anyone")


class CodeNeeded(Unauthenticated):
    """The password was right; the account signs in with an authenticator code too."""

    code = "code_needed"

    def __init__(self) -> None:
        super().__init__(
            "this account signs in with a code from an authenticator app too: send it as `code`"
        )


def roles_requiring_code() -> frozenset[Role]:
    """The roles that must sign in with an authenticator code, from MISPER_REQUIRE_TOTP_ROLES
    (read each time, so that a change applies at the next request); an unknown role is an error."""
    names = [n.strip() for n in os.environ.get(REQUIRE_TOTP_ENV, "").split(",") if n.strip()]
    unknown = sorted(set(names) - {r.value for r in Role})
    if unknown:
        raise ValueError(
            f"{REQUIRE_TOTP_ENV} names no such role: {', '.join(unknown)} "
            f"(roles: {', '.join(r.value for r in Role)})"
        )
    return frozenset(Role(n) for n in names)


def idle_time_out() -> timedelta:
    """How long a web session may go unused, from MISPER_SESSION_IDLE_MINUTES (read each time;
    whole minutes, from 1 to the session's lifetime); a value it cannot be is an error."""
    raw = os.environ.get(IDLE_ENV, "").strip() or str(IDLE_MINUTES)
    longest = int(LIFETIME["session"].total_seconds() // 60)
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= longest:
        raise ValueError(f"{IDLE_ENV} must be a whole number of minutes from 1 to {longest}")
    return timedelta(minutes=int(raw))


def login(session: Session, username: str, password: str, code: str | None = None) -> User | None:
    """The user when the password (or an unexpired reset code) is right, the authenticator code
    too if they have one, and the account usable; None otherwise (say no more).

    Raises `CodeNeeded` when only the code is missing. A failure is counted in the caller's
    transaction, which must be committed even though the login failed; after MAX_FAILURES the
    account is locked for LOCKOUT.
    """
    user = first_factor(session, username, password)
    if user is None:
        return None
    if user.totp_secret is None:
        return complete_sign_in(session, user)
    if code is None:
        raise CodeNeeded()
    return second_factor(session, user, code)


def first_factor(session: Session, username: str, password: str) -> User | None:
    """The user whose password or unexpired reset code this is, if the account is usable; else
    None, the failure counted. A reset code is used up here, and the user must then choose a
    password. The caller finishes with `second_factor` when the user has an authenticator app,
    else with `complete_sign_in`."""
    user = session.scalar(select(User).where(User.username == username))
    now = datetime.now()
    if user is None:
        _check(_DUMMY_HASH, password)
        return _sign_in_failed(session, None, "unknown_user", username=username)
    by_password = _check(user.password_hash, password)
    by_code = not by_password and _reset_code_matches(user, password, now)
    if user.locked_until is not None and user.locked_until > now:
        # Not counted: the lock-out runs from the attempt that set it.
        return _sign_in_failed(session, user, "locked")
    if not (by_password or by_code) or user.disabled:
        _failed(session, user, now)
        return _sign_in_failed(session, user, "disabled" if user.disabled else "wrong_password")
    if by_code and not _use_reset_code(session, user):
        # Used by a concurrent attempt: good once only.
        return _sign_in_failed(session, user, "reset_code_used")
    return user


def second_factor(session: Session, user: User, code: str) -> User | None:
    """Finish signing in `user` (past `first_factor`) with their authenticator code."""
    now = datetime.now()
    if user.disabled or (user.locked_until is not None and user.locked_until > now):
        return _sign_in_failed(session, user, "disabled" if user.disabled else "locked")
    if user.totp_secret is None or not _take_code(session, user, code):
        _failed(session, user, now)
        return _sign_in_failed(session, user, "wrong_code")
    return complete_sign_in(session, user)


def _sign_in_failed(session: Session, user: User | None, why: str, username: str = "") -> None:
    """Record a refused sign-in (ASVS 7.2.1) as an event of no one: the attempt's name for it,
    with the username typed when it names no account (nothing is created for it); never the
    password or code typed."""
    detail = {"why": why, **({"username": username[:80]} if user is None else {})}
    audit.record(session, None, "sign_in_failed", "user", user and user.id, detail=detail)
    return None


def _not_locked(now: datetime) -> ColumnElement[bool]:
    return or_(User.locked_until.is_(None), User.locked_until <= now)


def _failed(session: Session, user: User, now: datetime) -> None:
    """Count a failure in one UPDATE; the MAX_FAILURES-th locks the account."""
    failures = User.failed_logins + 1
    row = session.execute(
        update(User)
        .where(User.id == user.id, _not_locked(now))
        .values(
            failed_logins=case((failures >= MAX_FAILURES, 0), else_=failures),
            locked_until=case((failures >= MAX_FAILURES, now + LOCKOUT), else_=None),
        )
        .returning(User.locked_until)
        .execution_options(synchronize_session=False)
    ).first()
    session.expire(user, ["failed_logins", "locked_until"])
    if row is not None and row.locked_until is not None:
        audit.record(session, None, "lock_out", "user", user.id)


def complete_sign_in(session: Session, user: User) -> User | None:
    """The last step of every sign-in: clear the failures, unless a concurrent attempt locked or
    disabled the account meanwhile (then None)."""
    now = datetime.now()
    row = session.execute(
        update(User)
        .where(User.id == user.id, User.disabled.is_(False), _not_locked(now))
        .values(failed_logins=0, locked_until=None)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    ).first()
    session.expire(user, ["failed_logins", "locked_until", "disabled"])
    if row is None:
        return _sign_in_failed(session, user, "locked")
    audit.record(session, access.actor_of(user), "login", "user", user.id)
    return user


def _check(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- One-time reset codes ----------------------------------------------------------------------


def new_reset_code(user: User) -> str:
    """Give `user` a new one-time reset code, good for RESET_CODE_LIFETIME, and return it (only
    its hash is kept). The old password stops working; signing in with the code leads to the
    password page, where the user chooses their own."""
    code = "".join(secrets.choice(RESET_CODE_ALPHABET) for _ in range(RESET_CODE_LENGTH))
    user.reset_code_hash = hasher.hash(code)
    user.reset_code_expires = datetime.now() + RESET_CODE_LIFETIME
    user.password_hash = hasher.hash(secrets.token_urlsafe(32))  # known to no one
    user.must_change_password = True
    return "-".join(code[i : i + 4] for i in range(0, RESET_CODE_LENGTH, 4))


def _reset_code_matches(user: User, typed: str, now: datetime) -> bool:
    if user.reset_code_hash is None or user.reset_code_expires is None:
        return False
    if user.reset_code_expires <= now:
        return False
    return _check(user.reset_code_hash, "".join(typed.split()).replace("-", "").upper())


def _use_reset_code(session: Session, user: User) -> bool:
    row = session.execute(
        update(User)
        .where(User.id == user.id, User.reset_code_hash == user.reset_code_hash)
        .values(reset_code_hash=None, reset_code_expires=None, must_change_password=True)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    ).first()
    session.expire(user, ["reset_code_hash", "reset_code_expires", "must_change_password"])
    if row is not None:
        audit.record(session, access.actor_of(user), "use_reset_code", "user", user.id)
    return row is not None


# --- The second factor (TOTP, RFC 6238) --------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def is_totp_secret(secret: str) -> bool:
    """A key as `new_totp_secret` makes them (a page's hidden field may come back tampered)."""
    return re.fullmatch(r"[A-Z2-7]{32}", secret) is not None


def totp_uri(secret: str, username: str) -> str:
    """The otpauth:// address an authenticator app reads (typed or as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def _matching_step(secret: str, code: str) -> int | None:
    """The time step near now whose code this is, if any."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time() // totp.interval)
    for step in range(now - TOTP_DRIFT, now + TOTP_DRIFT + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _take_code(session: Session, user: User, code: str) -> bool:
    """The code is right and newer than the last one taken (a code is good once)."""
    stored = user.totp_secret or ""
    secret = sealing.secret_of(session, user.id, stored) if stored else None
    step = _matching_step(secret, code) if secret else None
    if step is None:
        return False
    values: dict = {"totp_last_step": step}
    if not sealing.is_sealed(stored):  # kept in clear before sealing: sealed at this use
        values["totp_secret"] = sealing.sealed_for(session, user.id, stored)
    row = session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(values)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    ).first()
    session.expire(user, ["totp_last_step", "totp_secret"])
    return row is not None


def enrol_second_factor(
    session: Session, actor: Actor, password: str, secret: str, code: str
) -> None:
    """Turn on the authenticator code for the actor's own account: their password again (a
    wrong one counts towards the lock-out), and a code from the app proving it holds `secret`."""
    user = session.get(User, actor.user_id)
    if user is None:
        raise Unauthenticated("log in")
    if user.totp_secret is not None:
        raise Conflict("the authenticator app is already set up for this account")
    if not _check(user.password_hash, password):
        _failed(session, user, datetime.now())
        raise Invalid("password", "this is not your password")
    if not is_totp_secret(secret):  # the page's hidden field was tampered with
        raise Invalid("secret", "start again from the page: the key is not valid")
    step = _matching_step(secret, code)
    if step is None:
        raise Invalid(
            "code",
            "this is not the code the app shows now: check the key was typed in full, and that "
            "the phone's clock is right",
        )
    user.totp_secret = sealing.sealed_for(session, user.id, secret)
    user.totp_last_step = step
    audit.record(session, actor, "enrol_second_factor", "user", user.id)


# --- The user's own password -------------------------------------------------------------------


def change_password(
    session: Session,
    actor: Actor,
    current: str,
    new: str,
    confirm: str,
    keep: str | None = None,
) -> None:
    """The actor chooses their own password. The current one is asked for (a wrong one counts
    towards the lock-out) unless they signed in with a reset code and must choose one now. Every
    other session of theirs ends; `keep` is the secret of the one they are using."""
    user = session.get(User, actor.user_id)
    if user is None:
        raise Unauthenticated("log in")
    if not user.must_change_password and not _check(user.password_hash, current):
        _failed(session, user, datetime.now())
        raise Invalid("current_password", "this is not your current password")
    passwords.check(new, user.username, field="new_password")
    if new != confirm:
        raise Invalid("confirm", "type the same new password twice")
    if not user.must_change_password and current == new:
        raise Invalid("new_password", "choose a password other than your current one")
    user.password_hash = hasher.hash(new)
    user.must_change_password = False
    user.reset_code_hash = user.reset_code_expires = None
    revoke_all(session, user.id, keep=keep)
    audit.record(session, actor, "change_password", "user", user.id)


# --- What a signed-in user must set up first ---------------------------------------------------


def setup_needed(user: User) -> SetUpRequired | None:
    """Why `user` may do nothing but set up their sign-in yet, if so."""
    if user.must_change_password:
        return SetUpRequired(
            f"choose your own password first, on the page {PASSWORD_PAGE}", PASSWORD_PAGE
        )
    if user.totp_secret is None and Role(user.role) in roles_requiring_code():
        return SetUpRequired(
            "your role signs in with a code from an authenticator app: set it up first, on the "
            f"page {SECOND_FACTOR_PAGE}",
            SECOND_FACTOR_PAGE,
        )
    return None


# --- Tokens ------------------------------------------------------------------------------------


def issue_token(session: Session, user: User, kind: str) -> str:
    """A new secret for a web session, a system's bearer token or the step between password and
    code; only its hash is stored."""
    secret = secrets.token_urlsafe(32)
    now = datetime.now()
    session.add(
        AuthToken(
            token_hash=_digest(secret),
            kind=kind,
            user_id=user.id,
            created_at=now,
            expires_at=now + LIFETIME[kind],
            last_seen_at=now,
        )
    )
    session.flush()
    return secret


def user_for_token(session: Session, secret: str, kind: str) -> User | None:
    """The user of a live token: not revoked, not expired and, a web session, not left unused
    for `idle_time_out()`. A web session's use is written (in the caller's transaction) when the
    last written is over SEEN_EVERY old: not one write per request."""
    now = datetime.now()
    query = (
        select(User, AuthToken.id, AuthToken.last_seen_at)
        .join(AuthToken, AuthToken.user_id == User.id)
        .where(
            AuthToken.token_hash == _digest(secret),
            AuthToken.kind == kind,
            AuthToken.revoked.is_(False),
            AuthToken.expires_at > now,
            User.disabled.is_(False),
        )
    )
    if kind == "session":
        query = query.where(AuthToken.last_seen_at > now - idle_time_out())
    found = session.execute(query).one_or_none()
    if found is None:
        return None
    user, token_id, last_seen = found
    if kind == "session" and last_seen <= now - SEEN_EVERY:
        session.execute(
            update(AuthToken)
            .where(AuthToken.id == token_id, AuthToken.last_seen_at <= now - SEEN_EVERY)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
    return user


def ended_unused(session: Session, secret: str) -> bool:
    """Did this web session end because it was left unused for `idle_time_out()`? If so it is
    revoked now, so that the sign-in page says so once."""
    now = datetime.now()
    row = session.execute(
        update(AuthToken)
        .where(
            AuthToken.token_hash == _digest(secret),
            AuthToken.kind == "session",
            AuthToken.revoked.is_(False),
            AuthToken.expires_at > now,
            AuthToken.last_seen_at <= now - idle_time_out(),
        )
        .values(revoked=True)
        .returning(AuthToken.user_id)
        .execution_options(synchronize_session=False)
    ).first()
    if row is not None:
        audit.record(session, None, "session_idle", "user", row.user_id)
    return row is not None


def sign_out(session: Session, secret: str) -> None:
    """End the web session whose secret this is, recorded as its user's `logout` (a secret that
    signs no one in ends nothing and is not recorded)."""
    row = session.execute(
        update(AuthToken)
        .where(
            AuthToken.token_hash == _digest(secret),
            AuthToken.kind == "session",
            AuthToken.revoked.is_(False),
        )
        .values(revoked=True)
        .returning(AuthToken.user_id)
        .execution_options(synchronize_session=False)
    ).first()
    user = session.get(User, row.user_id) if row is not None else None
    if user is not None:
        audit.record(session, access.actor_of(user), "logout", "user", user.id)


def actor_for_token(
    session: Session, secret: str, kind: str, setting_up: bool = False
) -> Actor | None:
    """The caller this token signs in, or None. Raises `SetUpRequired` while the user must
    choose a password or enrol a second factor, unless the request is `setting_up` that."""
    user = user_for_token(session, secret, kind)
    if user is None:
        return None
    pending = None if setting_up else setup_needed(user)
    if pending is not None:
        raise pending
    return access.actor_of(user)


def revoke(session: Session, secret: str) -> None:
    session.execute(
        update(AuthToken).where(AuthToken.token_hash == _digest(secret)).values(revoked=True)
    )


def revoke_all(session: Session, user_id: int, keep: str | None = None) -> None:
    """End every token of the user (but the one whose secret is `keep`, if given)."""
    query = update(AuthToken).where(AuthToken.user_id == user_id)
    if keep is not None:
        query = query.where(AuthToken.token_hash != _digest(keep))
    session.execute(query.values(revoked=True))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
