"""The report's filters and the intermediates every figure shares (computed once per report)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from misper.incidents.schema import NAMES

CHILD_MAX_AGE = 17  # the report is about under-18s
DEFAULT_RECORD_TYPE = "missing_report"
# Columns some figure reads; the rest (free text, links, interviews) are counted for data quality
# and not copied, which keeps a multi-million-row report within memory.
REPORT_COLUMNS = (
    "rid",
    "pid",
    "record_type",
    "reported_at",
    "found_at",
    "age",
    "gender",
    "ethnic_appearance",
    "in_care",
    "responsible_authority",
    "out_of_area_placement",
    "social_worker_allocated",
    "missing_from_type",
    "missing_from_place_id",
    "missing_from_postcode_sector",
    "missing_from_lat",
    "missing_from_lon",
    "risk_initial",
    "risk_final",
    "found_by",
    "found_how",
    "found_location_type",
    "distance_miles",
    "out_of_uk",
    "harm",
    "victim_of_crime",
    "arrested_while_missing",
    "risk_flags",
    "reason_vulnerability",
    "reason_codes",
    "markers",
    "narratives_count",
    "tasks_count",
)


@dataclass
class Selection:
    """The incidents a report analyses, and how many rows each filter dropped (for data quality)."""

    frame: pd.DataFrame
    dropped: dict[str, int]
    start: pd.Timestamp
    end: pd.Timestamp  # inclusive last day
    missing: dict[str, int]  # empty cells per canonical column of the kept rows (all columns)


def period_of(
    frame: pd.DataFrame,
    start: str | date | None = None,
    end: str | date | None = None,
    year: int | None = None,
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The report's period: --year, else --from/--to, else the calendar years the data covers."""
    if year is not None:
        return pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    reported = frame["reported_at"]
    first = (
        pd.Timestamp(start)
        if start is not None
        else (
            pd.Timestamp(reported.min().year, 1, 1)
            if reported.notna().any()
            else pd.Timestamp("1970-01-01")
        )
    )
    last = (
        pd.Timestamp(end)
        if end is not None
        else (pd.Timestamp(reported.max().year, 12, 31) if reported.notna().any() else first)
    )
    if last < first:
        raise ValueError(f"the period ends ({last.date()}) before it starts ({first.date()})")
    return first.normalize(), last.normalize()


