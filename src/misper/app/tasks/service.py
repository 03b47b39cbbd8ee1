"""Tasks for a risk level from the task library; assigning, completing (did it help?), marking not
needed with a reason; and the task review over closed episodes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.audit import service as audit
from misper.app.episodes import service as episodes
from misper.app.episodes.models import Episode, Task
from misper.app.errors import Conflict, Invalid, NotFound
from misper.app.tasks.models import TaskProgress
from misper.app.users.models import POLICE_ROLES, User
from misper.process.config import TaskLibrary, load_task_library
from misper.process.tasks import tasks_for


@dataclass(frozen=True)
class TaskRow:
    task: Task
    progress: TaskProgress


def generate_for_level(
    session: Session, actor: Actor, rid: str, level: str, library: TaskLibrary | None = None
) -> list[Task]:
    """Add the library's tasks for `level` that the episode does not have yet; a re-assessment to
    a higher level adds only the new ones, so no task is keyed twice."""
    library = library or load_task_library()
    episode = access.visible_episode(session, actor, rid)
    have = set(session.scalars(select(Task.description).where(Task.episode_id == episode.id)))
    added = []
    for name in tasks_for(level, library):
        if name in have:
            continue
        task = episodes.add_task(session, actor, rid, name)
        session.add(TaskProgress(task_id=task.id, risk_level=level, status="open"))
        added.append(task)
    session.flush()
    return added


def list_tasks(session: Session, actor: Actor, rid: str) -> list[TaskRow]:
    rows = []
    for task in episodes.list_tasks(session, actor, rid):
        progress = session.scalar(select(TaskProgress).where(TaskProgress.task_id == task.id))
        if progress is None:  # a task keyed by hand before progress was kept
            progress = TaskProgress(task_id=task.id, status="done" if task.done else "open")
            session.add(progress)
        rows.append(TaskRow(task, progress))
    session.flush()
    return rows


def _visible_task(session: Session, actor: Actor, task_id: int) -> TaskRow:
    access.require(actor, "tasks", "update")
    task = session.scalar(
        select(Task)
        .join(Episode, Episode.id == Task.episode_id)
        .where(Task.id == task_id, access.episodes(actor))
    )
    if task is None:
        raise NotFound("task")
    progress = session.scalar(select(TaskProgress).where(TaskProgress.task_id == task.id))
    if progress is None:
        progress = TaskProgress(task_id=task.id, status="open")
        session.add(progress)
    return TaskRow(task, progress)


def assign(session: Session, actor: Actor, task_id: int, username: str) -> TaskRow:
    row = _visible_task(session, actor, task_id)
    user = session.scalar(
        select(User).where(User.username == username, User.agency_id == actor.agency_id)
    )
    if user is None or user.role_ not in POLICE_ROLES:
        raise Invalid("assigned_to", "no police user of your force has this username")
    row.progress.assigned_to = user.id
    audit.record(session, actor, "assign", "task", task_id, detail={"to": user.id})
    session.flush()
    return row


def complete(
    session: Session, actor: Actor, task_id: int, contributed: bool, now: datetime | None = None
) -> TaskRow:
    row = _visible_task(session, actor, task_id)
    _still_open(row)
    episodes.set_task_done(session, actor, task_id, True)
    row.progress.status, row.progress.contributed = "done", contributed
    row.progress.closed_at, row.progress.closed_by = now or datetime.now(), actor.user_id
    audit.record(session, actor, "complete", "task", task_id, detail={"contributed": contributed})
    session.flush()
    return row


def not_needed(
    session: Session, actor: Actor, task_id: int, reason: str, now: datetime | None = None
) -> TaskRow:
    row = _visible_task(session, actor, task_id)
    _still_open(row)
    if not reason.strip():
        raise Invalid("reason", "say why the task is not needed")
    row.progress.status, row.progress.reason = "not_needed", reason.strip()
    row.progress.closed_at, row.progress.closed_by = now or datetime.now(), actor.user_id
    audit.record(session, actor, "not_needed", "task", task_id)
    session.flush()
    return row


def _still_open(row: TaskRow) -> None:
    if row.progress.status != "open":
        raise Conflict(f"the task is already {row.progress.status.replace('_', ' ')}")


def task_review(session: Session, actor: Actor) -> pd.DataFrame:
    """Per task and risk level, over the closed episodes the caller may see: how many episodes had
    it, how often it was done, marked not needed, left open, and how often it helped find the child."""
    access.require(actor, "tasks", "list")
    rows = session.execute(
        select(
            Task.description, TaskProgress.risk_level, TaskProgress.status, TaskProgress.contributed
        )
        .join(TaskProgress, TaskProgress.task_id == Task.id)
        .join(Episode, Episode.id == Task.episode_id)
        .where(access.episodes(actor), Episode.found_at.is_not(None))
    ).all()
    audit.record(session, actor, "list", "task_review", detail={"tasks": len(rows)})
    return review_table(pd.DataFrame(rows, columns=["task", "risk_level", "status", "contributed"]))


def review_table(tasks: pd.DataFrame) -> pd.DataFrame:
    """Columns: task, risk_level, generated, done, not_needed, open, contributed, done_share,
    contributed_share (of those done). Ordered by level then by how rarely a task helped."""
    frame = tasks.assign(
        risk_level=tasks["risk_level"].fillna("by hand"),
        is_done=tasks["status"] == "done",
        is_not_needed=tasks["status"] == "not_needed",
        is_open=tasks["status"] == "open",
        helped=(tasks["status"] == "done") & tasks["contributed"].eq(True),
    )
    table = (
        frame.groupby(["risk_level", "task"])
        .agg(
            generated=("status", "size"),
            done=("is_done", "sum"),
            not_needed=("is_not_needed", "sum"),
            open=("is_open", "sum"),
            contributed=("helped", "sum"),
        )
        .reset_index()
    )
    table["done_share"] = table["done"] / table["generated"]
    table["contributed_share"] = (table["contributed"] / table["done"]).where(table["done"] > 0)
    return table.sort_values(
        ["risk_level", "contributed_share", "task"], na_position="first", kind="stable"
    ).reset_index(drop=True)
