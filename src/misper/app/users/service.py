"""Managing users: add, disable, reset their sign-in. Roles must fit the user's agency; an
administrator manages their own agency's users only and never chooses or sees a password: a new
or reset account gets a one-time code to pass on, and its user then chooses their own password."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.agencies.models import Agency, AgencyKind
from misper.app.audit import service as audit
from misper.app.auth import passwords
from misper.app.auth.service import hasher, new_reset_code, revoke_all
from misper.app.errors import Conflict, Forbidden, Invalid, NotFound
from misper.app.users.models import ROLE_AGENCY_KINDS, Role, User

OWN_AGENCY_ONLY = "an administrator manages the users of their own agency only"


def add_user(
    session: Session,
    actor: Actor | None,
    *,
    username: str,
    role: str,
    agency: str,
    display_name: str | None = None,
    password: str | None = None,
) -> tuple[User, str | None]:
    """Create a user; returns it with a one-time reset code to pass on (shown once), with which
    they sign in and choose their password. Only the operator's command line (actor None) may
    give a password instead, for a first administrator or the demo; then the code is None."""
    if actor is not None:
        access.require(actor, "users", "create")
        if password is not None:
            raise Invalid("password", "an administrator never chooses a user's password")
    try:
        role_ = Role(role)
    except ValueError:
        raise Invalid("role", f"one of {', '.join(r.value for r in Role)}") from None
    agency_ = session.scalar(select(Agency).where(Agency.name == agency))
    if agency_ is None:
        raise NotFound(f"agency {agency!r}")
    if actor is not None and not access.manages_agency(actor, agency_.id):
        raise Forbidden(f"users.create in another agency ({OWN_AGENCY_ONLY})")
    if AgencyKind(agency_.kind) not in ROLE_AGENCY_KINDS[role_]:
        raise Invalid("role", f"a {role_.value} cannot belong to a {agency_.kind} agency")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"username {username!r} is taken")
    if password is not None:
        check_password(password, username)
    user = User(
        username=username,
        display_name=display_name or username,
        role=role_.value,
        agency_id=agency_.id,
        password_hash="",
        created_at=datetime.now(),
    )
    code = None
    if password is None:
        code = new_reset_code(user)
    else:
        user.password_hash = hasher.hash(password)
    session.add(user)
    session.flush()
    audit.record(session, actor, "create", "user", user.id, detail={"role": role_.value})
    return user, code


def check_password(password: str, username: str | None = None) -> None:
    """Refuse a short or common password, or one containing the username (`Invalid`)."""
    passwords.check(password, username)


def _user(session: Session, actor: Actor | None, username: str) -> User:
    """The user, if the actor manages them (the command line manages all); else NotFound."""
    query = select(User).where(User.username == username)
    if actor is not None:
        query = query.where(access.users(actor))
    user = session.scalar(query)
    if user is None:
        raise NotFound(f"user {username!r}")
    return user


def disable_user(session: Session, actor: Actor | None, username: str) -> User:
    """Stop the user signing in; every token of theirs stops working."""
    if actor is not None:
        access.require(actor, "users", "update")
    user = _user(session, actor, username)
    user.disabled = True
    revoke_all(session, user.id)
    audit.record(session, actor, "disable", "user", user.id)
    return user


def reset_sign_in(session: Session, actor: Actor | None, username: str) -> tuple[User, str]:
    """A one-time reset code for the user (returned once, to pass on); their old password stops
    working, the lock-out is cleared, the account enabled and every token of theirs ended."""
    if actor is not None:
        access.require(actor, "users", "update")
    user = _user(session, actor, username)
    code = new_reset_code(user)
    user.failed_logins, user.locked_until, user.disabled = 0, None, False
    revoke_all(session, user.id)
    audit.record(session, actor, "reset_password", "user", user.id)
    return user, code


def set_password(session: Session, username: str, password: str) -> User:
    """The operator's command line only: set a password (a first administrator, the demo, a
    user locked out of everything); clears a reset, a lock-out, and re-enables the user."""
    user = _user(session, None, username)
    check_password(password, username)
    user.password_hash = hasher.hash(password)
    user.must_change_password = False
    user.reset_code_hash = user.reset_code_expires = None
    user.failed_logins, user.locked_until, user.disabled = 0, None, False
    revoke_all(session, user.id)
    audit.record(session, None, "set_password", "user", user.id)
    return user


def remove_second_factor(session: Session, username: str) -> User:
    """The operator's command line only: a user who lost their authenticator enrols again at
    their next sign-in (or may go without, if their role does not need one)."""
    user = _user(session, None, username)
    user.totp_secret = user.totp_last_step = None
    revoke_all(session, user.id)
    audit.record(session, None, "remove_second_factor", "user", user.id)
    return user


def list_users(session: Session, actor: Actor, offset: int = 0, limit: int = 100) -> list[User]:
    """The users the actor manages: their own agency's."""
    access.require(actor, "users", "list")
    users = list(
        session.scalars(
            select(User)
            .where(access.users(actor))
            .order_by(User.username)
            .offset(offset)
            .limit(limit)
        )
    )
    audit.record(session, actor, "list", "user", detail={"offset": offset, "rows": len(users)})
    return users
