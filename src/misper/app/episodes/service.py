"""Missing episodes: report, change with optimistic locking, risk, decisions, tasks, sightings,
links."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from misper.app import access
from misper.app.access import Actor, pid_of, visible_child, visible_episode
from misper.app.audit import service as audit
from misper.app.children.models import Child
from misper.app.children.service import age_on, create_child
from misper.app.episodes.models import (
    Associate,
    ControlRoomDecision,
    Episode,
    EpisodeAssociate,
    EpisodeLink,
    EpisodeUpdate,
    RiskAssessment,
)
from misper.app.errors import AlreadyOpen, Conflict, Invalid, NotFound
from misper.app.escalation.automatic import escalate
from misper.app.notifications.service import notify
from misper.app.placements.models import Home, Placement
from misper.app.tasks.models import Task
from misper.process.config import default_config


def new_rid() -> str:
    return "E" + secrets.token_hex(8)


# The list's sort keys and their columns.
LIST_SORTS = {
    "episode": Episode.rid,
    "child": Child.pid,
    "reported": Episode.reported_at,
    "missing_from": Episode.missing_from_type,
    # by how grave: no apparent risk, absent, low, medium, high; unknown and unassessed last
    "risk": case(
        {r: i for i, r in enumerate(("no_apparent_risk", "absent", "low", "medium", "high"))},
        value=Episode.risk_final,
        else_=None,
    ),
    "found": Episode.found_at,
}


def list_episodes(
    session: Session,
    actor: Actor,
    *,
    open_only: bool | None,
    pid: str | None,
    reported_from: datetime | None,
    reported_to: datetime | None,
    risk: str | None,
    offset: int,
    limit: int,
    sort: str = "reported",
    descending: bool = True,
) -> tuple[list[tuple[Episode, str]], int]:
    """The episodes in the caller's scope, sorted by a key of `LIST_SORTS` (newest first unless
    asked otherwise; blanks last, ties newest first)."""
    access.require(actor, "episodes", "list")
    if sort not in LIST_SORTS:
        raise Invalid("sort", f"sort by one of: {', '.join(LIST_SORTS)}")
    column = LIST_SORTS[sort]
    first = (column.desc() if descending else column.asc()).nulls_last()
    query = (
        select(Episode, Child.pid)
        .join(Child, Child.id == Episode.child_id)
        .where(access.episodes(actor), Episode.merged_into_id.is_(None))
    )
    if open_only is not None:
        query = query.where(
            Episode.found_at.is_(None) if open_only else Episode.found_at.is_not(None)
        )
    if pid:
        query = query.where(Child.pid == pid)
    if reported_from:
        query = query.where(Episode.reported_at >= reported_from)
    if reported_to:
        query = query.where(Episode.reported_at < reported_to)
    if risk:
        query = query.where(Episode.risk_final == risk)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(
        session.execute(
            query.order_by(first, Episode.reported_at.desc(), Episode.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
    )
    audit.record(session, actor, "list", "episode", detail={"ids": [e.id for e, _ in rows]})
    return rows, total


def read_episode(session: Session, actor: Actor, rid: str) -> tuple[Episode, str]:
    access.require(actor, "episodes", "read")
    episode = visible_episode(session, actor, rid)
    audit.record(session, actor, "read", "episode", episode.id, child_id=episode.child_id)
    return episode, pid_of(session, episode)


def report_missing(
    session: Session, actor: Actor, *, pid: str | None, child: dict | None, fields: dict
) -> tuple[Episode, str]:
    """Open an episode. Care staff report a child living in one of their homes (the home's force
    takes it); police report a child their force already holds (`access.children`), or a child it
    does not by the child's details, which open a record of the force's own. Another force's
    child answers as absent: its record is reached by a request or a break-glass, never by a
    report (children.requests)."""
    access.require(actor, "episodes", "create")
    if (pid is None) == (child is None):
        raise Invalid("pid", "give either the pid of a known child or the details of a new one")
    access.check_writes(actor, "episode", fields)
    if pid is not None:
        record = visible_child(session, actor, pid)
    elif access.may_report_new_child(actor):
        record = create_child(session, actor, responsible_council_id=None, **child)
    else:
        raise Invalid("child", "care staff report children placed in their homes, by pid")
    if pid is not None:
        _refuse_second_report(session, actor, record.id)
    home = _current_home(session, record.id)
    force_id = access.reporting_force(actor, home)
    if force_id is None:
        raise NotFound("child")
    fields.setdefault("age", age_on(record.date_of_birth, fields["reported_at"]))
    if fields["age"] is None:
        raise Invalid("age", "needed when the child's date of birth is not recorded")
    from_home = home is not None and fields.get("missing_from_type") == "care_home"
    if from_home:  # the sector the reporter gives, else the home's
        fields.setdefault("missing_from_postcode_sector", home.postcode_sector)
    episode = Episode(
        rid=new_rid(),
        child_id=record.id,
        force_id=force_id,
        reported_by_agency_id=actor.agency_id,
        home_id=home.id if from_home else None,
        links_recorded=False,
        associates_recorded=False,
        updated_at=datetime.now(),
        record_type="missing_report",
        gender=record.gender,
        ethnic_appearance=record.ethnic_appearance,
        in_care=record.in_care,
        missing_from_place_id=home.place_id if from_home else None,
        risk_final=fields.get("risk_initial"),
        narratives_count=0,
        tasks_count=0,
        **fields,
    )
    session.add(episode)
    session.flush()
    audit.record(session, actor, "create", "episode", episode.id, child_id=record.id)
    if actor.agency_id != force_id:
        notify(session, force_id, f"Child reported missing: episode {episode.rid}", episode.id)
    escalate(session, actor, episode)  # the escalation rules apply on a new episode as on closing
    return episode, record.pid


def open_episode_of(session: Session, actor: Actor, child_id: int) -> Episode | None:
    """The child's open episode the caller may see (the oldest, should there be duplicates)."""
    return session.scalar(
        select(Episode)
        .where(
            Episode.child_id == child_id,
            Episode.found_at.is_(None),
            Episode.merged_into_id.is_(None),
            access.episodes(actor),
        )
        .order_by(Episode.reported_at, Episode.id)
        .limit(1)
    )


