"""The carer's flowchart when a child is not where they should be (the Philomena Protocol's steps).

Late or missing? A carer takes the reasonable steps a parent would, records each answer with its
time, and calls the police when a risk indicator is present, when the steps are exhausted, or when
the agreed wait has passed. The decision says which, and why, so the report to the police carries
it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import pandas as pd

from misper.process.config import FlowchartRules


class Outcome(StrEnum):
    RETURNED = "returned"  # found during the steps: no report
    LATE_MONITOR = "late_monitor"  # whereabouts known and safe: record as absent / late, monitor
    KEEP_TRYING = "keep_trying"  # carry on with the steps until `until`
    REPORT_NOW = "report_now"  # call the police now (999 if in immediate danger)


@dataclass(frozen=True)
class StepAnswer:
    key: str  # one of the configured steps
    at: pd.Timestamp
    result: str = "no_contact"  # no_contact, found, whereabouts_known


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[str, ...]
    until: pd.Timestamp | None = None
    steps_left: tuple[str, ...] = field(default_factory=tuple)
    wait_minutes: int | None = None  # the wait that applied, when it came into the decision
    wait_agreed: bool = False  # it was the child's agreed wait, not the default


class FlowchartError(ValueError):
    """An answer that does not fit the flowchart (unknown step or concern, answer in the future)."""


def decide(
    expected_back: pd.Timestamp,
    now: pd.Timestamp,
    answers: Sequence[StepAnswer],
    concerns: Collection[str],
    rules: FlowchartRules,
    wait_minutes: int | None = None,
) -> Decision:
    """The flowchart's outcome at `now`; `wait_minutes` is the profile's agreed wait, if any."""
    _check(answers, concerns, now, rules)
    labels = {c.key: c.label for c in rules.report_now_if}
    raised = [labels[k] for k in (c.key for c in rules.report_now_if) if k in set(concerns)]
    if any(a.result == "found" for a in answers):
        return Decision(Outcome.RETURNED, ("found during the carer's steps",))
    if raised:
        return Decision(Outcome.REPORT_NOW, tuple(raised))
    if any(a.result == "whereabouts_known" for a in answers):
        return Decision(
            Outcome.LATE_MONITOR,
            ("whereabouts known and believed safe: late, not missing; keep in contact",),
        )
    agreed = wait_minutes is not None
    wait = wait_minutes if agreed else rules.wait_minutes
    until = pd.Timestamp(expected_back) + pd.Timedelta(minutes=wait)
    which = (
        f"the wait agreed in the child's risk plan, {wait} minutes"
        if agreed
        else f"the default wait, {wait} minutes"
    )
    done = {a.key for a in answers}
    left = tuple(s.label for s in rules.steps if s.key not in done)
    if not left:
        return Decision(
            Outcome.REPORT_NOW, ("every reasonable step taken without finding the child",)
        )
    if pd.Timestamp(now) >= until:
        return Decision(
            Outcome.REPORT_NOW,
            (f"the wait ended at {until:%H:%M} ({which})",),
            steps_left=left,
            wait_minutes=wait,
            wait_agreed=agreed,
        )
    return Decision(
        Outcome.KEEP_TRYING,
        (f"keep trying until {until:%H:%M} ({which})",),
        until,
        left,
        wait,
        agreed,
    )


def _check(
    answers: Sequence[StepAnswer],
    concerns: Collection[str],
    now: pd.Timestamp,
    rules: FlowchartRules,
) -> None:
    steps = {s.key for s in rules.steps}
    known_concerns = {c.key for c in rules.report_now_if}
    for i, answer in enumerate(answers):
        if answer.key not in steps:
            raise FlowchartError(f"answers[{i}].key: unknown step {answer.key!r}")
        if answer.result not in ("no_contact", "found", "whereabouts_known"):
            raise FlowchartError(
                f"answers[{i}].result: {answer.result!r} is not no_contact, "
                f"found or whereabouts_known"
            )
        if pd.Timestamp(answer.at) > pd.Timestamp(now):
            raise FlowchartError(f"answers[{i}].at: {answer.at} is in the future")
    unknown = set(concerns) - known_concerns
    if unknown:
        raise FlowchartError(f"concerns: unknown {sorted(unknown)}")
