"""The published comparison: its single-year figures follow the published year (from the
reference data) and its tolerance rules switch where they say."""

import pytest

from misper import synth
from misper.report import compare
from misper.report.assemble import assemble


@pytest.fixture(scope="module")
def incidents():
    return synth.generate(incidents=1500, seed=5).incidents


def _figures(frame, year, published_year=None):
    ctx, sections = assemble(frame, year=year)
    compare.add_comparisons(ctx, sections, published_year=published_year)
    return {c.figure for s in sections for c in s.comparisons}


def test_the_published_year_is_the_reference_detail_year():
    assert compare.detail_year() == compare.reference()["detail_year"] == 2022


def test_single_year_figures_only_for_the_published_year(incidents):
    year = compare.detail_year()
    assert {f"{year} reports, under 18", "rank 1: incidents"} <= _figures(incidents, year)
    before = _figures(incidents, year - 1)
    assert "rank 1: incidents" not in before and f"{year - 1} reports, under 18" not in before
    told = _figures(incidents, year - 1, published_year=year - 1)
    assert {f"{year - 1} reports, under 18", "rank 1: incidents"} <= told


@pytest.fixture
def rows():
    return compare._Rows(compare.published_config()["tolerance"])


@pytest.mark.parametrize(
    ("published", "ours", "agrees"),
    [
        (100, 105, True),  # from LARGE_COUNT on: within 5%
        (100, 106, False),
        (99, 148, True),  # below it: within max(10, 50%)
        (99, 149, False),
        (8, 18, True),
        (8, 19, False),
    ],
)
def test_count_rule(rows, published, ours, agrees):
    assert rows.count("figure", published, ours).agrees is agrees


@pytest.mark.parametrize(
    ("published", "ours", "relative", "agrees"),
    [
        (2, 4, compare.DEATHS_RELATIVE, True),
        (2, 5, compare.DEATHS_RELATIVE, False),
        (8, 10, compare.CARE_COUNT_RELATIVE, True),  # 15% of 8 is 1.2: RELATIVE_FLOOR allows 2
        (8, 11, compare.CARE_COUNT_RELATIVE, False),
        (148, 162.7, compare.WORKLOAD_RELATIVE, True),
        (148, 163, compare.WORKLOAD_RELATIVE, False),
    ],
)
def test_relative_tolerances(rows, published, ours, relative, agrees):
    assert rows.count("figure", published, ours, relative=relative).agrees is agrees


@pytest.mark.parametrize(
    ("published", "ours", "agrees"),
    [
        (0.10, 0.13, True),  # from LARGE_SHARE on: within 3 points
        (0.10, 0.131, False),
        (0.09, 0.135, True),  # below it: within max(0.01, 50%)
        (0.09, 0.136, False),
        (0.001, 0.011, True),
        (0.001, 0.012, False),
    ],
)
def test_share_rule(rows, published, ours, agrees):
    assert rows.share("figure", published, ours).agrees is agrees
