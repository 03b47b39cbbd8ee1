"""Interview findings in one structure for both interviews, and what of them reaches the police.

What is shared (return home) or marked for intelligence (prevention) is written onto the episode's
own columns as well (reason codes, risk flags), so that nobody keys it a second time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app.access import Actor
from misper.app.episodes.models import Episode
from misper.app.interviews.models import InterviewFindings

FIELDS = ("reason_codes", "who_with", "where", "exploitation_indicators", "free_text")
# Finding -> canonical episode column it feeds when it reaches the police.
EPISODE_COLUMN = {"reason_codes": "reason_codes", "exploitation_indicators": "risk_flags"}


def findings_of(session: Session, interview: str, interview_id: int) -> InterviewFindings | None:
    return session.scalar(
        select(InterviewFindings).where(
            InterviewFindings.interview == interview, InterviewFindings.interview_id == interview_id
        )
    )


def save_findings(
    session: Session,
    actor: Actor,
    episode: Episode,
    interview: str,
    interview_id: int,
    findings: dict | None,
    shared: list[str] | None,
) -> InterviewFindings:
    """Create or replace the findings (`None` keeps what is stored) and the shared selection."""
    row = findings_of(session, interview, interview_id)
    if row is None:
        row = InterviewFindings(
            interview=interview,
            interview_id=interview_id,
            episode_id=episode.id,
            reason_codes=[],
            who_with=[],
            where=[],
            exploitation_indicators=[],
            shared=[],
        )
        session.add(row)
    if findings is not None:
        for name in FIELDS:
            setattr(
                row,
                name,
                findings.get(name) if name == "free_text" else list(findings.get(name) or []),
            )
    if shared is not None:
        row.shared = sorted(set(shared), key=FIELDS.index)
    row.recorded_at, row.recorded_by = datetime.now(), actor.user_id
    _feed_episode(episode, row)
    session.flush()
    return row


def _feed_episode(episode: Episode, row: InterviewFindings) -> None:
    for name, column in EPISODE_COLUMN.items():
        if name in row.shared and getattr(row, name):
            known = list(getattr(episode, column) or [])
            setattr(episode, column, known + [v for v in getattr(row, name) if v not in known])


def as_dict(row: InterviewFindings | None, only_shared: bool = False) -> dict:
    """The findings as an answer; `only_shared` (the police reading a return home interview)
    leaves out every field the interviewer did not tick."""
    if row is None:
        return {"shared": [], **{name: None for name in FIELDS}}
    return {
        "shared": list(row.shared),
        **{
            name: getattr(row, name) if (not only_shared or name in row.shared) else None
            for name in FIELDS
        },
    }
