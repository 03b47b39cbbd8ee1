"""When children are reported: day of week (Figure 6) and hour of day (Figure 7) by where from."""

from __future__ import annotations

from typing import TypedDict

import numpy as np
import pandas as pd

from misper.analysis import stats
from misper.analysis.selection import Shared

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CARE_LATE_HOURS = (22, 23, 0)  # the seed's 22:00-01:00 window, i.e. reported 22:00-00:59


class SaturdayTest(TypedDict):
    busiest: str | None  # weekday with most incidents; None when there are none
    saturday_share: float | None
    saturday_p_value: float
    chi2: float
    uniform_p_value: float


def _by_type(shared: Shared, values: np.ndarray, size: int) -> pd.DataFrame:
    """Counts of `values` (0..size-1) per missing_from_type (rows) plus a row 'all'."""
    kinds = shared.frame["missing_from_type"]
    codes = kinds.cat.codes.to_numpy()
    table = np.zeros((len(kinds.cat.categories), size), dtype=np.int64)
    np.add.at(table, (codes[codes >= 0], values[codes >= 0]), 1)
    frame = pd.DataFrame(table, index=kinds.cat.categories)
    frame = frame[frame.sum(axis=1) > 0]
    frame.loc["all"] = np.bincount(values, minlength=size)
    return frame


def weekday_table(shared: Shared) -> pd.DataFrame:
    """Incidents by weekday of reported_at (Mon..Sun) for each place missing from and 'all'."""
    table = _by_type(shared, shared.frame["reported_at"].dt.dayofweek.to_numpy(), 7)
    table.columns = list(WEEKDAYS)
    return table


def hour_table(shared: Shared) -> pd.DataFrame:
    """Incidents by hour of reported_at (0..23) for each place missing from and 'all'."""
    return _by_type(shared, shared.frame["reported_at"].dt.hour.to_numpy(), 24)


def saturday_test(weekdays: pd.Series) -> SaturdayTest:
    """Is Saturday the busiest day, and busier than a seventh of incidents beyond chance?

    Weekdays occur almost equally often in a multi-year period, so the null share is 1/7: an exact
    one-sided binomial test for Saturday, and a chi-square test of all seven days against uniform.
    """
    counts = weekdays.to_numpy()
    total = int(counts.sum())
    chi2, p_all = stats.goodness_of_fit(counts, np.ones(7))
    return {
        "busiest": str(weekdays.idxmax()) if total else None,
        "saturday_share": counts[5] / total if total else None,
        "saturday_p_value": stats.binomial_p(int(counts[5]), total, 1 / 7, "greater"),
        "chi2": chi2,
        "uniform_p_value": p_all,
    }


def care_share_late(hours: pd.DataFrame) -> float | None:
    """Share of care_home incidents reported 22:00-00:59 (None when there are none)."""
    if "care_home" not in hours.index or hours.loc["care_home"].sum() == 0:
        return None
    row = hours.loc["care_home"]
    return float(row[list(CARE_LATE_HOURS)].sum() / row.sum())
