"""Task progress routes: an episode's tasks with their progress; assign, complete (did it help?),
not needed (why); and the task review over closed episodes."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Path

from misper.app.access import Actor
from misper.app.routing import DB, ERRORS, allowed
from misper.app.schemas import MAX_ID
from misper.app.tasks import service
from misper.app.tasks.schemas import (
    AssignIn,
    CompleteIn,
    NotNeededIn,
    ReviewRow,
    TaskProgressOut,
    task_out,
)

router = APIRouter(prefix="/api", tags=["tasks"], responses=ERRORS)
TaskId = Annotated[int, Path(ge=1, le=MAX_ID)]
Rid = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/episodes/{rid}/task-progress", response_model=list[TaskProgressOut])
def list_task_progress(rid: Rid, session: DB, actor: Actor = allowed("tasks", "list")):
    return [task_out(task) for task in service.list_tasks(session, actor, rid)]


@router.post("/tasks/{task_id}/assign", response_model=TaskProgressOut)
def assign(task_id: TaskId, body: AssignIn, session: DB, actor: Actor = allowed("tasks", "update")):
    """Give the task to a police user of the caller's force."""
    return task_out(service.assign(session, actor, task_id, body.username.strip()))


@router.post("/tasks/{task_id}/complete", response_model=TaskProgressOut)
def complete(
    task_id: TaskId, body: CompleteIn, session: DB, actor: Actor = allowed("tasks", "update")
):
    return task_out(service.complete(session, actor, task_id, body.contributed))


@router.post("/tasks/{task_id}/not-needed", response_model=TaskProgressOut)
def not_needed(
    task_id: TaskId, body: NotNeededIn, session: DB, actor: Actor = allowed("tasks", "update")
):
    return task_out(service.not_needed(session, actor, task_id, body.reason))


@router.get("/task-review", response_model=list[ReviewRow])
def task_review(session: DB, actor: Actor = allowed("tasks", "list")):
    """Per task and risk level over closed episodes: how often done, and how often it helped."""
    rows = service.task_review(session, actor).to_dict("records")
    return [
        ReviewRow(
            **{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        )
        for row in rows
    ]
