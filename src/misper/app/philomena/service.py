"""Reading a child's Philomena profile and saving a new version of it (old versions are kept)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor, visible_child
from misper.app.audit import service as audit
from misper.app.errors import Invalid
from misper.app.philomena.models import PhilomenaProfile

MAX_AGREED_WAIT = 24 * 60  # minutes: a longer wait is no longer "late"; the plan should say report


def profile_history(session: Session, actor: Actor, pid: str) -> list[PhilomenaProfile]:
    """Every version, newest first: of a child in the caller's scope, or of another force's child
    shared with the caller's force (a record request answered, or the caller's break-glass)."""
    access.require(actor, "philomena", "read")
    child = visible_child(session, actor, pid, scope=access.readable_profiles)
    audit.record(session, actor, "read", "philomena_profile", child_id=child.id)
    return list(
        session.scalars(
            select(PhilomenaProfile)
            .where(PhilomenaProfile.child_id == child.id)
            .order_by(PhilomenaProfile.version.desc())
        )
    )


def check_agreed_wait(minutes) -> int | None:
    """The agreed wait in minutes (0 to 24 hours), or None for none."""
    if minutes is None:
        return None
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not 0 <= minutes <= MAX_AGREED_WAIT
    ):
        raise Invalid(
            "agreed_wait_minutes",
            f"enter a whole number of minutes from 0 to {MAX_AGREED_WAIT} (24 hours)",
        )
    return minutes


def agreed_wait(session: Session, child_id: int) -> int | None:
    """The agreed wait of the child's current profile (the caller has been allowed the child)."""
    return session.scalar(
        select(PhilomenaProfile.agreed_wait_minutes)
        .where(PhilomenaProfile.child_id == child_id)
        .order_by(PhilomenaProfile.version.desc())
        .limit(1)
    )


def save_profile(
    session: Session, actor: Actor, pid: str, content: dict, agreed_wait_minutes: int | None = None
) -> PhilomenaProfile:
    """A new version: the content and agreed wait as given (what is left out is no longer held)."""
    access.require(actor, "philomena", "create")
    agreed_wait_minutes = check_agreed_wait(agreed_wait_minutes)
    child = visible_child(session, actor, pid, scope=access.profiles)
    last = session.scalar(
        select(PhilomenaProfile.version)
        .where(PhilomenaProfile.child_id == child.id)
        .order_by(PhilomenaProfile.version.desc())
        .limit(1)
    )
    profile = PhilomenaProfile(
        child_id=child.id,
        version=(last or 0) + 1,
        content=content,
        agreed_wait_minutes=agreed_wait_minutes,
        created_by=actor.user_id,
        created_by_agency_id=actor.agency_id,
        created_at=datetime.now(),
    )
    session.add(profile)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "philomena_profile",
        profile.id,
        child_id=child.id,
        detail={
            "version": profile.version,
            "fields": sorted(content),
            "agreed_wait_minutes": agreed_wait_minutes,
        },
    )
    return profile
