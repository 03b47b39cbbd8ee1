"""Prevention interviews (police) and return home interviews (council assigns, provider records)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from misper.app import access
from misper.app.access import Actor, visible_episode
from misper.app.agencies.models import Agency
from misper.app.audit import service as audit
from misper.app.children.models import Child
from misper.app.episodes.models import Episode
from misper.app.errors import Conflict, Invalid, NotFound
from misper.app.interviews.models import (
    InterviewFindings,
    PreventionInterview,
    ReturnHomeInterview,
)
from misper.app.notifications.service import notify


def read_prevention_interview(session: Session, actor: Actor, rid: str) -> PreventionInterview:
    access.require(actor, "prevention_interviews", "read")
    episode = visible_episode(session, actor, rid)
    row = session.scalar(
        select(PreventionInterview).where(PreventionInterview.episode_id == episode.id)
    )
    if row is None:
        raise NotFound("prevention interview")
    audit.record(session, actor, "read", "prevention_interview", row.id, child_id=episode.child_id)
    return row


def record_prevention_interview(
    session: Session, actor: Actor, rid: str, outcome: str, notes: str | None
) -> PreventionInterview:
    access.require(actor, "prevention_interviews", "create")
    episode = visible_episode(session, actor, rid)
    row = session.scalar(
        select(PreventionInterview).where(PreventionInterview.episode_id == episode.id)
    )
    if row is None:
        row = PreventionInterview(episode_id=episode.id)
        session.add(row)
    row.outcome, row.notes = outcome, notes
    row.recorded_at, row.recorded_by = datetime.now(), actor.user_id
    session.flush()
    audit.record(
        session, actor, "record", "prevention_interview", row.id, child_id=episode.child_id
    )
    return row


def _rhi_query(actor: Actor):
    return (
        select(ReturnHomeInterview, Episode.rid, Child.pid, Child.name, Child.id)
        .join(Episode, Episode.id == ReturnHomeInterview.episode_id)
        .join(Child, Child.id == Episode.child_id)
        .where(access.return_home_interviews(actor))
    )


def _with_text(session: Session, actor: Actor, rows, in_list: bool = True) -> list[tuple]:
    """Each (interview, rid, pid, name, child id) as (interview, rid, pid, name, free text): the
    name only when the caller may see the child's identity (`access.named_children`), the free
    text as the caller may read it (the police only when the interviewer's sharing decision
    names it)."""
    named = access.named_children(session, actor, [r[4] for r in rows], in_list=in_list)
    shared: dict[int, list[str]] = {}
    if access.sees_only_shared_findings(actor) and rows:
        shared = dict(
            session.execute(
                select(InterviewFindings.interview_id, InterviewFindings.shared).where(
                    InterviewFindings.interview == "return_home",
                    InterviewFindings.interview_id.in_([r[0].id for r in rows]),
                )
            ).all()
        )
    return [
        (
            *row[:3],
            row[3] if row[4] in named else None,
            row[0].findings
            if access.interview_text_shown(actor, shared.get(row[0].id), row[0].shared_with_police)
            else None,
        )
        for row in rows
    ]


def list_rhis(session: Session, actor: Actor, status: str | None, offset: int, limit: int):
    """Interviews in scope with the minimum about each child (pid and name), newest first, and
    their free text as the caller may read it."""
    access.require(actor, "return_home_interviews", "list")
    rows = list(
        session.execute(
            _rhi_query(actor).order_by(ReturnHomeInterview.id.desc()).offset(offset).limit(limit)
        ).all()
    )
    if status:  # status is derived from the interview's facts, so it filters after the query
        rows = [r for r in rows if r[0].status == status]
    audit.record(
        session, actor, "list", "return_home_interview", detail={"ids": [r[0].id for r in rows]}
    )
    return _with_text(session, actor, rows)


def read_rhi(session: Session, actor: Actor, rhi_id: int):
    access.require(actor, "return_home_interviews", "read")
    row = session.execute(_rhi_query(actor).where(ReturnHomeInterview.id == rhi_id)).first()
    if row is None:
        raise NotFound("return home interview")
    audit.record(
        session,
        actor,
        "read",
        "return_home_interview",
        rhi_id,
        child_id=row[0] and _child_id(session, row[0]),
    )
    return _with_text(session, actor, [tuple(row)], in_list=False)[0]


def _child_id(session: Session, rhi: ReturnHomeInterview) -> int:
    return session.scalar(select(Episode.child_id).where(Episode.id == rhi.episode_id))


def assign_rhi(session: Session, actor: Actor, rid: str, provider_id: int):
    """The council offers the child an interview by the provider; the provider is notified."""
    access.require(actor, "return_home_interviews", "create")
    episode = visible_episode(session, actor, rid)
    if not access.keeps_child(session, actor, episode.child_id):  # a host council sees, no more
        raise NotFound("episode")
    provider = session.get(Agency, provider_id)
    if not access.provides_interviews(provider):
        raise Invalid("provider_id", "not a return home interview provider")
    if (
        session.scalar(
            select(ReturnHomeInterview.id).where(ReturnHomeInterview.episode_id == episode.id)
        )
        is not None
    ):
        raise Conflict("this episode already has a return home interview")
    rhi = ReturnHomeInterview(episode_id=episode.id, provider_id=provider.id, offered=True)
    session.add(rhi)
    session.flush()
    notify(
        session,
        provider.id,
        f"Return home interview to arrange (interview {rhi.id})",
        episode.id,
        link=f"/interviews/{rhi.id}/record",
    )
    audit.record(
        session, actor, "create", "return_home_interview", rhi.id, child_id=episode.child_id
    )
    if episode.found_at is not None:  # already found: the 72-hour clock runs from then
        from misper.app.interviews.return_home import follow_found_time  # it imports this module

        follow_found_time(session, actor, [episode.id])
    return read_rhi(session, actor, rhi.id)


def update_rhi(session: Session, actor: Actor, rhi_id: int, version: int, changes: dict):
    access.require(actor, "return_home_interviews", "update")
    access.check_writes(actor, "return_home_interview", changes)
    rhi = session.scalar(
        select(ReturnHomeInterview).where(
            ReturnHomeInterview.id == rhi_id, access.return_home_interviews(actor)
        )
    )
    if rhi is None:
        raise NotFound("return home interview")
    if not access.owes_interview(session, actor, rhi):
        raise Conflict("another council owes this interview; it may be taken on by agreement")
    if rhi.version != version:
        raise Conflict(
            f"interview {rhi_id} was changed by someone else (now version "
            f"{rhi.version}, you had {version}); reload it"
        )
    for name, value in changes.items():
        setattr(rhi, name, value)
    if rhi.completed_at is not None and rhi.accepted is False:
        raise Invalid("completed_at", "a declined interview cannot be completed")
    try:
        session.flush()
    except StaleDataError:
        raise Conflict("the interview was changed by someone else at the same moment") from None
    audit.record(
        session,
        actor,
        "update",
        "return_home_interview",
        rhi.id,
        child_id=_child_id(session, rhi),
        detail={"fields": sorted(changes)},
    )
    return read_rhi(session, actor, rhi.id)
