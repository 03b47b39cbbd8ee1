"""Figure 4, Table 8 and Figure 10 on the fixture (counts 5, 3, 2, 1, 1)."""

import numpy as np
import pytest

from misper.analysis import repeats


def test_concentration(shared):
    c = repeats.concentration(shared)
    assert c["top_decile_share"] == pytest.approx(5 / 12)  # ceil(0.1 * 5) = 1 child: P01's 5 of 12
    assert c["top_20pct_share"] == pytest.approx(5 / 12)  # ceil(0.2 * 5) = 1
    # sorted 1,1,2,3,5: 2*(1+2+6+12+25)/(5*12) - 6/5 = 1/3
    assert c["gini"] == pytest.approx(1 / 3)
    assert c["share_children_once"] == pytest.approx(2 / 5)
    assert c["repeat_incident_share"] == pytest.approx(7 / 12)


def test_lorenz_curve(shared):
    curve = repeats.lorenz_curve(shared)
    assert list(curve["share_of_incidents"]) == pytest.approx(
        [0, 5 / 12, 8 / 12, 10 / 12, 11 / 12, 1]
    )
    assert list(curve["share_of_children"]) == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1])


def test_top_children(shared):
    top = repeats.top_children(shared).set_index("pid")
    assert list(top.index) == [
        "P01",
        "P02",
        "P03",
        "P04",
        "P05",
    ]  # P04 before P05: tie broken by pid
    first = top.loc["P01"]
    assert (first["from_care"], first["from_home"], first["places"]) == (4, 1, 2)
    assert first["in_care_mostly"] and first["from_care_share"] == pytest.approx(0.8)
    assert first["in_care"] == "Yes" and first["county_lines"] and first["warning_marker"]
    assert top.loc["P02", "in_care"] == "No" and not top.loc["P02", "county_lines"]
    assert top.loc["P04", "out_of_area"] == "Yes" and top.loc["P05", "social_worker"] == "Unknown"
    summary = repeats.top_summary(top.reset_index())
    assert summary["mostly_from_care_share"] == pytest.approx(2 / 5)  # P01, P04
    assert summary["more_than_one_place_share"] == pytest.approx(
        2 / 5
    )  # P01 (H1, X1), P03 (X3, S1)


def test_patterns():
    year = 365
    spread = repeats.classify_pattern(np.linspace(0, 360, 12), year)
    assert spread == {"pattern": "spread", "ceased": False, "reduced": False, "sentinel": False}
    burst = repeats.classify_pattern(np.array([10, 200, 203, 206, 210, 214, 218]), year)
    assert (
        burst["pattern"] == "compressed" and burst["sentinel"] and burst["ceased"]
    )  # last on day 218
    # 10 incidents in the first 3 quarters (0.037 a day), 1 in the last (0.011 a day, under half)
    fading = repeats.classify_pattern(
        np.array([0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 340]), year
    )
    assert fading["reduced"] and not fading["ceased"]


def test_timelines(shared):
    events, patterns = repeats.timelines(shared, 2)
    assert list(events["rank"]) == [1] * 5 + [2] * 3
    assert events.loc[0, "day"] == 372  # 2022-01-08 is day 372 of a period starting 2021-01-01
    assert list(patterns["incidents"]) == [5, 3]