def _refuse_second_report(session: Session, actor: Actor, child_id: int) -> None:
    """One report per episode: a child already missing is not reported again; the reporter is
    sent to the open episode. One the reporter may not see (another force's) is never told of:
    the report goes ahead, and the forces merge the two once they find each other's."""
    episode = open_episode_of(session, actor, child_id)
    if episode is not None:
        raise AlreadyOpen(already_reported(episode), episode.rid)


def already_reported(episode: Episode) -> str:
    """What the reporter of a child already missing is told."""
    return (
        f"already reported missing at {episode.reported_at:%H:%M} on "
        f"{episode.reported_at:%d %b %Y} (episode {episode.rid}): add what you know to it"
    )


def _current_home(session: Session, child_id: int) -> Home | None:
    return session.scalar(
        select(Home)
        .join(Placement, Placement.home_id == Home.id)
        .where(Placement.child_id == child_id, Placement.end_date.is_(None))
        .order_by(Placement.start_date.desc())
        .limit(1)
    )


def refuse_future(field: str, what: str, value: datetime | None) -> None:
    """Refuse a time of something that has happened when it lies ahead of now by more than the
    clock skew the process allows (`time_limits.clock_skew_minutes`: a phone running fast)."""
    skew = timedelta(minutes=default_config().time_limits.clock_skew_minutes)
    if value is not None and value > datetime.now() + skew:
        raise Invalid(field, f"{what} cannot be in the future")


def refuse_late_review(review_at: datetime, now: datetime) -> None:
    """A delayed report is reviewed soon: after now, and within the force's policy's maximum
    (`time_limits.delay_review_max_hours`)."""
    hours = default_config().time_limits.delay_review_max_hours
    if review_at <= now:
        raise Invalid("review_at", "The review time must be later than now")
    if review_at > now + timedelta(hours=hours):
        raise Invalid(
            "review_at",
            f"The review time must be within {hours:g} hours of now "
            f"(by {now + timedelta(hours=hours):%d %b %Y %H:%M})",
        )


