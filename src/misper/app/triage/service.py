"""Triage in the control room: what is known (profile, carer's steps, history, wait guidance), the
structured risk assessment under the force's policy, the decision, and reminders of due reviews."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import pyarrow as pa
from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor
from misper.app.audit import service as audit
from misper.app.children.models import Child
from misper.app.episodes import service as episodes
from misper.app.episodes.models import (
    ControlRoomDecision,
    Episode,
    EpisodeUpdate,
    RiskAssessment,
    episodes_table,
)
from misper.app.errors import Invalid, NotFound
from misper.app.flowchart.models import CarerCheck, CarerStep
from misper.app.flowchart.service import check_of_episode, steps_of
from misper.app.notifications.service import notify
from misper.app.philomena import service as philomena
from misper.app.tasks import service as tasks
from misper.app.tasks.models import Task
from misper.app.triage.models import ReviewReminder, RiskFactors
from misper.incidents.frame import LIST_DTYPE, to_canonical
from misper.incidents.schema import BY_NAME, RISK_FLAGS, RISK_LEVELS, Kind
from misper.insight.survival import WaitGuidance, wait_guidance
from misper.process.config import ProcessConfig, TaskLibrary, default_config
from misper.process.philomena import completeness
from misper.process.risk import RiskLevelRefused, check_level

DECISIONS = {
    "deploy": "Deploy now",
    "delay": "Delay, with a review time",
    "defer": "Defer to the carer",
    "not_missing": "Not a missing episode (late, whereabouts known)",
}
RECENT_DAYS = 90


@dataclass(frozen=True)
class History:
    """The child's earlier episodes, as the control room needs them at a glance."""

    count: int
    recent: int  # in the RECENT_DAYS before this report
    open_now: int
    median_hours: float | None
    longest_hours: float | None
    found_by: dict[str, int]  # how earlier episodes ended
    last: list[dict]  # the latest few: reported_at, hours, found_by


def child_history(frame: pd.DataFrame, pid: str, before: pd.Timestamp, last: int = 5) -> History:
    """From the canonical table: the child's episodes reported before `before`."""
    before = pd.Timestamp(before)
    mine = frame[(frame["pid"] == pid) & (frame["reported_at"] < before)]
    mine = mine.sort_values("reported_at", ascending=False)
    ended = mine[mine["found_at"].notna()]
    hours = (ended["found_at"] - ended["reported_at"]) / pd.Timedelta(hours=1)
    found_by = ended["found_by"].astype("string").fillna("unknown").value_counts()
    return History(
        count=len(mine),
        recent=int((mine["reported_at"] >= before - pd.Timedelta(days=RECENT_DAYS)).sum()),
        open_now=int(mine["found_at"].isna().sum()),
        median_hours=float(hours.median()) if len(hours) else None,
        longest_hours=float(hours.max()) if len(hours) else None,
        found_by={str(k): int(v) for k, v in found_by.items()},
        last=[
            {
                "reported_at": r.reported_at,
                "hours": None
                if pd.isna(r.found_at)
                else (r.found_at - r.reported_at) / pd.Timedelta(hours=1),
                "found_by": None if pd.isna(r.found_by) else str(r.found_by),
            }
            for r in mine.head(last).itertuples()
        ],
    )


HISTORY_COLUMNS = (
    "rid",
    "reported_at",
    "found_at",
    "found_by",
    "age",
    "missing_from_type",
    "risk_flags",
)


