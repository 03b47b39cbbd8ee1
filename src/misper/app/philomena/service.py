"""Reading a child's Philomena profile and saving a new version of it (old versions are kept)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.audit import service as audit
from misper.app.children.service import visible_child
from misper.app.philomena.models import PhilomenaProfile


def profile_history(session: Session, actor: Actor, pid: str) -> list[PhilomenaProfile]:
    """Every version, newest first."""
    access.require(actor, "philomena", "read")
    child = visible_child(session, actor, pid, scope=access.profiles)
    audit.record(session, actor, "read", "philomena_profile", child_id=child.id)
    return list(session.scalars(select(PhilomenaProfile).where(PhilomenaProfile.child_id == child.id)
                                .order_by(PhilomenaProfile.version.desc())))


def save_profile(session: Session, actor: Actor, pid: str, content: dict) -> PhilomenaProfile:
    access.require(actor, "philomena", "create")
    child = visible_child(session, actor, pid, scope=access.profiles)
    last = session.scalar(select(PhilomenaProfile.version).where(PhilomenaProfile.child_id == child.id)
                          .order_by(PhilomenaProfile.version.desc()).limit(1))
    profile = PhilomenaProfile(child_id=child.id, version=(last or 0) + 1, content=content,
                               created_by=actor.user_id, created_by_agency_id=actor.agency_id,
                               created_at=datetime.now())
    session.add(profile)
    session.flush()
    audit.record(session, actor, "create", "philomena_profile", profile.id, child_id=child.id,
                 detail={"version": profile.version, "fields": sorted(content)})
    return profile
