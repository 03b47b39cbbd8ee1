"""On the default synthetic data, the published-vs-this-data column covers every figure the seed
publishes and the headline figures agree within the tolerances of report/published.yaml."""

import pytest

from misper import synth
from misper.report import compare, make_report

HEADLINE = (  # figures the generator is calibrated to (see its brief); all must agree
    "2019: reports, under 18",
    "2020: reports, under 18",
    "2021: reports, under 18",
    "2022: reports, under 18",
    "2019: individuals, under 18",
    "2022: individuals, under 18",
    "under-18 incidents 2019-2022",
    "missing from Home/Neighbourhood",
    "missing from Childrens Home and Supported Living",
    "top 10% of children: share of incidents",
    "returned of own accord (found_by self)",
    "found by police",
    "found how: police targeted",
    "0-5 miles",
    "6-10 miles",
    "resolved within 24 h",
    "busiest weekday",
    "care-home reports 22:00-01:00",
    "risk flag: Gang risk",
    "risk flag: CSE risk",
    "mean narratives per incident",
    "mean tasks, high risk",
    "mean tasks, medium risk",
)


@pytest.fixture(scope="module")
def compared():
    year = compare.detail_year()
    report = make_report(synth.generate(seed=0).incidents, year=year, compare_published=True)
    return {row["figure"]: row for row in report.data["published_comparison"]}


def test_every_published_figure_has_a_row(compared):
    ref = compare.reference()
    expected = (
        len(ref["annual"]) * 5
        + 1
        + 1
        + len(ref["missing_from"])
        + len(ref["ethnic_appearance"])
        + len(ref["distance_miles_percent"])
        + len(ref["reasons_vulnerability_counts"])
        + len(ref["risk_flags_percent"])
    )
    assert len(compared) >= expected
    assert "rank 1: incidents" in compared and "Table 7 total: full_care" in compared


def test_headline_figures_agree(compared):
    misses = {
        f: (compared[f]["published"], compared[f]["this_data"])
        for f in HEADLINE
        if not compared[f]["agrees"]
    }
    assert misses == {}
