"""Intense periods, cessation and sentinel first episodes on children whose days can be counted."""

import pandas as pd

from insight.simulated import incidents
from misper.insight.patterns import child_patterns, intense_periods, summarise_patterns

START = pd.Timestamp("2022-01-01")


def frame(days_by_child: dict[str, list[float]]):
    return incidents(
        [
            {"pid": pid, "reported_at": START + pd.Timedelta(days=d)}
            for pid, days in days_by_child.items()
            for d in days
        ]
        + [{"pid": "edge", "reported_at": pd.Timestamp("2022-12-31")}]
    )


def test_intense_periods_join_episodes_at_most_seven_days_apart():
    runs = intense_periods(frame({"a": [0, 100, 103, 110, 117, 130], "b": [0, 8, 16, 24]}))
    # a: 100, 103, 110 (7 days: joined), 117; then 13 days to 130 ends the run. b: every 8 days.
    assert runs["pid"].tolist() == ["a"]
    assert runs["episodes"].tolist() == [4]
    assert runs["start"].iloc[0] == START + pd.Timedelta(days=100)
    assert runs["days"].iloc[0] == 17


def test_child_patterns_match_the_report_descriptions():
    found = child_patterns(
        frame(
            {
                "sentinel": [5, 150, 152, 155, 157, 160],  # one episode, months quiet, then a burst
                "ceased": [10, 40, 70, 100],  # nothing in the last 60 days of the year
                "spread": [10, 100, 190, 280, 350],
                "single": [20],
            }
        )
    ).set_index("pid")
    assert "single" not in found.index  # patterns need two episodes at least
    assert found.loc["sentinel", "sentinel"] and found.loc["sentinel", "intense_periods"] == 1
    assert found.loc["sentinel", "longest_intense"] == 5
    assert found.loc["ceased", "ceased"] and not found.loc["spread", "ceased"]
    assert (
        found.loc["spread", "pattern"] == "spread"
        and found.loc["sentinel", "pattern"] == "compressed"
    )
    assert found.loc["spread", "intense_periods"] == 0


def test_summary_counts_the_patterns_and_keeps_the_timeline_of_the_most_frequent():
    history = frame({"sentinel": [5, 150, 152, 155, 157, 160], "ceased": [10, 40, 70, 100]})
    summary = summarise_patterns(history, timeline_children=1)
    counts = summary.counts
    # Both within a quarter of the year (sentinel's 80% in 10 days, ceased's in 91) and both
    # quiet for the last 60 days; only sentinel has a burst, and a first episode 145 days before.
    assert (counts.children, counts.with_intense_period, counts.compressed) == (2, 1, 2)
    assert (counts.ceased, counts.reduced, counts.sentinel) == (2, 0, 1)
    assert summary.timeline_children == ("sentinel",)
    assert summary.timeline["pid"].tolist() == ["sentinel"] * 6
    assert summary.bursts["pid"].tolist() == ["sentinel"]


def test_summary_of_a_history_without_repeats_is_empty():
    summary = summarise_patterns(frame({"once": [3]}))
    assert summary.counts.children == 0 and summary.timeline_children == ()
    assert summary.timeline.empty
