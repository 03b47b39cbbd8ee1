"""Repeat missing: concentration (Figure 4), the most frequently missing (Table 8, Appendix 4,
Figure 10)."""

from __future__ import annotations

import math
from typing import Literal, TypedDict

import numpy as np
import numpy.typing as npt
import pandas as pd

from misper.analysis import stats
from misper.analysis.lists import indicator
from misper.analysis.selection import Shared

TOP_SHARES = (0.01, 0.05, 0.10, 0.20)
LORENZ_POINTS = 400  # enough for a smooth curve without embedding a point per child
TOP_CHILDREN = 50
IN_CARE = ("full_care", "accommodated")
WARNING_MARKERS = (
    "weapons",
    "violence",
    "drugs",
    "mental_health",
    "adhd",
    "autism",
    "learning_disability",
    "self_harm",
)

# Rules for each child's pattern over the period (stated in the report's method note).
COMPRESSED_COVER = 0.8  # share of a child's incidents ...
COMPRESSED_SPAN = 0.25  # ... inside this share of the period or less: compressed, else spread
CEASED_DAYS = 60  # no incident in the last 60 days of the period: ceased
REDUCED_RATIO = 0.5  # last quarter's rate under half the earlier rate: reduced
SENTINEL_GAP_DAYS = 60  # first incident, then >= 60 days quiet, then a burst ...
SENTINEL_BURST_GAP_DAYS = 14  # ... whose incidents come a median <= 14 days apart
SENTINEL_MIN_INCIDENTS = 4


class TopSummary(TypedDict, total=False):
    """Every key, or none when there are no children."""

    children: int
    mostly_from_care_share: float
    mostly_from_home_share: float
    more_than_one_place_share: float
    over_25_incidents: int
    over_25_more_than_one_place_share: float | None  # None when no child has over 25


class Pattern(TypedDict):
    pattern: Literal["compressed", "spread"]
    ceased: bool
    reduced: bool
    sentinel: bool


def concentration(shared: Shared) -> dict[str, float | int]:
    """Shares of incidents of the top 1/5/10/20% of children, Gini, once-only and repeat shares.

    Children are ranked by incident count, ties broken by pid; the top p% are the first
    ceil(p * n_children) children. Keys: top_<p>pct_share for each of TOP_SHARES, then
    top_decile_share, gini, share_children_once, repeat_incident_share, max_incidents (an int),
    mean_incidents; empty when there are no children.
    """
    n, total = shared.n_children, shared.n_incidents
    if n == 0:
        return {}
    ranked = shared.per_child[shared.ranking]
    cumulative = np.cumsum(ranked)
    top = {
        f"top_{round(p * 100)}pct_share": float(cumulative[math.ceil(p * n) - 1] / total)
        for p in TOP_SHARES
    }
    return {
        **top,
        "top_decile_share": top["top_10pct_share"],
        "gini": stats.gini(shared.per_child),
        "share_children_once": float((shared.per_child == 1).mean()),
        "repeat_incident_share": float((total - n) / total),
        "max_incidents": int(ranked[0]),
        "mean_incidents": float(total / n),
    }


def lorenz_curve(shared: Shared) -> pd.DataFrame:
    """Figure 4: cumulative share of incidents against share of children, most frequent first."""
    ranked = shared.per_child[shared.ranking]
    n = len(ranked)
    cumulative = np.concatenate([[0], np.cumsum(ranked)]) / max(ranked.sum(), 1)
    picks = np.unique(np.linspace(0, n, min(LORENZ_POINTS, n + 1)).round().astype(int))
    return pd.DataFrame(
        {"share_of_children": picks / max(n, 1), "share_of_incidents": cumulative[picks]}
    )


def _yes_no_mix(yes: np.ndarray, no: np.ndarray) -> str:
    if yes.any() and no.any():
        return "Mix"
    return "Yes" if yes.any() else ("No" if no.any() else "Unknown")