def history_frame(session: Session, scope) -> pd.DataFrame:
    """The canonical columns wait guidance and the history read, for the episodes in `scope` (the
    caller's force: the history the guidance rests on). The full export also gathers links,
    associates and interviews, which triage does not use, at many times the cost. The list
    columns come as their JSON text and are parsed in one call, not one per row: with a force's
    whole history that was most of the page's time."""
    lists = [n for n in HISTORY_COLUMNS if BY_NAME[n].kind is Kind.LIST]
    query = (
        select(
            Child.pid,
            *[
                cast(episodes_table.c[n], Text).label(n) if n in lists else episodes_table.c[n]
                for n in HISTORY_COLUMNS
            ],
        )
        .join(Child, Child.id == Episode.child_id)
        .where(scope)
    )
    frame = pd.DataFrame(session.execute(query).all(), columns=["pid", *HISTORY_COLUMNS])
    for name in lists:
        texts = ("null" if t is None else t for t in frame[name])
        parsed = json.loads("[" + ",".join(texts) + "]")
        frame[name] = pd.Series(
            pa.array(parsed, type=pa.list_(pa.string())), dtype=LIST_DTYPE, index=frame.index
        )
    return to_canonical(frame)


@dataclass(frozen=True)
class Triage:
    episode: Episode
    pid: str
    profile: dict | None
    profile_version: int | None
    profile_share: float  # completeness, 0-1
    profile_missing: list[str]
    agreed_wait_minutes: int | None  # the profile's risk plan: report if not back by then
    check: CarerCheck | None
    steps: list[CarerStep]
    history: History
    guidance: WaitGuidance | None
    assessments: list[tuple[RiskAssessment, list[str]]]
    decisions: list[ControlRoomDecision]
    tasks: list[Task]
    updates: list[EpisodeUpdate]


def triage(
    session: Session, actor: Actor, rid: str, now: datetime | None = None, min_similar: int = 30
) -> Triage:
    access.require(actor, "decisions", "list")
    now = now or datetime.now()
    episode, pid = episodes.read_episode(session, actor, rid)
    try:
        versions = philomena.profile_history(session, actor, pid)
    except NotFound:  # police see a profile while the child is missing or placed in their area
        versions = []
    content = versions[0].content if versions else None
    share, missing = completeness(content or {})
    check = check_of_episode(session, episode)
    frame = history_frame(session, access.episodes(actor))
    row = frame[frame["rid"] == rid].iloc[0]
    # With no other usable episode (reported by now, not found before it was reported) there is
    # nothing to compare with, and nothing to estimate from.
    earlier = (
        (frame["rid"] != rid)
        & (frame["reported_at"] <= pd.Timestamp(now))
        & ~(frame["found_at"] < frame["reported_at"]).fillna(False)
    )
    # The child's own earlier episodes: the guidance matches on previous behaviour too.
    own = frame[(frame["pid"] == pid) & (frame["reported_at"] < row["reported_at"])]
    guidance = (
        wait_guidance(frame, row, pd.Timestamp(now), min_similar=min_similar, previous=own)
        if earlier.any()
        else None
    )
    assessments = [
        (
            a,
            session.scalar(select(RiskFactors.factors).where(RiskFactors.assessment_id == a.id))
            or [],
        )
        for a in episodes.list_risk_assessments(session, actor, rid)
    ]
    return Triage(
        episode,
        pid,
        content,
        versions[0].version if versions else None,
        share,
        missing,
        versions[0].agreed_wait_minutes if versions else None,
        check,
        steps_of(session, check) if check else [],
        child_history(frame, pid, pd.Timestamp(episode.reported_at)),
        guidance,
        assessments,
        episodes.list_decisions(session, actor, rid),
        tasks.list_tasks(session, actor, rid),
        episodes.list_updates(session, actor, rid),
    )


