"""Tasks for a risk level from the task library; assigning, completing (did it help?), marking not
needed with a reason; and the task review over closed episodes."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.audit import service as audit
from misper.app.episodes import service as episodes
from misper.app.episodes.models import Episode
from misper.app.errors import Conflict, Invalid, NotFound
from misper.app.tasks.models import Task
from misper.app.users.models import User
from misper.process.config import TaskLibrary, load_task_library
from misper.process.tasks import tasks_for


def generate_for_level(
    session: Session, actor: Actor, rid: str, level: str, library: TaskLibrary | None = None
) -> list[Task]:
    """Add the library's tasks for `level` that the episode does not have yet; a re-assessment to
    a higher level adds only the new ones, so no task is keyed twice."""
    library = library or load_task_library()
    episode = access.visible_episode(session, actor, rid)
    have = set(session.scalars(select(Task.description).where(Task.episode_id == episode.id)))
    added = [
        episodes.add_task(session, actor, rid, name, risk_level=level)
        for name in tasks_for(level, library)
        if name not in have
    ]
    session.flush()
    return added


def list_tasks(session: Session, actor: Actor, rid: str) -> list[Task]:
    access.require(actor, "tasks", "list")
    episode = access.visible_episode(session, actor, rid)
    audit.record(session, actor, "read", "task", child_id=episode.child_id)
    return list(
        session.scalars(select(Task).where(Task.episode_id == episode.id).order_by(Task.id))
    )


def _visible_task(session: Session, actor: Actor, task_id: int) -> Task:
    access.require(actor, "tasks", "update")
    task = session.scalar(
        select(Task)
        .join(Episode, Episode.id == Task.episode_id)
        .where(Task.id == task_id, access.episodes(actor))
    )
    if task is None:
        raise NotFound("task")
    return task


def assign(session: Session, actor: Actor, task_id: int, username: str) -> Task:
    task = _visible_task(session, actor, task_id)
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not access.may_take_task(actor, user):
        raise Invalid("assigned_to", "no police user of your force has this username")
    task.assigned_to = user.id
    audit.record(session, actor, "assign", "task", task_id, detail={"to": user.id})
    session.flush()
    return task


# A task's life: open, then done or not needed, each once. The one way back is the episode's tick
# box taken off a done task (`set_done`), which reopens it.


def complete(
    session: Session, actor: Actor, task_id: int, contributed: bool, now: datetime | None = None
) -> Task:
    task = _visible_task(session, actor, task_id)
    _close(task, actor, "done", now)
    task.contributed = contributed
    audit.record(session, actor, "complete", "task", task_id, detail={"contributed": contributed})
    session.flush()
    return task


def not_needed(
    session: Session, actor: Actor, task_id: int, reason: str, now: datetime | None = None
) -> Task:
    task = _visible_task(session, actor, task_id)
    if not reason.strip():
        raise Invalid("reason", "say why the task is not needed")
    _close(task, actor, "not_needed", now)
    task.reason = reason.strip()
    audit.record(session, actor, "not_needed", "task", task_id)
    session.flush()
    return task


def set_done(
    session: Session, actor: Actor, task_id: int, done: bool, now: datetime | None = None
) -> Task:
    """The episode's tick box (`PATCH /api/tasks/{id}`) on the same record as the progress routes:
    ticking an open task completes it (whether it helped is not said); taking the tick off a done
    task reopens it, forgetting when, by whom and whether it helped. A task not needed is not done,
    and ticking it is refused."""
    task = _visible_task(session, actor, task_id)
    if done != task.done:
        if done:
            _close(task, actor, "done", now)
        else:
            task.status, task.contributed, task.closed_at, task.closed_by = "open", None, None, None
        audit.record(session, actor, "update", "task", task.id, detail={"done": done})
        session.flush()
    return task


def _close(task: Task, actor: Actor, status: str, now: datetime | None) -> None:
    if task.status != "open":
        raise Conflict(f"the task is already {task.status.replace('_', ' ')}")
    task.status, task.closed_at, task.closed_by = status, now or datetime.now(), actor.user_id


def task_review(session: Session, actor: Actor) -> pd.DataFrame:
    """Per task and risk level, over the closed episodes the caller may see: how many episodes had
    it, how often it was done, marked not needed, left open, and how often it helped find the
    child."""
    access.require(actor, "tasks", "list")
    rows = session.execute(
        select(Task.description, Task.risk_level, Task.status, Task.contributed)
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
