"""Figure 5, Table 4, Figure 8 and Appendix 1 on the fixture."""

import numpy as np
import pandas as pd
import pytest

from misper.analysis import outcomes
from misper.analysis.selection import Shared


def test_found_by_shares_leave_out_unknown(shared):
    table = outcomes.shares(shared.frame["found_by"])
    assert table["incidents"].sum() == 11  # R09 not found
    assert table.loc["police", "incidents"] == 4 and table.loc["self", "share"] == pytest.approx(
        3 / 11
    )


def test_police_gap(shared):
    gap = outcomes.police_gap(shared)
    assert gap["found_by_police_share"] == pytest.approx(4 / 11)
    assert gap["found_how_police_targeted_share"] == pytest.approx(2 / 11)  # R01, R11
    assert gap["found_how_any_police_activity_share"] == pytest.approx(
        4 / 11
    )  # + R03 other, R07 arrested


def test_distance_bands(shared):
    table = outcomes.distance_bands(shared)
    # 0-5: 2, 5, 0.5, 3; 6-10: 7; 11-20: 12; 21-40: 30; 41-80: 41; >80: 90; out of UK: R10
    assert table["incidents"].to_dict() == {
        "0-5": 4,
        "6-10": 1,
        "11-20": 1,
        "21-40": 1,
        "41-80": 1,
        ">80": 1,
        "out_of_uk": 1,
    }
    assert table["share"].sum() == pytest.approx(1.0)


def test_band_edges_are_inclusive_above():
    frame = pd.DataFrame(
        {
            "distance_miles": [0.0, 5.0, 5.01, 10.0, 80.0, 80.5, np.nan],
            "out_of_uk": [False] * 6 + [True],
            "found_at": pd.NaT,
            "reported_at": pd.Timestamp("2022-01-01"),
            "pid": list("abcdefg"),
        }
    )
    table = outcomes.distance_bands(
        Shared(frame, pd.Timestamp("2022-01-01"), pd.Timestamp("2022-12-31"))
    )
    assert table["incidents"].tolist() == [2, 2, 0, 0, 1, 1, 1]


def test_duration_summary(shared):
    d = outcomes.duration_summary(shared)
    # 11 known: 1, 1, 3, 4, 5, 5.02, 6, 11, 12, 48, 72 hours
    assert d["incidents"] == 11 and d["median_hours"] == pytest.approx(5 + 1 / 60)
    assert d["share_within_24h"] == pytest.approx(9 / 11) and d[
        "share_within_48h"
    ] == pytest.approx(10 / 11)


def test_found_hour_by_days(shared):
    table = outcomes.found_hour_by_days(shared)
    assert table.to_numpy().sum() == 11
    assert table.loc["3+ days", 20] == 1  # R07: found three days later at 20:00
    assert table.loc["2 days", 21] == 1  # R03: Saturday 21:00 to Monday 21:00
    assert table.loc["same day"].sum() == 5  # R04, R05, R08, R10, R12
    assert table.loc["1 day"].sum() == 4  # R01, R02, R06, R11 (found after midnight)


def test_crosstab_highlights_cells_over_twice_expected(shared):
    counts, highlight = outcomes.reported_by_found_hour(shared)
    assert counts.to_numpy().sum() == 9  # the 11 found, less R03 (48 h) and R07 (72 h)
    assert counts.loc[22, 2] == 1  # R01 22:30 -> 02:30
    total = counts.to_numpy().sum()
    expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / total
    assert (
        highlight.to_numpy() == ((counts.to_numpy() > 2 * expected) & (counts.to_numpy() > 0))
    ).all()
