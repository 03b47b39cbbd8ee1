"""Escalation rules at their edges: the third episode on day 30 vs day 31, flags, MARM -> MACE."""

import pandas as pd

from misper.process.config import default_config
from misper.process.escalation import Episode, mace_reasons, marm_reasons

RULES = default_config().escalation
DAY0 = pd.Timestamp("2022-05-01 22:00")


def on(days, flags=()):
    return Episode(DAY0 + pd.Timedelta(days=days), tuple(flags))


def test_third_episode_on_day_30_refers():
    assert marm_reasons([on(0), on(15), on(30)], RULES) == ["3 episodes within 30 days"]


def test_third_episode_on_day_31_does_not():
    assert marm_reasons([on(0), on(15), on(31)], RULES) == []


def test_exploitation_flag_refers_whatever_the_count():
    assert marm_reasons([on(0), on(200, ["county_lines", "gang"])], RULES) == [
        "exploitation flag: county_lines, gang"
    ]


def test_first_episode_with_risk_indicators():
    assert marm_reasons([on(0, ["suicide"])], RULES) == [
        "first episode with risk indicators: suicide"
    ]
    assert marm_reasons([on(0), on(90, ["suicide"])], RULES) == []  # not the first any more
    assert marm_reasons([], RULES) == []


def test_continued_episodes_after_marm_escalate_to_mace():
    referred = DAY0 + pd.Timedelta(days=31)
    history = [on(0), on(15), on(30), on(40), on(121)]
    assert mace_reasons(history, referred, RULES) == [
        "2 episodes within 90 days after the MARM referral"
    ]
    assert mace_reasons(history[:4] + [on(122)], referred, RULES) == []  # day 122 is 91 days after
    assert mace_reasons(history, None, RULES) == []
