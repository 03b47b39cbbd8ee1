"""The report's default filter and shared intermediates on the five-children fixture."""

import numpy as np
import pandas as pd

from misper.analysis.selection import Shared, days_in_year_within, select


def test_default_filter_keeps_under_18_missing_reports(selection):
    # R13 is an adult, R14 an incident_only record: both dropped and counted
    assert len(selection.frame) == 12
    assert selection.dropped == {
        "reported outside the period": 0,
        "aged 18 or over": 1,
        "record type other than missing_report": 1,
    }
    assert selection.start == pd.Timestamp("2021-01-01") and selection.end == pd.Timestamp(
        "2022-12-31"
    )


def test_period_filter_counts_what_it_drops(raw):
    chosen = select(raw, start="2022-01-01", end="2022-06-30")
    # kept: R01-R05, R07, R09, R10; outside: R06 (2021), R08 (Jul), R12 (Aug), R11 (Dec)
    assert len(chosen.frame) == 8
    assert chosen.dropped["reported outside the period"] == 4
    year = select(raw, year=2021)
    assert list(year.frame["rid"]) == ["R06"]


def test_children_ranked_by_count_then_pid(shared):
    assert shared.n_incidents == 12 and shared.n_children == 5
    assert list(shared.pids[shared.ranking]) == ["P01", "P02", "P03", "P04", "P05"]
    assert list(shared.per_child[shared.ranking]) == [5, 3, 2, 1, 1]


def test_durations_in_hours(shared):
    hours = shared.duration_hours
    by_rid = dict(zip(shared.frame["rid"], hours, strict=True))
    assert by_rid["R01"] == 4 and by_rid["R07"] == 72 and np.isnan(by_rid["R09"])


def test_days_in_year_within_period():
    assert days_in_year_within(2020, pd.Timestamp("2019-01-01"), pd.Timestamp("2022-12-31")) == 366
    assert days_in_year_within(2022, pd.Timestamp("2022-03-01"), pd.Timestamp("2022-03-31")) == 31


def test_has_names_absent_and_empty_columns(shared):
    assert shared.has("found_by") is None
    assert "not in the input" in shared.has("last_seen_at")
    empty = Shared(shared.frame.assign(found_by=pd.NA), shared.start, shared.end)
    assert "no values" in empty.has("found_by")