def in_period(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    reported = frame["reported_at"]
    return (reported >= start) & (reported < end + pd.Timedelta(days=1))


def child_reports(
    frame: pd.DataFrame, within: np.ndarray | None = None
) -> tuple[np.ndarray, dict[str, int]]:
    """Rows that are children's missing reports, and how many rows of `within` each rule left out.

    A child is aged CHILD_MAX_AGE or under; an empty record_type is the schema's default
    (missing_report). The report and decision support both select with this one rule.
    """
    keep = np.ones(len(frame), dtype=bool) if within is None else within.copy()
    child = frame["age"].astype("Float64").le(CHILD_MAX_AGE).fillna(False).to_numpy(bool)
    dropped = {"aged 18 or over": int((keep & ~child).sum())}
    keep &= child
    if "record_type" in frame.columns:
        kind = frame["record_type"]
        report = ((kind == DEFAULT_RECORD_TYPE) | kind.isna()).to_numpy(bool)
        dropped["record type other than missing_report"] = int((keep & ~report).sum())
        keep &= report
    return keep, dropped


def select(
    frame: pd.DataFrame,
    start: str | date | None = None,
    end: str | date | None = None,
    year: int | None = None,
) -> Selection:
    """Default filter: reported in the period, age < 18 and record_type = missing_report."""
    first, last = period_of(frame, start, end, year)
    keep = in_period(frame, first, last)
    dropped = {"reported outside the period": int((~keep).sum())}
    children, why = child_reports(frame, within=keep.to_numpy(bool))
    dropped.update(why)
    rows = np.flatnonzero(children)
    missing = {n: int(frame[n].isna().to_numpy()[rows].sum()) for n in NAMES if n in frame.columns}
    kept = (
        frame[[c for c in REPORT_COLUMNS if c in frame.columns]].take(rows).reset_index(drop=True)
    )
    return Selection(kept, dropped, first, last, missing)


@dataclass
class Shared:
    """Intermediates computed once and passed to every figure: child codes, counts, durations."""

    frame: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    child: np.ndarray = field(init=False)  # code of each incident's pid; codes follow pid order
    pids: np.ndarray = field(init=False)  # pid of each code
    per_child: np.ndarray = field(init=False)  # incidents per child code
    ranking: np.ndarray = field(init=False)  # child codes, most incidents first, ties by pid
    duration_hours: pd.Series = field(init=False)  # found_at - reported_at, NaN when unknown

    def __post_init__(self) -> None:
        codes, uniques = pd.factorize(self.frame["pid"], sort=True)
        self.child = codes
        self.pids = np.asarray(uniques, dtype=object)
        self.per_child = np.bincount(codes, minlength=len(uniques))
        self.ranking = np.lexsort((np.arange(len(uniques)), -self.per_child))
        if "found_at" in self.frame.columns:
            delta = self.frame["found_at"] - self.frame["reported_at"]
            self.duration_hours = delta.dt.total_seconds() / 3600.0
        else:
            self.duration_hours = pd.Series(np.nan, index=self.frame.index)

    @property
    def n_incidents(self) -> int:
        return len(self.frame)

    @property
    def n_children(self) -> int:
        return len(self.pids)

    def has(self, *columns: str) -> str | None:
        """None when every column is present and has a value somewhere, else the reason to skip."""
        for name in columns:
            if name not in self.frame.columns:
                return f"column {name} is not in the input"
            if not self.frame[name].notna().any():
                return f"column {name} has no values"
        return None

    def count_by(self, column: str, label: str, top: int | None = None) -> pd.DataFrame:
        """Incidents and distinct children per value of `column`, most incidents first (ties by
        value); only the `top` values when given (sorting every address would cost seconds)."""
        keys, uniques = pd.factorize(self.frame[column])
        known = keys >= 0
        keys, child = keys[known], self.child[known]
        incidents = np.bincount(keys, minlength=len(uniques))
        # one code per (value, child) pair; pd.unique hashes where np.unique would sort
        pairs = pd.unique(keys.astype(np.int64) * self.n_children + child)
        children = np.bincount(pairs // max(self.n_children, 1), minlength=len(uniques))
        keep = np.arange(len(uniques))
        if top is not None and len(uniques) > top:
            threshold = np.partition(incidents, len(incidents) - top)[len(incidents) - top]
            # ties at the cut are sorted below, then cut
            keep = np.flatnonzero(incidents >= threshold)
        table = pd.DataFrame(
            {
                label: np.asarray(uniques, dtype=object)[keep],
                "incidents": incidents[keep],
                "children": children[keep],
            }
        )
        table = table.sort_values(["incidents", label], ascending=[False, True], kind="stable")
        return (
            table.head(top).reset_index(drop=True)
            if top is not None
            else table.reset_index(drop=True)
        )

    def children_where(self, mask: np.ndarray) -> int:
        """Distinct children with at least one incident where `mask` holds."""
        return int(np.count_nonzero(self.per_child_of(mask)))

    def per_child_of(self, mask: np.ndarray) -> np.ndarray:
        """Incidents per child code counting only the incidents where `mask` holds."""
        return np.bincount(self.child[mask], minlength=self.n_children)


def days_in_year_within(year: int, start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Days of `year` inside the report's period (a full year has 365 or 366)."""
    first = max(pd.Timestamp(year, 1, 1), start)
    last = min(pd.Timestamp(year, 12, 31), end)
    days: int = (last - first).days + 1
    return max(days, 0)
