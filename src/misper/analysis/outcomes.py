"""How episodes end: found by/how/where (Figure 5), distance (Table 4), duration (Figure 8,
Appendix 1)."""

from __future__ import annotations

from typing import TypedDict

import numpy as np
import pandas as pd

from misper.analysis.selection import Shared

DISTANCE_BANDS = ("0-5", "6-10", "11-20", "21-40", "41-80", ">80", "out_of_uk")
DISTANCE_EDGES = (5, 10, 20, 40, 80)  # a band a-b holds a < d <= b; 0-5 holds 0 <= d <= 5
POLICE_FOUND_HOW = ("police_targeted", "police_other_activity", "arrested")
DAY_HOURS = 24.0
HIGHLIGHT_RATIO = 2.0  # Appendix 1 highlights cells over twice the count expected by independence
DAYS_MISSING_BANDS = ("same day", "1 day", "2 days", "3+ days")


class PoliceGap(TypedDict):
    found_by_police_share: float
    found_how_police_targeted_share: float
    found_how_any_police_activity_share: float
    returned_self_share: float


class DurationSummary(TypedDict, total=False):
    """Every key, or none when no incident has a known, non-negative duration."""

    incidents: int
    median_hours: float
    mean_hours: float
    share_within_24h: float
    share_within_48h: float
    negative_durations: int


def shares(series: pd.Series, exclude_unknown: bool = True) -> pd.DataFrame:
    """Incidents and share per value over incidents with a known value ('unknown' is not known)."""
    counts = series.value_counts()  # categorical: one pass over the codes
    if exclude_unknown:
        counts = counts.drop("unknown", errors="ignore")
    counts = counts[counts > 0].sort_values(ascending=False, kind="stable")
    return pd.DataFrame({"incidents": counts.astype(int), "share": counts / counts.sum()})


def police_gap(shared: Shared) -> PoliceGap | None:
    """The seed's gap: police named in found_by versus found by police activity in found_how."""
    frame = shared.frame
    if "found_by" not in frame.columns or "found_how" not in frame.columns:
        return None
    by = shares(frame["found_by"])["share"]
    how = shares(frame["found_how"])["share"]
    if by.empty or how.empty:
        return None
    return {
        "found_by_police_share": float(by.get("police", 0.0)),
        "found_how_police_targeted_share": float(how.get("police_targeted", 0.0)),
        "found_how_any_police_activity_share": float(how.reindex(POLICE_FOUND_HOW).fillna(0).sum()),
        "returned_self_share": float(by.get("self", 0.0)),
    }


def distance_bands(shared: Shared) -> pd.DataFrame:
    """Table 4: incidents and share per distance band over incidents with a known distance.

    out_of_uk is decided by the out_of_uk column alone; other incidents need distance_miles.
    """
    frame = shared.frame
    abroad = (
        frame["out_of_uk"].fillna(False).to_numpy(bool)
        if "out_of_uk" in frame.columns
        else np.zeros(len(frame), bool)
    )
    distance = (
        frame["distance_miles"].to_numpy(dtype=float, na_value=np.nan)
        if "distance_miles" in frame.columns
        else np.full(len(frame), np.nan)
    )
    inland = ~abroad & ~np.isnan(distance)
    band = np.searchsorted(np.asarray(DISTANCE_EDGES, float), distance[inland], side="left")
    counts = np.append(np.bincount(band, minlength=6), abroad.sum())
    total = counts.sum()
    return pd.DataFrame(
        {"incidents": counts.astype(int), "share": counts / total if total else np.nan},
        index=pd.Index(DISTANCE_BANDS, name="band"),
    )


def duration_summary(shared: Shared) -> DurationSummary:
    """Median hours, shares within 24 h and 48 h over incidents with found_at and reported_at."""
    hours = shared.duration_hours.dropna()
    hours = hours[hours >= 0]
    if hours.empty:
        return {}
    return {
        "incidents": int(len(hours)),
        "median_hours": float(hours.median()),
        "mean_hours": float(hours.mean()),
        "share_within_24h": float((hours <= 24).mean()),
        "share_within_48h": float((hours <= 48).mean()),
        "negative_durations": int((shared.duration_hours < 0).sum()),
    }


def duration_histogram(shared: Shared, max_hours: int = 72) -> pd.DataFrame:
    """Incidents by whole hours missing up to max_hours, the rest in one last bin."""
    hours = shared.duration_hours.dropna()
    hours = hours[hours >= 0].to_numpy()
    bins = np.minimum(np.floor(hours).astype(int), max_hours)
    counts = np.bincount(bins, minlength=max_hours + 1)
    labels = [str(h) for h in range(max_hours)] + [f"{max_hours}+"]
    return pd.DataFrame({"hours": labels, "incidents": counts})


def found_hour_by_days(shared: Shared) -> pd.DataFrame:
    """Figure 8: hour of found_at (columns) by calendar days between report and find (rows)."""
    frame = shared.frame
    ok = frame["found_at"].notna() & (shared.duration_hours >= 0)
    days = (
        frame.loc[ok, "found_at"].dt.normalize() - frame.loc[ok, "reported_at"].dt.normalize()
    ).dt.days
    band = np.minimum(days.to_numpy(), 3)
    hour = frame.loc[ok, "found_at"].dt.hour.to_numpy()
    table = np.zeros((4, 24), dtype=np.int64)
    np.add.at(table, (band, hour), 1)
    return pd.DataFrame(table, index=pd.Index(DAYS_MISSING_BANDS, name="days missing"))


def reported_by_found_hour(shared: Shared) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Appendix 1: hour reported (rows) by hour found (columns) for episodes of a day or less,
    with a mask of cells above HIGHLIGHT_RATIO times the count expected under independence."""
    frame = shared.frame
    short = (shared.duration_hours >= 0) & (shared.duration_hours <= DAY_HOURS)
    table = np.zeros((24, 24), dtype=np.int64)
    np.add.at(
        table,
        (
            frame.loc[short, "reported_at"].dt.hour.to_numpy(),
            frame.loc[short, "found_at"].dt.hour.to_numpy(),
        ),
        1,
    )
    total = table.sum()
    expected = (
        np.outer(table.sum(axis=1), table.sum(axis=0)) / total
        if total
        else np.zeros_like(table, float)
    )
    highlight = (table > HIGHLIGHT_RATIO * expected) & (table > 0)
    index = pd.Index(range(24), name="hour reported")
    return pd.DataFrame(table, index=index), pd.DataFrame(highlight, index=index)
