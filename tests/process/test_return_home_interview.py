"""The 72-hour clock at its edge, and monthly compliance counted by hand."""

import pandas as pd
import pytest

from misper.process.config import default_config
from misper.process.return_home_interview import Clock, clock, due_at, monthly_compliance

RULES = default_config().return_home_interview
FOUND = pd.Timestamp("2022-03-01 10:00")


@pytest.mark.parametrize(
    "after, expected",
    [("71h59min", Clock.ON_TIME), ("72h", Clock.ON_TIME), ("72h01min", Clock.LATE)],
)
def test_completed_at_the_edge(after, expected):
    assert (
        clock(FOUND, FOUND + pd.Timedelta(after), FOUND + pd.Timedelta("100h"), RULES) is expected
    )


@pytest.mark.parametrize(
    "now, expected", [("71h59min", Clock.DUE), ("72h", Clock.DUE), ("72h01min", Clock.OVERDUE)]
)
def test_not_done_becomes_overdue_after_72_hours(now, expected):
    assert clock(FOUND, None, FOUND + pd.Timedelta(now), RULES) is expected


def test_due_at_is_72_hours_after_found():
    assert due_at(FOUND, RULES) == pd.Timestamp("2022-03-04 10:00")


def test_monthly_compliance():
    rows = pd.DataFrame(
        {
            "found_at": pd.to_datetime(
                ["2022-03-01 10:00", "2022-03-20 09:00", "2022-04-02 08:00"]
            ),
            "offered": [True, True, None],
            "accepted": [True, False, None],
            "completed_at": pd.to_datetime(["2022-03-04 09:59", None, "2022-04-06 08:00"]),
            "shared_with_police": [True, None, False],
        }
    )
    table = monthly_compliance(rows, RULES).set_index("month")
    march, april = table.loc["2022-03"], table.loc["2022-04"]
    assert (
        march.episodes,
        march.offered,
        march.completed,
        march.within_target,
        march.shared_with_police,
    ) == (2, 2, 1, 1, 1)
    assert (april.episodes, april.completed, april.within_target) == (1, 1, 0)  # 96 h: late
    assert march.within_target_share == 0.5
