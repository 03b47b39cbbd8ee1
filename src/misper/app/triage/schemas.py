"""API shapes of triage: what is known of an episode (profile, carer's steps, history, wait
guidance, assessments with their factors, decisions, tasks) and a structured risk assessment."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from misper.app.episodes.schemas import DecisionOut
from misper.app.flowchart.schemas import StepOut
from misper.app.schemas import Note, Stamp, StoreModel
from misper.app.tasks.schemas import TaskProgressOut, task_out
from misper.incidents.schema import RISK_FLAGS, RISK_LEVELS


class AssessmentIn(StoreModel):
    level: Literal[RISK_LEVELS]
    factors: list[Literal[RISK_FLAGS]] = Field(default_factory=list, max_length=len(RISK_FLAGS))
    rationale: Note | None = None


class AssessmentOut(BaseModel):
    id: int
    level: str
    factors: list[str]
    rationale: str | None
    assessed_at: Stamp
    assessed_by: int


class AssessedOut(BaseModel):
    assessment: AssessmentOut
    tasks: list[TaskProgressOut] = Field(
        description="the episode's tasks, with the level's new ones"
    )


class ProfileSummary(BaseModel):
    version: int | None
    completeness: float = Field(ge=0, le=1)
    missing: list[str]
    agreed_wait_minutes: int | None
    content: dict[str, str]


class EarlierEpisode(BaseModel):
    reported_at: Stamp
    hours: float | None
    found_by: str | None


class HistoryOut(BaseModel):
    count: int
    recent: int = Field(description="in the 90 days before this report")
    open_now: int
    median_hours: float | None
    longest_hours: float | None
    found_by: dict[str, int]
    last: list[EarlierEpisode]


class GuidanceRow(BaseModel):
    hours: float
    share_ended: float | None
    lower: float | None
    upper: float | None


class GuidanceOut(BaseModel):
    matched_on: list[str] = Field(
        description="what the similar episodes share with this one; empty: all the force's episodes"
    )
    similar: int
    ended: int
    table: list[GuidanceRow]


class CarerCheckSummary(BaseModel):
    id: int
    expected_back: Stamp
    concerns: list[str]
    steps: list[StepOut]


class TriageOut(BaseModel):
    rid: str
    pid: str
    profile: ProfileSummary
    check: CarerCheckSummary | None
    history: HistoryOut
    guidance: GuidanceOut | None
    assessments: list[AssessmentOut]
    decisions: list[DecisionOut]
    tasks: list[TaskProgressOut]


def _number(value) -> float | None:
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )


def assessment_out(assessment, factors) -> AssessmentOut:
    return AssessmentOut(
        id=assessment.id,
        level=assessment.level,
        factors=list(factors),
        rationale=assessment.rationale,
        assessed_at=assessment.assessed_at,
        assessed_by=assessment.assessed_by,
    )


def triage_out(view) -> TriageOut:
    h, g = view.history, view.guidance
    history = HistoryOut(
        count=h.count,
        recent=h.recent,
        open_now=h.open_now,
        median_hours=_number(h.median_hours),
        longest_hours=_number(h.longest_hours),
        found_by=h.found_by,
        last=[
            EarlierEpisode(
                reported_at=_moment(e["reported_at"]),
                hours=_number(e["hours"]),
                found_by=e["found_by"],
            )
            for e in h.last
        ],
    )
    guidance = (
        None
        if g is None
        else GuidanceOut(
            matched_on=list(g.matched_on),
            similar=g.similar,
            ended=g.ended,
            table=[
                GuidanceRow(
                    hours=r.hours,
                    share_ended=_number(r.share_ended),
                    lower=_number(r.lower),
                    upper=_number(r.upper),
                )
                for r in g.table.itertuples()
            ],
        )
    )
    check = (
        None
        if view.check is None
        else CarerCheckSummary(
            id=view.check.id,
            expected_back=view.check.expected_back,
            concerns=list(view.check.concerns or []),
            steps=[StepOut.model_validate(s, from_attributes=True) for s in view.steps],
        )
    )
    return TriageOut(
        rid=view.episode.rid,
        pid=view.pid,
        profile=ProfileSummary(
            version=view.profile_version,
            completeness=view.profile_share,
            missing=view.profile_missing,
            agreed_wait_minutes=view.agreed_wait_minutes,
            content={k: str(v) for k, v in (view.profile or {}).items()},
        ),
        check=check,
        history=history,
        guidance=guidance,
        assessments=[assessment_out(a, f) for a, f in view.assessments],
        decisions=[DecisionOut.model_validate(d, from_attributes=True) for d in view.decisions],
        tasks=[task_out(row) for row in view.tasks],
    )


def _moment(value) -> datetime:
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
