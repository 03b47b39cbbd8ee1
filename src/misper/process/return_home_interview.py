"""The return home interview clock: due 72 hours after the child is found; monthly compliance."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import pandas as pd

from misper.process.config import ReturnHomeInterviewRules


class Clock(StrEnum):
    DUE = "due"  # not done, still within the target
    OVERDUE = "overdue"  # not done, target passed: notify, list for the council
    ON_TIME = "completed_on_time"
    LATE = "completed_late"


def due_at(found_at: datetime, rules: ReturnHomeInterviewRules) -> pd.Timestamp:
    return pd.Timestamp(found_at) + pd.Timedelta(hours=rules.target_hours)


def clock(
    found_at: datetime,
    completed_at: datetime | None,
    now: datetime,
    rules: ReturnHomeInterviewRules,
) -> Clock:
    """State of one interview; completing exactly at the target counts as on time."""
    deadline = due_at(found_at, rules)
    if completed_at is not None and not pd.isna(completed_at):
        return Clock.ON_TIME if pd.Timestamp(completed_at) <= deadline else Clock.LATE
    return Clock.OVERDUE if pd.Timestamp(now) > deadline else Clock.DUE


def monthly_compliance(interviews: pd.DataFrame, rules: ReturnHomeInterviewRules) -> pd.DataFrame:
    """Per month of return: episodes, offered, accepted, completed, within target, shared.

    `interviews` has one row per found episode: found_at, offered, accepted, completed_at,
    shared_with_police (booleans may be missing = no). Shares are of the month's episodes.
    """
    frame = interviews.copy()
    frame["month"] = pd.to_datetime(frame["found_at"]).dt.to_period("M").astype(str)
    deadline = pd.to_datetime(frame["found_at"]) + pd.Timedelta(hours=rules.target_hours)
    completed = pd.to_datetime(frame["completed_at"])
    frame["completed"] = completed.notna()
    frame["within_target"] = completed.notna() & (completed <= deadline)
    for column in ("offered", "accepted", "shared_with_police"):
        frame[column] = frame[column].astype("boolean").fillna(False).astype(bool)
    table = frame.groupby("month").agg(
        episodes=("found_at", "size"),
        offered=("offered", "sum"),
        accepted=("accepted", "sum"),
        completed=("completed", "sum"),
        within_target=("within_target", "sum"),
        shared_with_police=("shared_with_police", "sum"),
    )
    for column in ("offered", "completed", "within_target", "shared_with_police"):
        table[f"{column}_share"] = table[column] / table["episodes"]
    return table.reset_index()