def update_episode(
    session: Session,
    actor: Actor,
    rid: str,
    version: int,
    changes: dict,
    derived: dict | None = None,
) -> tuple[Episode, str]:
    """Change fields of an episode the caller last read at `version`. If someone changed it since,
    raise Conflict and change nothing: the caller must read it again and re-apply.

    Every field of `changes` must be the caller's to write (`access.FIELD_WRITERS`); `derived`
    holds what the store worked out from them (a distance from two sectors), written with them."""
    access.require(actor, "episodes", "update")
    access.check_writes(actor, "episode", changes)
    changes = {**changes, **(derived or {})}
    episode = visible_episode(session, actor, rid)
    if episode.version != version:
        raise Conflict(
            f"episode {rid} was changed by someone else (now version {episode.version}, "
            f"you had {version}); reload it and apply your change again"
        )
    found_at = changes.get("found_at", episode.found_at)
    if found_at is not None and found_at < episode.reported_at:
        raise Invalid(
            "found_at",
            "The found time cannot be before the child was reported missing "
            f"({episode.reported_at:%d %b %Y %H:%M})",
        )
    if "found_at" in changes:
        refuse_future("found_at", "The found time", found_at)
    for name, value in changes.items():
        setattr(episode, name, value)
    touch(session, episode)
    audit.record(
        session,
        actor,
        "update",
        "episode",
        episode.id,
        child_id=episode.child_id,
        detail={"fields": sorted(changes)},
    )
    if "found_at" in changes:  # closed or corrected by a change: the interview's clock follows
        from misper.app.interviews.return_home import follow_found_time  # (it imports this module)

        follow_found_time(session, actor, [episode.id])
    return episode, pid_of(session, episode)


def touch(session: Session, episode: Episode) -> None:
    """Bump the episode's version now, so that a concurrent editor's UPDATE finds it stale."""
    episode.updated_at = datetime.now()
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(
            "the episode was changed by someone else at the same moment; reload it"
        ) from None


def add_risk_assessment(
    session: Session, actor: Actor, rid: str, level: str, rationale: str | None
) -> RiskAssessment:
    access.require(actor, "risk_assessments", "create")
    episode = visible_episode(session, actor, rid)
    assessment = RiskAssessment(
        episode_id=episode.id,
        level=level,
        rationale=rationale,
        assessed_at=datetime.now(),
        assessed_by=actor.user_id,
    )
    session.add(assessment)
    if episode.risk_initial is None:
        episode.risk_initial = level
    episode.risk_final = level
    touch(session, episode)
    audit.record(
        session, actor, "create", "risk_assessment", assessment.id, child_id=episode.child_id
    )
    return assessment


def list_risk_assessments(session: Session, actor: Actor, rid: str) -> list[RiskAssessment]:
    access.require(actor, "risk_assessments", "list")
    episode = visible_episode(session, actor, rid)
    audit.record(session, actor, "read", "risk_assessment", child_id=episode.child_id)
    return list(
        session.scalars(
            select(RiskAssessment)
            .where(RiskAssessment.episode_id == episode.id)
            .order_by(RiskAssessment.assessed_at, RiskAssessment.id)
        )
    )


def add_decision(
    session: Session,
    actor: Actor,
    rid: str,
    decision: str,
    review_at: datetime | None,
    rationale: str | None,
    now: datetime | None = None,
) -> ControlRoomDecision:
    access.require(actor, "decisions", "create")
    now = now or datetime.now()
    episode = visible_episode(session, actor, rid)
    if decision == "delay" and review_at is None:
        raise Invalid("review_at", "Enter the date and time of the review: a delay needs one")
    if decision != "delay" and review_at is not None:
        raise Invalid("review_at", "Only a delay has a review time: leave it empty")
    if review_at is not None:
        refuse_late_review(review_at, now)
    row = ControlRoomDecision(
        episode_id=episode.id,
        decision=decision,
        review_at=review_at,
        rationale=rationale,
        decided_at=datetime.now(),
        decided_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "decision", row.id, child_id=episode.child_id)
    return row


def list_decisions(session: Session, actor: Actor, rid: str) -> list[ControlRoomDecision]:
    access.require(actor, "decisions", "list")
    episode = visible_episode(session, actor, rid)
    audit.record(session, actor, "read", "decision", child_id=episode.child_id)
    return list(
        session.scalars(
            select(ControlRoomDecision)
            .where(ControlRoomDecision.episode_id == episode.id)
            .order_by(ControlRoomDecision.decided_at, ControlRoomDecision.id)
        )
    )


def add_task(
    session: Session, actor: Actor, rid: str, description: str, risk_level: str | None = None
) -> Task:
    """A task on the episode, open; `risk_level`: the level whose task list it came from (None:
    keyed by hand)."""
    access.require(actor, "tasks", "create")
    episode = visible_episode(session, actor, rid)
    task = Task(
        episode_id=episode.id,
        description=description,
        risk_level=risk_level,
        status="open",
        created_at=datetime.now(),
        created_by=actor.user_id,
    )
    session.add(task)
    episode.tasks_count = (episode.tasks_count or 0) + 1
    touch(session, episode)
    audit.record(session, actor, "create", "task", task.id, child_id=episode.child_id)
    return task


