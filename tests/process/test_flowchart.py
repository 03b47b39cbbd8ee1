"""The carer's flowchart: each outcome, and answers that do not fit are refused with their field."""

import pandas as pd
import pytest

from misper.process.config import default_config
from misper.process.flowchart import FlowchartError, Outcome, StepAnswer, decide

RULES = default_config().carer_flowchart
BACK = pd.Timestamp("2022-06-10 22:00")  # expected back by curfew
ALL_STEPS = [s.key for s in RULES.steps]


def answers(keys, result="no_contact"):
    return [StepAnswer(k, BACK + pd.Timedelta(minutes=5 * i), result) for i, k in enumerate(keys)]


def test_keep_trying_until_the_agreed_wait_with_steps_left():
    d = decide(BACK, BACK + pd.Timedelta("20min"), answers(ALL_STEPS[:2]), [], RULES)
    assert d.outcome is Outcome.KEEP_TRYING
    assert d.until == pd.Timestamp("2022-06-10 23:00") and "23:00" in d.reasons[0]
    assert len(d.steps_left) == len(ALL_STEPS) - 2


def test_profile_wait_overrides_the_default():
    d = decide(BACK, BACK + pd.Timedelta("20min"), [], [], RULES, wait_minutes=30)
    assert d.until == pd.Timestamp("2022-06-10 22:30")


def test_wait_over_means_report_now():
    d = decide(BACK, BACK + pd.Timedelta("60min"), answers(ALL_STEPS[:1]), [], RULES)
    assert (
        d.outcome is Outcome.REPORT_NOW and "22:00" not in d.reasons[0] and "23:00" in d.reasons[0]
    )


def test_steps_exhausted_means_report_now_before_the_wait_ends():
    d = decide(BACK, BACK + pd.Timedelta("30min"), answers(ALL_STEPS), [], RULES)
    assert d.outcome is Outcome.REPORT_NOW and "every reasonable step" in d.reasons[0]


def test_a_risk_indicator_means_report_now_at_once():
    d = decide(BACK, BACK + pd.Timedelta("1min"), [], ["exploitation_concern"], RULES)
    assert d.outcome is Outcome.REPORT_NOW and "exploitation" in d.reasons[0]


def test_whereabouts_known_is_late_not_missing_and_found_is_returned():
    late = decide(
        BACK, BACK + pd.Timedelta("90min"), answers(["call_child"], "whereabouts_known"), [], RULES
    )
    assert late.outcome is Outcome.LATE_MONITOR
    found = decide(
        BACK,
        BACK + pd.Timedelta("90min"),
        answers(["search_home"], "found"),
        ["out_of_character"],
        RULES,
    )
    assert found.outcome is Outcome.RETURNED


@pytest.mark.parametrize(
    "bad, field",
    [
        ([StepAnswer("pray", BACK)], "answers[0].key"),
        ([StepAnswer("call_child", BACK, "maybe")], "answers[0].result"),
        ([StepAnswer("call_child", BACK + pd.Timedelta("3h"))], "answers[0].at"),
    ],
)
def test_bad_answers_are_refused_with_the_field(bad, field):
    with pytest.raises(FlowchartError, match=field.replace("[", r"\[").replace("]", r"\]")):
        decide(BACK, BACK + pd.Timedelta("1h"), bad, [], RULES)
    with pytest.raises(FlowchartError, match="concerns"):
        decide(BACK, BACK + pd.Timedelta("1h"), [], ["aliens"], RULES)


def test_the_outcome_says_whether_the_wait_was_agreed_or_the_default():
    agreed = decide(BACK, BACK + pd.Timedelta("20min"), [], [], RULES, wait_minutes=30)
    assert agreed.reasons == (
        "keep trying until 22:30 (the wait agreed in the child's risk plan, 30 minutes)",
    )
    assert (agreed.wait_minutes, agreed.wait_agreed) == (30, True)
    usual = decide(BACK, BACK + pd.Timedelta("20min"), [], [], RULES)
    assert usual.reasons == ("keep trying until 23:00 (the default wait, 60 minutes)",)
    assert (usual.wait_minutes, usual.wait_agreed) == (60, False)
    # An agreed wait of none at all: report as soon as the child is late.
    now = decide(BACK, BACK + pd.Timedelta("1min"), [], [], RULES, wait_minutes=0)
    assert now.outcome is Outcome.REPORT_NOW
    assert now.reasons == (
        "the wait ended at 22:00 (the wait agreed in the child's risk plan, 0 minutes)",
    )
