"""Episode routes: HTTP in, service call, HTTP out."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field, create_model

from misper.app.access import Actor
from misper.app.episodes import service
from misper.app.episodes.closing import FOUND_FIELDS, close_episode
from misper.app.episodes.merging import merge_episodes
from misper.app.episodes.schemas import (
    AssociationIn,
    AssociationsOut,
    DecisionIn,
    DecisionOut,
    EpisodeChange,
    EpisodeOut,
    EpisodePage,
    EpisodeReport,
    MergedOut,
    MergeIn,
    RiskAssessmentIn,
    RiskAssessmentOut,
    TaskChange,
    TaskIn,
    TaskOut,
    UpdateIn,
    UpdateOut,
)
from misper.app.episodes.sightings import add_sighting_or_update
from misper.app.routing import DB, ERRORS, Paging, allowed
from misper.app.schemas import MAX_ID, Id, LocalDatetime, Note, Pid, StoreModel, canonical_type
from misper.app.tasks import service as tasks
from misper.incidents.schema import BY_NAME, RISK_LEVELS

router = APIRouter(prefix="/api/episodes", tags=["episodes"], responses=ERRORS)
Rid = Annotated[str, Path(min_length=1, max_length=64)]


def episode_out(episode, pid: str) -> EpisodeOut:
    values = {c.name: getattr(episode, c.name) for c in episode.__table__.columns}
    return EpisodeOut(pid=pid, is_open=episode.is_open, **values)


@router.get("", response_model=EpisodePage)
def list_episodes(
    session: DB,
    page: Paging,
    actor: Actor = allowed("episodes", "list"),
    open: bool | None = None,
    pid: Annotated[str | None, Query(max_length=64)] = None,
    reported_from: LocalDatetime | None = None,
    reported_to: LocalDatetime | None = None,
    risk: Literal[RISK_LEVELS] | None = None,
):
    rows, total = service.list_episodes(
        session,
        actor,
        open_only=open,
        pid=pid,
        reported_from=reported_from,
        reported_to=reported_to,
        risk=risk,
        offset=page.offset,
        limit=page.limit,
    )
    return EpisodePage(total=total, items=[episode_out(e, p) for e, p in rows])


@router.post("", response_model=EpisodeOut, status_code=201)
def report_missing(body: EpisodeReport, session: DB, actor: Actor = allowed("episodes", "create")):
    fields = body.model_dump(exclude={"pid", "child"}, exclude_none=True)
    episode, pid = service.report_missing(
        session,
        actor,
        pid=body.pid,
        child=body.child.model_dump() if body.child else None,
        fields=fields,
    )
    return episode_out(episode, pid)


@router.get("/{rid}", response_model=EpisodeOut)
def read_episode(rid: Rid, session: DB, actor: Actor = allowed("episodes", "read")):
    return episode_out(*service.read_episode(session, actor, rid))


@router.patch("/{rid}", response_model=EpisodeOut)
def update_episode(
    rid: Rid, body: EpisodeChange, session: DB, actor: Actor = allowed("episodes", "update")
):
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    return episode_out(*service.update_episode(session, actor, rid, body.version, changes))


@router.post("/{rid}/merge", response_model=MergedOut)
def merge(rid: Rid, body: MergeIn, session: DB, actor: Actor = allowed("episodes", "merge")):
    """Merge two open reports of the same child's absence: the older is kept, the other's
    sightings, tasks, risk assessments and updates move to it, and it is marked merged (422 for
    two children, 409 for an episode closed or merged already)."""
    done = merge_episodes(session, actor, rid, body.other_rid)
    return MergedOut(
        episode=episode_out(done.kept, done.pid), merged_rid=done.merged.rid, moved=done.moved
    )


@router.get("/{rid}/risk-assessments", response_model=list[RiskAssessmentOut])
def list_risk_assessments(
    rid: Rid, session: DB, actor: Actor = allowed("risk_assessments", "list")
):
    return [
        RiskAssessmentOut.model_validate(r, from_attributes=True)
        for r in service.list_risk_assessments(session, actor, rid)
    ]


@router.post("/{rid}/risk-assessments", response_model=RiskAssessmentOut, status_code=201)
def add_risk_assessment(
    rid: Rid,
    body: RiskAssessmentIn,
    session: DB,
    actor: Actor = allowed("risk_assessments", "create"),
):
    row = service.add_risk_assessment(session, actor, rid, body.level, body.rationale)
    return RiskAssessmentOut.model_validate(row, from_attributes=True)


@router.get("/{rid}/decisions", response_model=list[DecisionOut])
def list_decisions(rid: Rid, session: DB, actor: Actor = allowed("decisions", "list")):
    return [
        DecisionOut.model_validate(r, from_attributes=True)
        for r in service.list_decisions(session, actor, rid)
    ]


@router.post("/{rid}/decisions", response_model=DecisionOut, status_code=201)
def add_decision(
    rid: Rid, body: DecisionIn, session: DB, actor: Actor = allowed("decisions", "create")
):
    row = service.add_decision(session, actor, rid, body.decision, body.review_at, body.rationale)
    return DecisionOut.model_validate(row, from_attributes=True)


@router.get("/{rid}/tasks", response_model=list[TaskOut])
def list_tasks(rid: Rid, session: DB, actor: Actor = allowed("tasks", "list")):
    return [
        TaskOut.model_validate(r, from_attributes=True)
        for r in tasks.list_tasks(session, actor, rid)
    ]


@router.post("/{rid}/tasks", response_model=TaskOut, status_code=201)
def add_task(rid: Rid, body: TaskIn, session: DB, actor: Actor = allowed("tasks", "create")):
    return TaskOut.model_validate(
        service.add_task(session, actor, rid, body.description), from_attributes=True
    )


@router.get("/{rid}/updates", response_model=list[UpdateOut])
def list_updates(rid: Rid, session: DB, actor: Actor = allowed("updates", "list")):
    return [
        UpdateOut.model_validate(r, from_attributes=True)
        for r in service.list_updates(session, actor, rid)
    ]


@router.post("/{rid}/updates", response_model=UpdateOut, status_code=201)
def add_update(rid: Rid, body: UpdateIn, session: DB, actor: Actor = allowed("updates", "create")):
    row, _told = add_sighting_or_update(
        session, actor, rid, body.kind, body.text, body.postcode_sector
    )
    return UpdateOut.model_validate(row, from_attributes=True)


@router.get("/{rid}/associations", response_model=AssociationsOut)
def list_associations(rid: Rid, session: DB, actor: Actor = allowed("associations", "list")):
    links, associates = service.list_associations(session, actor, rid)
    return AssociationsOut(
        linked_rids=links,
        associates=[
            {"associate_id": a.associate_id, "kind": a.kind, "description": a.description}
            for a in associates
        ],
    )


@router.post("/{rid}/associations", response_model=AssociationsOut, status_code=201)
def add_association(
    rid: Rid, body: AssociationIn, session: DB, actor: Actor = allowed("associations", "create")
):
    service.add_association(
        session,
        actor,
        rid,
        linked_rid=body.linked_rid,
        associate_id=body.associate_id,
        kind=body.kind,
        description=body.description,
    )
    return list_associations(rid, session, actor)


tasks_router = APIRouter(prefix="/api/tasks", tags=["episodes"], responses=ERRORS)


@tasks_router.patch("/{task_id}", response_model=TaskOut)
def set_task_done(
    task_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: TaskChange,
    session: DB,
    actor: Actor = allowed("tasks", "update"),
):
    """Tick or untick the task, on the record its progress routes change: unticking a done task
    reopens it; a task marked not needed cannot be ticked (409)."""
    return TaskOut.model_validate(
        tasks.set_done(session, actor, task_id, body.done), from_attributes=True
    )


closing_router = APIRouter(prefix="/api/episodes", tags=["episodes"], responses=ERRORS)


class WithAssociate(StoreModel):
    associate_id: Pid
    kind: Literal["person", "address", "unknown"] = "unknown"
    description: Note | None = None


EpisodeClose = create_model(
    "EpisodeClose",
    __base__=StoreModel,
    version=(Id, ...),
    found_at=(canonical_type(BY_NAME["found_at"]), ...),
    with_rids=(list[Pid], Field(default_factory=list, max_length=20)),
    associates=(list[WithAssociate], Field(default_factory=list, max_length=20)),
    **{n: (canonical_type(BY_NAME[n]) | None, None) for n in FOUND_FIELDS if n != "found_at"},
)


class Closed(BaseModel):
    episode: EpisodeOut
    return_home_interview_id: int
    referral_id: int | None
    referral_meeting: str | None


@closing_router.post("/{rid}/close", response_model=Closed)
def close(
    rid: Annotated[str, Path(min_length=1, max_length=64)],
    body: EpisodeClose,
    session: DB,
    actor: Actor = allowed("episodes", "update"),
):
    found = body.model_dump(include=set(FOUND_FIELDS), exclude_none=True)
    episode, pid, rhi, referral = close_episode(
        session,
        actor,
        rid,
        body.version,
        found,
        list(body.with_rids),
        [a.model_dump() for a in body.associates],
    )
    return Closed(
        episode=episode_out(episode, pid),
        return_home_interview_id=rhi.id,
        referral_id=referral and referral.id,
        referral_meeting=referral and referral.meeting,
    )
