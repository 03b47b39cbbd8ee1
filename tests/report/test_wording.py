"""Plain words for p-values and column names: the thresholds, and a label for every name shown."""

import math
import re

import pytest

from misper.report.wording import label, significance, weekday


@pytest.mark.parametrize(
    "p, words",
    [
        (5.1e-49, "far more than chance would explain (p < 0.001)"),
        (0.000999, "far more than chance would explain (p < 0.001)"),
        (0.001, "very unlikely to be chance (p < 0.01)"),
        (0.0099, "very unlikely to be chance (p < 0.01)"),
        (0.01, "unlikely to be chance (p < 0.05)"),
        (0.0499, "unlikely to be chance (p < 0.05)"),
        (0.05, "small enough to be chance (p = 0.05)"),
        (0.73, "small enough to be chance (p = 0.73)"),
        (1.0, "small enough to be chance (p = 1.00)"),
        (math.nan, "not tested (too few incidents)"),
        (None, "not tested (too few incidents)"),
    ],
)
def test_significance_in_words(p, words):
    assert significance(p) == words


def test_labels_from_the_mapping_or_spelt_out():
    assert label("per_day") == "Reports per day"
    assert label("incidents_per_child") == "Reports per child"
    assert label("missing_from_type") == "Place missing from"
    assert label("care_home") == "Care home"  # not in the mapping: spelt out
    assert label("home") == "home" and label("HP4 1") == "HP4 1" and label(2022) == "2022"
    assert label(None) == ""
    assert weekday("Sat") == "Saturday" and weekday(None) == ""


def test_no_statistical_shorthand_in_findings(outputs):
    report = outputs[0]
    findings = " ".join(f for s in report.sections for f in s.findings)
    assert not re.search(r"\bp = \d\.\d+e-\d+", findings)  # p-values in words, never 5.1e-49
    assert " H = " not in findings and "binomial p" not in findings
