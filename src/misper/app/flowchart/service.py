"""The carer's flowchart as stored work: start a check, record each step's answer, work out the
outcome (`process.flowchart.decide`), and report to the police carrying the profile and the
steps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor, visible_child
from misper.app.audit import service as audit
from misper.app.children.models import Child
from misper.app.children.service import CHILD_UNDER, create_child
from misper.app.episodes import service as episodes
from misper.app.episodes.models import Episode
from misper.app.errors import Conflict, Invalid, NotFound
from misper.app.flowchart.models import CarerCheck, CarerStep
from misper.app.philomena.models import PhilomenaProfile
from misper.app.philomena.service import agreed_wait
from misper.app.schemas import child_birth_date_problem
from misper.process.config import FlowchartRules, default_config
from misper.process.flowchart import Decision, FlowchartError, Outcome, StepAnswer, decide

RESULTS = {
    "no_contact": "No contact, not found",
    "whereabouts_known": "Whereabouts known, safe",
    "found": "Found, back or with us",
}


@dataclass(frozen=True)
class CheckView:
    check: CarerCheck
    pid: str
    steps: list[CarerStep]
    decision: Decision


def _rules(rules: FlowchartRules | None) -> FlowchartRules:
    return rules or default_config().carer_flowchart


def _visible_check(
    session: Session, actor: Actor, check_id: int, scope=access.carer_checks
) -> tuple[CarerCheck, str]:
    # Care staff see the checks of children placed with them, police those of their reports
    # (access.carer_checks); the agency that started a check alone writes in it
    # (access.kept_carer_checks).
    row = session.execute(
        select(CarerCheck, Child.pid)
        .join(Child, Child.id == CarerCheck.child_id)
        .where(CarerCheck.id == check_id, scope(actor))
    ).first()
    if row is None:
        raise NotFound("check")
    return row


def start_check(
    session: Session,
    actor: Actor,
    pid: str | None,
    expected_back: datetime,
    now: datetime | None = None,
    new_child: dict | None = None,
) -> CarerCheck:
    """A child is not where they should be: open a check (the flowchart's first question).

    Care staff name a child placed with them. The police also take parents' and others' reports
    through the same steps, for a child new to the store (`new_child`: name, date_of_birth), who
    has no profile."""
    access.require(actor, "episodes", "create")
    now = now or datetime.now()
    if expected_back > now:
        raise Invalid(
            "expected_back", "The time expected back is in the future: the child is not late yet"
        )
    if pid is not None:
        child = visible_child(session, actor, pid)
    elif new_child is not None and access.may_report_new_child(actor):
        if not (new_child.get("name") or "").strip():
            raise Invalid("name", "Enter the child's name")
        if new_child.get("date_of_birth") is None:
            raise Invalid("date_of_birth", "Enter the child's date of birth: the age is needed")
        problem = child_birth_date_problem(new_child["date_of_birth"], now.date())
        if problem:
            raise Invalid("date_of_birth", problem)
        child = create_child(
            session,
            actor,
            name=new_child["name"].strip(),
            date_of_birth=new_child["date_of_birth"],
            gender=None,
            ethnic_appearance=None,
            in_care=None,
            responsible_council_id=None,
        )
    else:
        raise Invalid("pid", "Choose a child placed with you")
    check = CarerCheck(
        child_id=child.id,
        agency_id=actor.agency_id,
        started_by=actor.user_id,
        started_at=now,
        expected_back=expected_back,
        concerns=[],
    )
    session.add(check)
    session.flush()
    audit.record(session, actor, "create", "carer_check", check.id, child_id=child.id)
    return check


def child_name(session: Session, actor: Actor, check: CarerCheck) -> str | None:
    """The name of the check's child, when the caller may read it: the page says whom the steps
    are about (the name typed into a parent's report, say)."""
    return session.scalar(
        select(Child.name).where(Child.id == check.child_id, access.readable_children(actor))
    )


def read_check(
    session: Session,
    actor: Actor,
    check_id: int,
    now: datetime | None = None,
    rules: FlowchartRules | None = None,
) -> CheckView:
    access.require(actor, "episodes", "read")
    check, pid = _visible_check(session, actor, check_id)
    audit.record(session, actor, "read", "carer_check", check.id, child_id=check.child_id)
    steps = steps_of(session, check)
    return CheckView(
        check, pid, steps, _decide(session, check, steps, now or datetime.now(), _rules(rules))
    )


def steps_of(session: Session, check: CarerCheck) -> list[CarerStep]:
    return list(
        session.scalars(
            select(CarerStep)
            .where(CarerStep.check_id == check.id)
            .order_by(CarerStep.at, CarerStep.id)
        )
    )


def _decide(
    session: Session,
    check: CarerCheck,
    steps: list[CarerStep],
    now: datetime,
    rules: FlowchartRules,
) -> Decision:
    """The outcome now, with the wait agreed in the child's current profile when it sets one."""
    answers = [StepAnswer(s.step, pd.Timestamp(s.at), s.result) for s in steps]
    return decide(
        pd.Timestamp(check.expected_back),
        pd.Timestamp(now),
        answers,
        check.concerns,
        rules,
        wait_minutes=agreed_wait(session, check.child_id),
    )


def _open(check: CarerCheck) -> None:
    if check.episode_id is not None:
        raise Conflict("this check was reported to the police; add updates to the episode instead")


def record_step(
    session: Session,
    actor: Actor,
    check_id: int,
    step: str,
    result: str,
    at: datetime,
    note: str | None,
    now: datetime | None = None,
    rules: FlowchartRules | None = None,
) -> CheckView:
    """Save one answer with the time the step was taken; the answer is kept whatever comes next."""
    access.require(actor, "episodes", "create")
    now, rules = now or datetime.now(), _rules(rules)
    check, pid = _visible_check(session, actor, check_id, access.kept_carer_checks)
    _open(check)
    if step not in {s.key for s in rules.steps}:
        raise Invalid("step", "Choose one of the steps listed")
    if result not in RESULTS:
        raise Invalid("result", "Choose what the step found")
    if at > now:
        raise Invalid("at", "The time of the step cannot be in the future")
    if at < check.expected_back - pd.Timedelta(hours=24):
        raise Invalid(
            "at", "The time of the step is more than a day before the child was expected back"
        )
    row = CarerStep(
        check_id=check.id,
        step=step,
        result=result,
        note=note or None,
        at=at,
        recorded_at=now,
        recorded_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "carer_step", row.id, child_id=check.child_id)
    return _refresh(session, check, pid, now, rules)


def set_concerns(
    session: Session,
    actor: Actor,
    check_id: int,
    concerns: list[str],
    now: datetime | None = None,
    rules: FlowchartRules | None = None,
) -> CheckView:
    access.require(actor, "episodes", "create")
    now, rules = now or datetime.now(), _rules(rules)
    check, pid = _visible_check(session, actor, check_id, access.kept_carer_checks)
    _open(check)
    known = {c.key for c in rules.report_now_if}
    for position, concern in enumerate(concerns):
        if concern not in known:
            raise Invalid(f"concerns.{position}", "Choose concerns from the list")
    check.concerns = sorted(set(concerns))
    audit.record(
        session,
        actor,
        "update",
        "carer_check",
        check.id,
        child_id=check.child_id,
        detail={"concerns": check.concerns},
    )
    return _refresh(session, check, pid, now, rules)


def _refresh(session, check, pid, now, rules) -> CheckView:
    steps = steps_of(session, check)
    try:
        decision = _decide(session, check, steps, now, rules)
    except FlowchartError as exc:  # a stored answer whose step the configuration no longer has
        raise Invalid("answers", str(exc)) from None
    check.outcome = decision.outcome.value
    check.until = decision.until.to_pydatetime() if decision.until is not None else None
    session.flush()
    return CheckView(check, pid, steps, decision)


def report_to_police(
    session: Session,
    actor: Actor,
    check_id: int,
    now: datetime | None = None,
    rules: FlowchartRules | None = None,
    age: int | None = None,
) -> tuple[Episode, str]:
    """Open the episode from the check: the police see the steps, concerns and profile version,
    so nothing is asked twice. A carer may report at any point; the flowchart only advises.

    The episode's age comes from the child's date of birth; `age`, the reporter's word, is asked
    only when none is recorded (`needs_age`)."""
    access.require(actor, "episodes", "create")
    now, rules = now or datetime.now(), _rules(rules)
    check, pid = _visible_check(session, actor, check_id, access.kept_carer_checks)
    _open(check)
    if age is not None and not 0 <= age < CHILD_UNDER:
        raise Invalid("age", f"Enter the child's age in years, from 0 to {CHILD_UNDER - 1}")
    if age is None and needs_age(session, check):
        raise Invalid("age", "Enter the child's age: their date of birth is not recorded")
    steps = steps_of(session, check)
    decision = _decide(session, check, steps, now, rules)
    if decision.outcome is Outcome.RETURNED:
        raise Conflict("the child was found during the steps: there is nothing to report")
    labels = {s.key: s.label for s in rules.steps} | {c.key: c.label for c in rules.report_now_if}
    lines = [
        f"Expected back {check.expected_back:%d %b %Y %H:%M}; "
        f"flowchart outcome: {'; '.join(decision.reasons)}."
    ]
    lines += [f"Concern: {labels[c]}." for c in check.concerns]
    lines += [
        f"{s.at:%H:%M} {labels[s.step]}: {RESULTS[s.result]}" + (f" ({s.note})" if s.note else "")
        for s in steps
    ]
    # Care staff report children placed in their homes; police take a parent's report the same way.
    where_from = "care_home" if access.reports_from_care_home(actor) else "home"
    episode, pid = episodes.report_missing(
        session,
        actor,
        pid=pid,
        child=None,
        fields={
            "reported_at": now,
            "missing_from_type": where_from,
            "circumstances_text": "\n".join(lines),
            **({"age": age} if age is not None and needs_age(session, check) else {}),
        },
    )
    check.episode_id = episode.id
    check.outcome = Outcome.REPORT_NOW.value
    check.profile_version = session.scalar(
        select(PhilomenaProfile.version)
        .where(PhilomenaProfile.child_id == check.child_id)
        .order_by(PhilomenaProfile.version.desc())
        .limit(1)
    )
    session.flush()
    audit.record(
        session,
        actor,
        "report",
        "carer_check",
        check.id,
        child_id=check.child_id,
        detail={"episode": episode.rid},
    )
    return episode, pid


def needs_age(session: Session, check: CarerCheck) -> bool:
    """Whether reporting the check's child needs the child's age asked: no date of birth held."""
    born = session.scalar(select(Child.date_of_birth).where(Child.id == check.child_id))
    return born is None


def check_of_episode(session: Session, episode: Episode) -> CarerCheck | None:
    """The carer's check an episode came from, if any (the caller has already been allowed it)."""
    return session.scalar(select(CarerCheck).where(CarerCheck.episode_id == episode.id))
