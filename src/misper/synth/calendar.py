"""The generator's clock: days since the range start, day-of-week and month demand factors, years.

Time inside the generator is a float number of days since `start` (midnight). The cumulative day
factor turns "uniform in demand" into "uniform in days" so that incidents can be placed inside a
spell by inverting it, all vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from misper.synth import parameters as P


@dataclass(frozen=True)
class Calendar:
    start: date
    end: date  # inclusive
    days: int
    factor: np.ndarray  # demand factor of each day (month x weekday)
    cumulative: np.ndarray  # len days+1: cumulative factor at each midnight
    school: np.ndarray  # cumulative factor of school days (for reports from education)
    years: list[tuple[int, float, float]]  # (year, first day, end day) clipped to the range

    @classmethod
    def of(cls, start: date, end: date) -> Calendar:
        dates = pd.date_range(start, end, freq="D")
        weekday, month = dates.weekday.to_numpy(), dates.month.to_numpy()
        factor = P.WEEKDAY_FACTOR[weekday] * P.MONTH_FACTOR[month - 1]
        school = P.SCHOOL_DAY_FACTOR[weekday] * np.where(month == 8, P.SCHOOL_AUGUST_FACTOR, 1.0)
        years = []
        for year in range(start.year, end.year + 1):
            first = (max(start, date(year, 1, 1)) - start).days
            last = (min(end, date(year, 12, 31)) - start).days + 1
            years.append((year, float(first), float(last)))
        return cls(start, end, len(dates), factor, _cumsum0(factor), _cumsum0(school), years)

    def demand(self, t0: npt.ArrayLike, t1: npt.ArrayLike, school: bool = False) -> np.ndarray:
        """Demand-weighted length of [t0, t1) (zero where empty), in factor-days."""
        grid = np.arange(self.days + 1, dtype=float)
        cum = self.school if school else self.cumulative
        lo = np.interp(np.clip(t0, 0, self.days), grid, cum)
        hi = np.interp(np.clip(t1, 0, self.days), grid, cum)
        return np.maximum(hi - lo, 0.0)

    def place(
        self, t0: npt.ArrayLike, t1: npt.ArrayLike, u: npt.ArrayLike, school: bool = False
    ) -> np.ndarray:
        """Day index at demand quantile u in [0, 1) of [t0, t1): the cumulative factor inverted."""
        grid = np.arange(self.days + 1, dtype=float)
        cum = self.school if school else self.cumulative
        lo = np.interp(np.clip(t0, 0, self.days), grid, cum)
        hi = np.interp(np.clip(t1, 0, self.days), grid, cum)
        target = lo + u * (hi - lo)
        day = np.searchsorted(cum, target, side="right") - 1
        return np.clip(day, 0, self.days - 1)

    def year_of(self, day: np.ndarray) -> np.ndarray:
        firsts = np.array([first for _, first, _ in self.years])
        return np.searchsorted(firsts, day, side="right") - 1


def _cumsum0(values: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(values)])
