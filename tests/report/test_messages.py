"""The key messages of the first page against counts made here with plain pandas from the input
frame (the five children of tests/analysis/five_children.py), not through the report's code."""

import math

import pandas as pd
import pytest

from misper.report import make_report
from misper.report.population import Population


def _analysed(five) -> pd.DataFrame:
    """Under-18 missing reports, as the report's filters keep them."""
    return _analysed_frame(five.frame())


def _message(report, start: str) -> str:
    found = [m for m in report.messages if m.startswith(start)]
    assert len(found) == 1, (start, report.messages)
    return found[0]


@pytest.fixture(scope="module")
def report(five):
    return make_report(five.frame(), population=Population(**five.POPULATION), year=2022)


def test_how_many_and_the_trend(report, five):
    rows = _analysed(five)
    by_year = rows["reported_at"].dt.year.value_counts().sort_index()
    assert list(by_year.index) == [2021, 2022]  # the frame's own years, both whole
    volume = report.messages[0]
    assert volume.startswith(f"{len(rows)} missing reports of children under 18")
    assert f"involving {rows['pid'].nunique()} different children" in volume
    change = by_year.iloc[-1] / by_year.iloc[0] - 1
    trend = _message(report, "Reports rose")
    assert f"by {change:.0%}" in trend
    assert f"from {by_year.iloc[0]} in 2021 to {by_year.iloc[-1]} in 2022" in trend


def test_care_homes_and_repeats(report, five):
    rows = _analysed(five)
    care = (rows["missing_from_type"] == "care_home").sum()
    assert _message(report, f"{care / len(rows):.0%} of reports ({care})").endswith(
        "missing from a care home."
    )
    per_child = rows["pid"].value_counts().sort_values(ascending=False)
    top = math.ceil(0.1 * len(per_child))
    repeats = _message(report, "How concentrated repeats are")
    assert f"({top}) account for {per_child.iloc[:top].sum() / len(rows):.0%} of reports" in repeats
    assert f"{(per_child > 1).mean():.0%} of children went missing more than once" in repeats


def test_when_found_and_how_long(report, five):
    rows = _analysed(five)
    reported = rows["reported_at"]
    when = _message(report, "When children go missing")
    days = reported.dt.day_name().value_counts()
    assert days.iloc[0] > days.iloc[1]  # one busiest day, so the message can name it
    assert f"the busiest day is {days.index[0]}" in when
    hours = reported.dt.hour.value_counts()
    assert hours.iloc[0] == hours.iloc[1] and "peak" not in when  # a tie names no peak hour
    care = reported[rows["missing_from_type"] == "care_home"].dt.hour
    assert f"{care.isin([22, 23, 0]).mean():.0%} of care-home reports" in when

    found_by = rows["found_by"].dropna()
    found_by = found_by[found_by != "unknown"]
    found = _message(report, "How children are found")
    assert f"{(found_by == 'self').mean():.0%} came back by themselves" in found
    assert f"police found {(found_by == 'police').mean():.0%}" in found

    hours_missing = (rows["found_at"] - reported).dt.total_seconds().dropna() / 3600
    hours_missing = hours_missing[hours_missing >= 0]
    how_long = _message(report, "How long children are missing")
    assert f"ended within {hours_missing.median():.1f} hours" in how_long
    assert f"{(hours_missing <= 24).mean():.0%} within a day" in how_long
    assert f"{(hours_missing <= 48).mean():.0%} within two days" in how_long


def test_messages_are_in_the_html_xlsx_and_json(outputs):
    import json

    import openpyxl

    report, paths = outputs
    html = paths["html"].read_text()
    assert '<h2 id="key-messages">Key messages</h2>' in html
    assert html.index("Key messages") < html.index('id="demand"')  # the first thing read
    assert all(m in html for m in report.messages) and len(report.messages) == 7
    assert json.loads(paths["json"].read_text())["key_messages"] == report.messages
    cover = [c.value for row in openpyxl.load_workbook(paths["xlsx"])["Cover"] for c in row]
    assert all(m in cover for m in report.messages)


def test_published_messages_hide_small_counts(published, five):
    report = published[0]
    rows = _analysed(five)
    assert (rows["reported_at"].dt.year == 2021).sum() < 5  # so Table 1's 2021 cell is hidden
    assert not any(m.startswith("Reports ") for m in report.messages)  # no trend from it
    top = math.ceil(0.1 * rows["pid"].nunique())
    assert top < 5
    assert "(fewer than 5) account for" in _message(report, "How concentrated repeats are")
    assert all("<5" not in m and "[c]" not in m for m in report.messages)


def test_a_single_busiest_hour_is_named(five):
    frame = five.frame()
    rows = _analysed(five)
    hours = rows["reported_at"].dt.hour.value_counts()
    peak = hours.index[0]
    moved = rows.index[rows["reported_at"].dt.hour != peak][0]
    frame.loc[moved, "reported_at"] = frame.loc[moved, "reported_at"].replace(hour=peak)
    report = make_report(frame, population=Population(**five.POPULATION), year=2022)
    after = _analysed_frame(frame)["reported_at"].dt.hour.value_counts()
    assert after.iloc[0] > after.iloc[1] and after.index[0] == peak
    when = _message(report, "When children go missing")
    assert f"reports peak from {peak:02d}:00 to {peak:02d}:59" in when


def _analysed_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[(frame["record_type"] == "missing_report") & (frame["age"] < 18)]
