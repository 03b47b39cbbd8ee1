"""A Philomena profile's completeness and review: what is missing, when the review is due (every
90 days and on any placement change), saving a reviewed version, and reminding the care home."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor, visible_child
from misper.app.audit import service as audit
from misper.app.children import photos
from misper.app.children.models import Child
from misper.app.children.service import check_date_of_birth, set_date_of_birth
from misper.app.errors import Invalid
from misper.app.notifications.service import notify
from misper.app.philomena import service as profiles
from misper.app.philomena.models import PhilomenaProfile, ProfileReminder
from misper.app.placements.models import Home, Placement
from misper.process.config import PhilomenaRules, default_config
from misper.process.philomena import FIELDS, completeness, review_due

MAX_LENGTH = 4_000


@dataclass(frozen=True)
class ProfileStatus:
    pid: str
    version: int | None
    content: dict
    share: float  # 0-1
    missing: list[str]
    last_reviewed: datetime | None
    due: datetime  # when the next review is due (never reviewed: from the placement's start)
    agreed_wait_minutes: int | None = None  # the risk plan's wait before reporting, if agreed
    date_of_birth: date | None = None  # the child's record's, the one source of it
    has_photo: bool = False

    def overdue(self, now: datetime) -> bool:
        return self.due <= now


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def _last_placement_change(session: Session, child_id: int) -> datetime | None:
    day = session.scalar(
        select(func.max(Placement.start_date)).where(Placement.child_id == child_id)
    )
    return _midnight(day) if day else None


def _due(
    last_reviewed: datetime | None,
    changed: datetime | None,
    created: datetime,
    rules: PhilomenaRules,
) -> datetime:
    due = review_due(
        pd.Timestamp(last_reviewed) if last_reviewed else None,
        pd.Timestamp(changed) if changed else None,
        rules,
    )
    return due.to_pydatetime() if due is not None else (changed or created)


def profile_status(
    session: Session, actor: Actor, pid: str, rules: PhilomenaRules | None = None
) -> ProfileStatus:
    rules = rules or default_config().philomena_profile
    versions = profiles.profile_history(session, actor, pid)
    child = visible_child(session, actor, pid, scope=access.readable_profiles)
    latest = versions[0] if versions else None
    content = dict(latest.content) if latest else {}
    share, missing = completeness(content)
    reviewed = latest.created_at if latest else None
    return ProfileStatus(
        pid,
        latest.version if latest else None,
        content,
        share,
        missing,
        reviewed,
        _due(reviewed, _last_placement_change(session, child.id), child.created_at, rules),
        latest.agreed_wait_minutes if latest else None,
        child.date_of_birth,
        photos.has_photo(session, child.id),
    )


UNCHANGED = object()  # save_review's date of birth when the form did not carry one


def save_review(
    session: Session,
    actor: Actor,
    pid: str,
    values: dict[str, str],
    date_of_birth: Any = UNCHANGED,
    photo: bytes | None = None,
) -> PhilomenaProfile:
    """Save the profile as reviewed now (a new version, even when nothing changed: the review is
    what restarts the 90 days). Every field is optional; an unknown or over-long one is refused,
    and so is an agreed wait that is not a whole number of minutes from 0 to 24 hours.

    The profile also holds who the child is: `date_of_birth` (a date, or None for not known) is
    written to the child's record, the one place it is held; `photo` (the file's bytes) becomes
    the child's photo. Both are checked before anything is written."""
    access.require(actor, "philomena", "create")
    child = visible_child(session, actor, pid, scope=access.profiles)
    refused: list[dict] = []  # both identity fields' problems at once, each beside its field
    thumb = None
    try:
        if date_of_birth is not UNCHANGED and date_of_birth not in (None, child.date_of_birth):
            check_date_of_birth(date_of_birth)  # one imported before is kept as it is
    except Invalid as exc:
        refused += exc.fields
    try:
        thumb = photos.thumbnail(photo) if photo else None
    except Invalid as exc:
        refused += exc.fields
    if refused:
        error = Invalid(refused[0]["field"], refused[0]["message"])
        error.fields = refused
        raise error
    content, wait = {}, (values.get("agreed_wait_minutes") or "").strip()
    if wait and not (wait.isascii() and wait.isdigit() and len(wait) <= 5):
        raise Invalid("agreed_wait_minutes", "enter a whole number of minutes, for example 30")
    for key, value in values.items():
        if key == "agreed_wait_minutes":
            continue
        if key not in FIELDS:
            raise Invalid(key, "not a field of the Philomena profile")
        if len(value) > MAX_LENGTH:
            raise Invalid(key, f"must be at most {MAX_LENGTH} characters")
        if "\x00" in value:
            raise Invalid(key, "must not contain NUL characters")
        if value.strip():
            content[key] = value.strip()
    profile = profiles.save_profile(session, actor, pid, content, int(wait) if wait else None)
    if date_of_birth is not UNCHANGED:
        set_date_of_birth(session, actor, child, date_of_birth)
    if thumb is not None:
        photos.keep_photo(session, actor, child, thumb)
    return profile


def remind_reviews(session: Session, now: datetime, rules: PhilomenaRules | None = None) -> int:
    """Tell the care home of each child placed with it whose profile review is due, once per due
    time. Idempotent: the worker and page loads may call it."""
    rules = rules or default_config().philomena_profile
    latest = (
        select(PhilomenaProfile.child_id, func.max(PhilomenaProfile.created_at).label("at"))
        .group_by(PhilomenaProfile.child_id)
        .subquery()
    )
    changed = (
        select(Placement.child_id, func.max(Placement.start_date).label("day"))
        .group_by(Placement.child_id)
        .subquery()
    )
    rows = session.execute(
        select(Child, Home.provider_id, latest.c.at, changed.c.day)
        .join(Placement, Placement.child_id == Child.id)
        .join(Home, Home.id == Placement.home_id)
        .join(changed, changed.c.child_id == Child.id)
        .outerjoin(latest, latest.c.child_id == Child.id)
        .where(Placement.end_date.is_(None))
    ).all()
    sent = 0
    for child, provider_id, reviewed, day in rows:
        due = _due(reviewed, _midnight(day), child.created_at, rules)
        if (
            due > now
            or session.scalar(
                select(ProfileReminder.id).where(
                    ProfileReminder.child_id == child.id, ProfileReminder.due_at == due
                )
            )
            is not None
        ):
            continue
        what = "review" if reviewed else "first profile"
        notify(
            session,
            provider_id,
            f"Philomena profile {what} due for child {child.pid} (since {due:%d %b %Y})",
            link=f"/children/{child.pid}/profile",
        )
        session.add(ProfileReminder(child_id=child.id, due_at=due, notified_at=now))
        audit.record(session, None, "review_due", "philomena_profile", child_id=child.id)
        sent += 1
    session.flush()
    return sent
