"""Statistics against values computed by hand or by the textbook formula."""

import numpy as np
import pytest

from misper.analysis import stats


def test_gini():
    assert stats.gini(np.array([1, 1, 1, 1])) == pytest.approx(0.0)
    assert stats.gini(np.array([0, 0, 0, 4])) == pytest.approx(
        0.75
    )  # (n - 1) / n at full concentration
    assert np.isnan(stats.gini(np.array([])))


def test_wilson_interval():
    # Wilson 95% for 3/11: R prop.test(3, 11, correct = FALSE)$conf.int = 0.0975, 0.5657
    low, high = stats.wilson(3, 11)
    assert low == pytest.approx(0.0975, abs=1e-3) and high == pytest.approx(0.5657, abs=1e-3)
    assert stats.wilson(0, 10)[0] == 0.0


def test_goodness_of_fit_and_binomial():
    chi2, p = stats.goodness_of_fit(np.array([10, 10, 10]), np.array([1, 1, 1]))
    assert chi2 == 0 and p == pytest.approx(1.0)
    # P(X >= 9 | n = 10, p = 0.5) = 11 / 1024
    assert stats.binomial_p(9, 10, 0.5, "greater") == pytest.approx(11 / 1024)


def test_kruskal_needs_two_groups():
    assert stats.kruskal({"a": np.array([1, 2, 3])}) is None
    result = stats.kruskal({"a": np.array([1, 2, 3]), "b": np.array([4, 5, 6])})
    assert result["groups"] == ["a", "b"] and result["p_value"] < 0.1
