"""The demo's "during" stage: a few children missing now, so that the control room, the open
episodes, the carer's flowchart and the home pages have live work on them.

Each episode is made through the same service calls as the pages (carer's check and report, risk
assessment with its tasks, the control room's decision, a sighting), at times a little before now,
so the audit trail, the tasks and the reminders are what real use would leave.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from misper.app.access import Actor
from misper.app.children.models import Child
from misper.app.db import make_engine, session_factory, transaction
from misper.app.episodes import service as episodes
from misper.app.episodes.sightings import add_sighting_or_update
from misper.app.flowchart import service as flowchart
from misper.app.groups import service as groups
from misper.app.placements.models import Home, Placement
from misper.app.tasks import service as tasks
from misper.app.triage import service as triage
from misper.app.users.models import Role, User


def _actor(session, username: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    return Actor(user.id, user.username, Role(user.role), user.agency_id, user.agency.kind)


def _give_age(child: Child, age: int, now: datetime) -> None:
    """Synthetic children carry an age per episode, not a birth date: the demo gives one."""
    if child.date_of_birth is None:
        child.date_of_birth = date(now.year - age, 3, 1)


def _placed_children(session, provider_id: int, count: int) -> list[Child]:
    """Children placed now in the provider's homes, the most often missing first."""
    return list(
        session.scalars(
            select(Child)
            .join(Placement, Placement.child_id == Child.id)
            .join(Home, Home.id == Placement.home_id)
            .where(Home.provider_id == provider_id, Placement.end_date.is_(None))
            .order_by(Child.id)
            .limit(count)
        )
    )


def _children_at_home(session, force_id: int, count: int) -> list[Child]:
    placed = select(Placement.child_id).where(Placement.end_date.is_(None))
    return list(
        session.scalars(
            select(Child)
            .where(
                Child.in_care.in_(["no", "unknown"]) | Child.in_care.is_(None),
                Child.id.not_in(placed),
            )
            .order_by(Child.id.desc())
            .limit(count)
        )
    )


def seed_during_stage(
    database_url: str, care_user: str, control_user: str, now: datetime | None = None
) -> dict[str, int]:
    """Children missing now: reported by the home through the flowchart, or by a parent to the
    police; triaged; one delayed with its review due, one deployed with tasks under way."""
    now = (now or datetime.now()).replace(second=0, microsecond=0)
    engine = make_engine(database_url)
    made = {"episodes": 0, "checks": 0, "groups": 0}
    try:
        with transaction(session_factory(engine)) as session:
            carer, control = _actor(session, care_user), _actor(session, control_user)
            placed = _placed_children(session, carer.agency_id, 2)
            at_home = _children_at_home(session, control.agency_id, 2)
            for child, age in zip(placed + at_home, (15, 14, 16, 13), strict=False):
                _give_age(child, age, now)
            session.flush()
            if placed:
                made["episodes"] += _reported_by_home(session, carer, control, placed[0], now)
            if len(placed) > 1:
                made["checks"] += _check_under_way(session, carer, placed[1], now)
            for child, hours, level in zip(at_home, (5, 26), ("high", "low"), strict=False):
                made["episodes"] += _reported_by_parent(session, control, child, now, hours, level)
            if placed and at_home:
                made["groups"] = _rival_groups(session, control, placed[0], at_home[0])
    finally:
        engine.dispose()
    return made


def _reported_by_home(session, carer: Actor, control: Actor, child: Child, now: datetime) -> int:
    """The carer's flowchart followed and a report made; the control room delays with a review
    time that has now passed, so the reminder fires."""
    started = now - timedelta(hours=2, minutes=30)
    check = flowchart.start_check(
        session, carer, child.pid, started - timedelta(minutes=30), now=started
    )
    for minutes, step in (
        (5, "call_child"),
        (15, "contact_friends_family"),
        (30, "search_home"),
        (50, "check_places_frequented"),
    ):
        at = started + timedelta(minutes=minutes)
        flowchart.record_step(session, carer, check.id, step, "no_contact", at, None, now=at)
    reported = started + timedelta(hours=1)
    episode, _ = flowchart.report_to_police(session, carer, check.id, now=reported)
    triage.assess_risk(
        session,
        control,
        episode.rid,
        "medium",
        ["vulnerable"],
        "Known to return late; no contact for an hour and a half; no risk "
        "indicators beyond the profile's.",
    )
    decided = reported + timedelta(minutes=10)
    triage.decide(
        session,
        control,
        episode.rid,
        "delay",
        now - timedelta(minutes=20),
        "Previous episodes from the home ended within four hours by return; "
        "review after the home's next calls.",
        now=decided,
    )
    triage.remind_due_reviews(session, now)
    return 1


def _check_under_way(session, carer: Actor, child: Child, now: datetime) -> int:
    """A child late back: the carer has made the first calls and keeps trying."""
    started = now - timedelta(minutes=25)
    check = flowchart.start_check(
        session, carer, child.pid, started - timedelta(minutes=10), now=started
    )
    at = started + timedelta(minutes=5)
    flowchart.record_step(
        session, carer, check.id, "call_child", "no_contact", at, "voicemail", now=at
    )
    return 1


def _reported_by_parent(
    session, control: Actor, child: Child, now: datetime, hours: int, level: str
) -> int:
    reported = now - timedelta(hours=hours)
    episode, _ = episodes.report_missing(
        session,
        control,
        pid=child.pid,
        child=None,
        fields={
            "reported_at": reported,
            "last_seen_at": reported - timedelta(hours=2),
            "missing_from_type": "home",
            "circumstances_text": "Parent called: did not come home from school; phone off.",
        },
    )
    flags = ["cse", "vulnerable"] if level == "high" else []
    triage.assess_risk(
        session,
        control,
        episode.rid,
        level,
        flags,
        "Seen with older males at the station last month."
        if flags
        else "Has gone to a friend's before and come back the next morning.",
    )
    triage.decide(
        session,
        control,
        episode.rid,
        "deploy" if level == "high" else "defer",
        None,
        "Risk indicators present: deploy now."
        if flags
        else "Parent keeps calling friends; police review in the morning.",
    )
    if level == "high":
        first = tasks.list_tasks(session, control, episode.rid)[0]  # the oldest: listed by id
        tasks.complete(session, control, first.id, contributed=False, now=now)
        add_sighting_or_update(
            session,
            control,
            episode.rid,
            "sighting",
            "Seen by a bus driver heading towards the town centre",
            "AL1 3",
        )
    return 1


def _rival_groups(session, police: Actor, resident: Child, outsider: Child) -> int:
    """Two rival groups, a resident of the home linked to one and a child at home to the other:
    the council's placement check of that child into the home then finds the rival-group link."""
    north = groups.add_group(session, police, "Northside (demo)", "St Albans")
    south = groups.add_group(session, police, "Southside (demo)", "Hatfield")
    groups.add_rivalry(session, police, north.id, south.id)
    groups.link_child(session, police, resident.pid, north.id, "Seen with members (demo)")
    groups.link_child(session, police, outsider.pid, south.id, "Named in a stop search (demo)")
    return 2