def assess_risk(
    session: Session,
    actor: Actor,
    rid: str,
    level: str,
    factors: list[str],
    rationale: str | None,
    config: ProcessConfig | None = None,
    library: TaskLibrary | None = None,
) -> RiskAssessment:
    """Record a (re-)assessment with the factors considered and why; the force's policy may refuse
    a level for under-18s. Setting a level generates that level's tasks."""
    access.require(actor, "risk_assessments", "create")
    config = config or default_config()
    episode = access.visible_episode(session, actor, rid)
    if level not in RISK_LEVELS:
        raise Invalid("level", "Choose a risk level")
    try:
        check_level(level, episode.age, config.risk_assessment)
    except RiskLevelRefused as exc:
        raise Invalid("level", str(exc)) from None
    for position, factor in enumerate(factors):
        if factor not in RISK_FLAGS:
            raise Invalid(f"factors.{position}", "Choose risk factors from the list")
    if not (rationale and rationale.strip()):
        raise Invalid("rationale", "Say why this level: the reason is kept with the assessment")
    if factors:  # what the assessor found becomes the episode's flags (the analysis reads them)
        episode.risk_flags = sorted(set(episode.risk_flags or []) | set(factors))
    assessment = episodes.add_risk_assessment(session, actor, rid, level, rationale.strip())
    session.add(RiskFactors(assessment_id=assessment.id, factors=sorted(set(factors))))
    session.flush()
    tasks.generate_for_level(session, actor, rid, level, library)
    return assessment


def decide(
    session: Session,
    actor: Actor,
    rid: str,
    decision: str,
    review_at: datetime | None,
    rationale: str | None,
    now: datetime | None = None,
) -> ControlRoomDecision:
    access.require(actor, "decisions", "create")
    now = now or datetime.now()
    if decision not in DECISIONS:
        raise Invalid("decision", "Choose what happens now")
    if not (rationale and rationale.strip()):
        raise Invalid("rationale", "Say why: the reason is kept with the decision")
    return episodes.add_decision(session, actor, rid, decision, review_at, rationale.strip(), now)


def remind_due_reviews(session: Session, now: datetime | None = None) -> int:
    """Tell the force of each delayed episode whose review time has come, once per decision.

    Only an episode's latest decision counts (a later deploy ends the delay), and only while the
    child is missing. Idempotent, so the worker and every control-room page load may call it.
    """
    now = now or datetime.now()
    latest = (
        select(
            ControlRoomDecision.episode_id, func.max(ControlRoomDecision.id).label("decision_id")
        )
        .group_by(ControlRoomDecision.episode_id)
        .subquery()
    )
    rows = session.execute(
        select(ControlRoomDecision, Episode)
        .join(latest, latest.c.decision_id == ControlRoomDecision.id)
        .join(Episode, Episode.id == ControlRoomDecision.episode_id)
        .outerjoin(ReviewReminder, ReviewReminder.decision_id == ControlRoomDecision.id)
        .where(
            ControlRoomDecision.decision == "delay",
            ControlRoomDecision.review_at <= now,
            Episode.found_at.is_(None),
            ReviewReminder.id.is_(None),
        )
    ).all()
    for decision, episode in rows:
        notify(
            session,
            episode.force_id,
            f"Review due: episode {episode.rid} was delayed until "
            f"{decision.review_at:%H:%M on %d %b %Y}",
            episode.id,
        )
        session.add(ReviewReminder(decision_id=decision.id, notified_at=now))
        audit.record(
            session, None, "review_due", "decision", decision.id, child_id=episode.child_id
        )
    session.flush()
    return len(rows)


@dataclass(frozen=True)
class QueueRow:
    episode: Episode
    pid: str
    decision: ControlRoomDecision | None
    review_due: bool


def queue(session: Session, actor: Actor, now: datetime | None = None) -> list[QueueRow]:
    """The force's open episodes, newest first, with the latest decision and whether a review is
    due."""
    now = now or datetime.now()
    remind_due_reviews(session, now)
    rows, _total = episodes.list_episodes(
        session,
        actor,
        open_only=True,
        pid=None,
        reported_from=None,
        reported_to=None,
        risk=None,
        offset=0,
        limit=200,
    )
    out = []
    for episode, pid in rows:
        decision = (
            session.scalar(
                select(ControlRoomDecision)
                .where(ControlRoomDecision.episode_id == episode.id)
                .order_by(ControlRoomDecision.id.desc())
                .limit(1)
            )
            if access.allowed(actor.role, "decisions", "list")
            else None
        )
        due = bool(
            decision is not None
            and decision.decision == "delay"
            and decision.review_at is not None
            and decision.review_at <= now
        )
        out.append(QueueRow(episode, pid, decision, due))
    return out
