"""Triage routes: what the control room sees of an episode (with the wait guidance), and a
structured risk assessment that records its factors and generates the level's tasks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import select

from misper.app.access import Actor
from misper.app.routing import DB, ERRORS, allowed
from misper.app.tasks import service as tasks
from misper.app.tasks.schemas import task_out
from misper.app.triage import service
from misper.app.triage.models import RiskFactors
from misper.app.triage.schemas import (
    AssessedOut,
    AssessmentIn,
    TriageOut,
    assessment_out,
    triage_out,
)

router = APIRouter(prefix="/api/episodes/{rid}/triage", tags=["triage"], responses=ERRORS)
Rid = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("", response_model=TriageOut)
def read_triage(rid: Rid, session: DB, actor: Actor = allowed("decisions", "list")):
    """The profile, the carer's steps, the child's history and the wait guidance: for episodes
    like this one, the share ended by 1, 2, 4, 8, 12 and 24 hours, and how many it rests on."""
    return triage_out(service.triage(session, actor, rid))


@router.post("/risk-assessments", response_model=AssessedOut, status_code=201)
def assess_risk(
    rid: Rid, body: AssessmentIn, session: DB, actor: Actor = allowed("risk_assessments", "create")
):
    """A (re-)assessment with the factors considered and the reason (required); the force's
    policy may refuse a level for under-18s. The level's tasks are added."""
    assessment = service.assess_risk(session, actor, rid, body.level, body.factors, body.rationale)
    factors = (
        session.scalar(
            select(RiskFactors.factors).where(RiskFactors.assessment_id == assessment.id)
        )
        or []
    )
    return AssessedOut(
        assessment=assessment_out(assessment, factors),
        tasks=[task_out(row) for row in tasks.list_tasks(session, actor, rid)],
    )