def add_update(
    session: Session, actor: Actor, rid: str, kind: str, text: str, postcode_sector: str | None
) -> EpisodeUpdate:
    access.require(actor, "updates", "create")
    episode = visible_episode(session, actor, rid)
    row = EpisodeUpdate(
        episode_id=episode.id,
        kind=kind,
        text=text,
        postcode_sector=postcode_sector,
        at=datetime.now(),
        created_by=actor.user_id,
        agency_id=actor.agency_id,
    )
    session.add(row)
    episode.narratives_count = (episode.narratives_count or 0) + 1
    touch(session, episode)
    audit.record(session, actor, "create", "update", row.id, child_id=episode.child_id)
    return row


def list_updates(session: Session, actor: Actor, rid: str) -> list[EpisodeUpdate]:
    access.require(actor, "updates", "list")
    episode = visible_episode(session, actor, rid)
    audit.record(session, actor, "read", "update", child_id=episode.child_id)
    return list(
        session.scalars(
            select(EpisodeUpdate)
            .where(EpisodeUpdate.episode_id == episode.id)
            .order_by(EpisodeUpdate.at, EpisodeUpdate.id)
        )
    )


def list_associations(
    session: Session, actor: Actor, rid: str
) -> tuple[list[str], list[Associate]]:
    """Children who went missing together (their rids) and the adults and addresses named."""
    access.require(actor, "associations", "list")
    episode = visible_episode(session, actor, rid)
    audit.record(session, actor, "read", "association", child_id=episode.child_id)
    links = list(
        session.scalars(
            select(EpisodeLink.linked_rid)
            .where(EpisodeLink.episode_id == episode.id)
            .order_by(EpisodeLink.position)
        )
    )
    associates = list(
        session.scalars(
            select(Associate)
            .join(EpisodeAssociate, EpisodeAssociate.associate_id == Associate.id)
            .where(EpisodeAssociate.episode_id == episode.id, access.associates(actor))
            .order_by(EpisodeAssociate.position)
        )
    )
    return links, associates


def add_association(
    session: Session,
    actor: Actor,
    rid: str,
    *,
    linked_rid: str | None,
    associate_id: str | None,
    kind: str,
    description: str | None,
) -> None:
    access.require(actor, "associations", "create")
    episode = visible_episode(session, actor, rid)
    if (linked_rid is None) == (associate_id is None):
        raise Invalid("linked_rid", "give either linked_rid or associate_id")
    count = (
        session.scalar(
            select(func.count())
            .select_from(EpisodeLink)
            .where(EpisodeLink.episode_id == episode.id)
        )
        if linked_rid
        else session.scalar(
            select(func.count())
            .select_from(EpisodeAssociate)
            .where(EpisodeAssociate.episode_id == episode.id)
        )
    )
    if linked_rid:
        if linked_rid == episode.rid:
            raise Invalid("linked_rid", "an episode cannot be linked to itself")
        exists = session.scalar(
            select(EpisodeLink.id).where(
                EpisodeLink.episode_id == episode.id, EpisodeLink.linked_rid == linked_rid
            )
        )
        if exists is None:
            session.add(EpisodeLink(episode_id=episode.id, linked_rid=linked_rid, position=count))
    else:
        # The force's own record of this id; another force's is never found, as if absent.
        associate = session.scalar(
            select(Associate).where(
                Associate.associate_id == associate_id, access.associates(actor)
            )
        )
        if associate is None:
            associate = Associate(
                force_id=episode.force_id,
                associate_id=associate_id,
                kind=kind,
                description=description,
            )
            session.add(associate)
            session.flush()
        exists = session.scalar(
            select(EpisodeAssociate.id).where(
                EpisodeAssociate.episode_id == episode.id,
                EpisodeAssociate.associate_id == associate.id,
            )
        )
        if exists is None:
            session.add(
                EpisodeAssociate(episode_id=episode.id, associate_id=associate.id, position=count)
            )
    if linked_rid:
        episode.links_recorded = True
    else:
        episode.associates_recorded = True
    touch(session, episode)
    audit.record(session, actor, "create", "association", episode.id, child_id=episode.child_id)
