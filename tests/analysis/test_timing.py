"""Figures 6-7 on the fixture: weekday and hour by where from, Saturday test, late care reports."""

import pandas as pd
import pytest

from misper.analysis import timing


def test_weekday_table(shared):
    table = timing.weekday_table(shared)
    # Saturdays: R01-R04 (care home), R07, R09 (home), R11 (care home)
    assert (
        table.loc["all", "Sat"] == 7
        and table.loc["care_home", "Sat"] == 5
        and table.loc["home", "Sat"] == 2
    )
    assert table.loc["all"].sum() == 12
    assert table.loc["home", "Mon"] == 2  # R06, R08
    assert "street" not in table.index  # places with no incidents left out


def test_hour_table(shared):
    table = timing.hour_table(shared)
    assert (
        table.loc["care_home", 23] == 2
        and table.loc["care_home", 0] == 1
        and table.loc["care_home", 21] == 1
    )
    assert table.loc["all"].sum() == 12


def test_care_share_late(shared):
    # care-home reports at 22:30, 23:10, 00:30, 23:59 are late; 21:00 is not
    assert timing.care_share_late(timing.hour_table(shared)) == pytest.approx(4 / 5)


def test_saturday_test_against_a_seventh():
    busy = pd.Series([100, 100, 100, 100, 100, 160, 100], index=timing.WEEKDAYS)
    result = timing.saturday_test(busy)
    assert result["busiest"] == "Sat" and result["saturday_p_value"] < 0.001
    flat = timing.saturday_test(pd.Series([100] * 7, index=timing.WEEKDAYS))
    assert flat["saturday_p_value"] > 0.4 and flat["uniform_p_value"] == pytest.approx(1.0)
