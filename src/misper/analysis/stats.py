"""Statistics the report states beside its figures: Gini, intervals and the tests it names."""

from __future__ import annotations

import math
from typing import TypedDict

import numpy as np
from scipy import stats as sps

Z95 = 1.959963984540054


class KruskalResult(TypedDict):
    test: str  # "Kruskal-Wallis"
    groups: list[str]  # the groups compared, sorted
    statistic: float
    p_value: float


def gini(counts: np.ndarray) -> float:
    """Gini coefficient of non-negative counts (0 = all equal, towards 1 = concentrated)."""
    x = np.sort(np.asarray(counts, dtype=float))
    n, total = len(x), x.sum()
    if n == 0 or total == 0:
        return float("nan")
    ranks = np.arange(1, n + 1)
    return float(2.0 * (ranks * x).sum() / (n * total) - (n + 1) / n)


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion (good at small counts, never outside [0, 1])."""
    if trials == 0:
        return float("nan"), float("nan")
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = (
        z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    )
    return max(0.0, centre - half), min(1.0, centre + half)


def goodness_of_fit(observed: np.ndarray, expected_share: np.ndarray) -> tuple[float, float]:
    """Chi-square statistic and p-value of counts against expected shares (scaled to the total)."""
    observed = np.asarray(observed, dtype=float)
    expected = np.asarray(expected_share, dtype=float)
    expected = expected / expected.sum() * observed.sum()
    if observed.sum() == 0:
        return float("nan"), float("nan")
    result = sps.chisquare(observed, expected)
    return float(result.statistic), float(result.pvalue)


def binomial_p(successes: int, trials: int, share: float, alternative: str) -> float:
    """Exact binomial test p-value of `successes` in `trials` against the share expected."""
    if trials == 0:
        return float("nan")
    return float(sps.binomtest(int(successes), int(trials), share, alternative=alternative).pvalue)


def kruskal(groups: dict[str, np.ndarray], min_size: int = 3) -> KruskalResult | None:
    """Kruskal-Wallis test over the groups with at least `min_size` values (None if < 2 groups)."""
    usable = {k: np.asarray(v, dtype=float) for k, v in groups.items() if len(v) >= min_size}
    if len(usable) < 2:
        return None
    values = list(usable.values())
    if all(np.all(v == values[0][0]) for v in values):
        return {
            "test": "Kruskal-Wallis",
            "groups": sorted(usable),
            "statistic": 0.0,
            "p_value": 1.0,
        }
    result = sps.kruskal(*values)
    return {
        "test": "Kruskal-Wallis",
        "groups": sorted(usable),
        "statistic": float(result.statistic),
        "p_value": float(result.pvalue),
    }
