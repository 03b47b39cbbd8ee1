"""The police prevention (safe and well) interview with its structured findings and what of them
is marked for police intelligence."""

from __future__ import annotations

from sqlalchemy.orm import Session

from misper.app.access import Actor, visible_episode
from misper.app.interviews import findings as found
from misper.app.interviews import service


def record(
    session: Session,
    actor: Actor,
    rid: str,
    outcome: str,
    notes: str | None,
    findings: dict | None,
    for_intelligence: list[str],
) -> dict:
    interview = service.record_prevention_interview(session, actor, rid, outcome, notes)
    episode = visible_episode(session, actor, rid)
    found.save_findings(
        session, actor, episode, "prevention", interview.id, findings, for_intelligence
    )
    return read(session, actor, rid)


def read(session: Session, actor: Actor, rid: str) -> dict:
    interview = service.read_prevention_interview(session, actor, rid)
    return {
        "outcome": interview.outcome,
        "notes": interview.notes,
        "recorded_at": interview.recorded_at,
        "findings": found.as_dict(found.findings_of(session, "prevention", interview.id)),
    }