def top_children(shared: Shared, n: int = TOP_CHILDREN) -> pd.DataFrame:
    """The n children with most incidents (ties by pid): counts, care, places, markers.

    in_care_mostly = missing from a care home more often than from home; places = distinct
    missing_from_place_id (or place types when ids are absent); Yes/No/Mix summarise the child's
    incidents (Mix when both occur; unknown values ignored).
    """
    frame = shared.frame
    codes = shared.ranking[:n]
    position = np.full(shared.n_children, -1)
    position[codes] = np.arange(len(codes))
    rows = position[shared.child]
    mine = rows >= 0
    sub = frame[mine]
    rank_of = rows[mine]
    kinds = sub["missing_from_type"].astype(object).to_numpy()
    place = (
        sub["missing_from_place_id"].astype(object).fillna("?").to_numpy()
        if "missing_from_place_id" in sub.columns
        else kinds
    )
    lists: dict[str, npt.NDArray[np.bool_]] = {}
    for name, values in (
        ("risk_flags", ("county_lines",)),
        ("reason_vulnerability", ("county_lines",)),
        ("markers", WARNING_MARKERS),
    ):
        if name in sub.columns:
            lists[name] = np.any(indicator(sub[name], values)[0], axis=1)
    flags: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for label, column in (
        ("in_care", "in_care"),
        ("social_worker", "social_worker_allocated"),
        ("out_of_area", "out_of_area_placement"),
    ):
        if column in sub.columns:
            values = sub[column].astype(object)
            yes = values.isin(IN_CARE) if column == "in_care" else values.eq(True)
            no = values.eq("no") if column == "in_care" else values.eq(False)
            flags[label] = (yes.fillna(False).to_numpy(bool), no.fillna(False).to_numpy(bool))
    out: list[dict[str, str | int | float | bool]] = []
    for i, code in enumerate(codes):
        me = rank_of == i
        care, home = int((kinds[me] == "care_home").sum()), int((kinds[me] == "home").sum())
        row: dict[str, str | int | float | bool] = {
            "rank": i + 1,
            "pid": shared.pids[code],
            "incidents": int(me.sum()),
            "from_care": care,
            "from_home": home,
            "from_care_share": care / me.sum(),
            "in_care_mostly": care > home,
            "places": int(len(set(place[me]))),
        }
        for label, (yes, no) in flags.items():
            row[label] = _yes_no_mix(yes[me], no[me])
        if lists:
            row["county_lines"] = bool(
                lists.get("risk_flags", np.zeros(len(sub), bool))[me].any()
                or lists.get("reason_vulnerability", np.zeros(len(sub), bool))[me].any()
            )
        if "markers" in lists:
            row["warning_marker"] = bool(lists["markers"][me].any())
        out.append(row)
    return pd.DataFrame(out)


def top_summary(top: pd.DataFrame) -> TopSummary:
    """How many of the top children go missing mostly from care, and from more than one place."""
    if top.empty:
        return {}
    many = top["incidents"] > 25
    return {
        "children": int(len(top)),
        "mostly_from_care_share": float(top["in_care_mostly"].mean()),
        "mostly_from_home_share": float((top["from_home"] > top["from_care"]).mean()),
        "more_than_one_place_share": float((top["places"] > 1).mean()),
        "over_25_incidents": int(many.sum()),
        "over_25_more_than_one_place_share": float((top.loc[many, "places"] > 1).mean())
        if many.any()
        else None,
    }


def classify_pattern(days: np.ndarray, period_days: int) -> Pattern:
    """One child's pattern from the day numbers (0 = first day of the period) of its incidents."""
    days = np.sort(np.asarray(days, dtype=float))
    n = len(days)
    need = max(1, math.ceil(COMPRESSED_COVER * n))
    span = min(days[i + need - 1] - days[i] for i in range(n - need + 1)) + 1
    gaps = np.diff(days)
    last_quarter = days >= 0.75 * period_days
    earlier_rate = (~last_quarter).sum() / (0.75 * period_days)
    late_rate = last_quarter.sum() / (0.25 * period_days)
    ceased = bool(days[-1] < period_days - CEASED_DAYS)
    sentinel = bool(
        n >= SENTINEL_MIN_INCIDENTS
        and gaps[0] >= SENTINEL_GAP_DAYS
        and np.median(gaps[1:]) <= SENTINEL_BURST_GAP_DAYS
    )
    return {
        "pattern": "compressed" if span <= COMPRESSED_SPAN * period_days else "spread",
        "ceased": ceased,
        "reduced": bool(not ceased and late_rate < REDUCED_RATIO * earlier_rate),
        "sentinel": sentinel,
    }


def timelines(shared: Shared, n: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Figure 10: (incidents of the top n children with day in period, each child's pattern)."""
    codes = shared.ranking[:n]
    position = np.full(shared.n_children, -1)
    position[codes] = np.arange(len(codes))
    rows = position[shared.child]
    mine = rows >= 0
    reported = shared.frame.loc[mine, "reported_at"]
    events = pd.DataFrame(
        {
            "rank": rows[mine] + 1,
            "reported_at": reported.to_numpy(),
            "day": (reported - shared.start).dt.days.to_numpy(),
        }
    ).sort_values(["rank", "reported_at"])
    period_days = (shared.end - shared.start).days + 1
    patterns = [
        {"rank": rank, "incidents": len(g), **classify_pattern(g["day"].to_numpy(), period_days)}
        for rank, g in events.groupby("rank")
    ]
    return events.reset_index(drop=True), pd.DataFrame(patterns)
