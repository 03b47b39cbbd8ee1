"""API shapes of an episode's tasks with their progress, and of the task review."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from misper.app.schemas import Stamp, StoreModel, text
from misper.app.tasks.models import STATUSES


class AssignIn(StoreModel):
    username: text(80, 1)


class CompleteIn(StoreModel):
    contributed: bool = Field(description="did doing it help find the child")


class NotNeededIn(StoreModel):
    reason: text(4_000, 1)


class TaskProgressOut(BaseModel):
    id: int
    description: str
    risk_level: str | None = Field(description="the level that generated it; none: keyed by hand")
    status: Literal[STATUSES]
    assigned_to: int | None
    reason: str | None = Field(description="why it was not needed")
    contributed: bool | None
    closed_at: Stamp | None
    created_at: Stamp


class ReviewRow(BaseModel):
    task: str
    risk_level: str
    generated: int
    done: int
    not_needed: int
    open: int
    contributed: int
    done_share: float
    contributed_share: float | None = Field(description="of those done; none when none was done")


def task_out(task) -> TaskProgressOut:
    return TaskProgressOut.model_validate(task, from_attributes=True)
