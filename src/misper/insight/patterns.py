"""Each child's pattern of episodes: intense periods (bursts), cessation, sentinel first episodes.

Method for intense periods (a rate threshold, simpler to explain than Kleinberg's automaton):
consecutive episodes of a child no more than `max_gap_days` apart belong to the same run; a run of
at least `min_episodes` is an intense period. Compressed/spread, ceased, reduced and sentinel use
the rules of the report's own analysis (`misper.analysis.repeats.classify_pattern`), so the report
and the decision support describe a child the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from misper.analysis.repeats import classify_pattern
from misper.analysis.selection import period_of

MAX_GAP_DAYS = 7  # the report's top three went missing "every few days"
MIN_EPISODES = 3
TIMELINE_CHILDREN = 10  # children with most episodes drawn on the timeline


def intense_periods(
    frame: pd.DataFrame, max_gap_days: float = MAX_GAP_DAYS, min_episodes: int = MIN_EPISODES
) -> pd.DataFrame:
    """One row per intense period: pid, start, end, episodes, days."""
    ordered = frame.sort_values(["pid", "reported_at"])[["pid", "reported_at"]]
    pid = ordered["pid"].to_numpy()
    at = ordered["reported_at"]
    gap_days = at.diff().dt.total_seconds().to_numpy() / 86400
    new_run = np.concatenate([[True], (pid[1:] != pid[:-1]) | (gap_days[1:] > max_gap_days)])
    runs = (
        ordered.assign(run=np.cumsum(new_run))
        .groupby("run")
        .agg(
            pid=("pid", "first"),
            start=("reported_at", "min"),
            end=("reported_at", "max"),
            episodes=("reported_at", "size"),
        )
    )
    runs = runs[runs["episodes"] >= min_episodes].reset_index(drop=True)
    runs["days"] = (runs["end"] - runs["start"]).dt.total_seconds() / 86400
    return runs


def child_patterns(
    frame: pd.DataFrame,
    min_child_episodes: int = 2,
    max_gap_days: float = MAX_GAP_DAYS,
    min_episodes: int = MIN_EPISODES,
) -> pd.DataFrame:
    """Per child with `min_child_episodes` or more: counts, intense periods, the report pattern."""
    start, end = period_of(frame)
    period_days = (end - start).days + 1
    counts = frame.groupby("pid", observed=True).size()
    bursts = intense_periods(frame, max_gap_days, min_episodes)
    per_child = bursts.groupby("pid").agg(
        intense_periods=("episodes", "size"),
        longest_intense=("episodes", "max"),
        first_intense_start=("start", "min"),
    )
    chosen = frame[frame["pid"].isin(counts.index[counts >= min_child_episodes])]
    chosen = chosen.sort_values(["pid", "reported_at"])
    pids = chosen["pid"].to_numpy()
    days = np.floor((chosen["reported_at"] - start).dt.total_seconds().to_numpy() / 86400)
    at = chosen["reported_at"].to_numpy()
    edges = np.flatnonzero(pids[1:] != pids[:-1]) + 1
    rows = [
        {
            "pid": pids[i],
            "episodes": j - i,
            "first": at[i],
            "last": at[j - 1],
            **classify_pattern(days[i:j], period_days),
        }
        for i, j in zip(
            np.concatenate([[0], edges]), np.concatenate([edges, [len(pids)]]), strict=True
        )
        if j > i
    ]
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out = out.join(per_child, on="pid")
    out[["intense_periods", "longest_intense"]] = (
        out[["intense_periods", "longest_intense"]].fillna(0).astype(int)
    )
    return out.sort_values("episodes", ascending=False, ignore_index=True)


@dataclass(frozen=True)
class PatternCounts:
    """How many children with 2+ episodes show each pattern."""

    children: int  # with 2+ episodes
    with_intense_period: int
    compressed: int
    ceased: int
    reduced: int
    sentinel: int  # a sentinel first episode


@dataclass(frozen=True)
class PatternSummary:
    """Patterns per child, their intense periods, and the episodes of those with most episodes."""

    max_gap_days: float
    min_episodes: int
    patterns: pd.DataFrame  # child_patterns
    bursts: pd.DataFrame  # intense_periods of every child
    counts: PatternCounts
    timeline_children: tuple[str, ...]  # pids with most episodes, most first
    timeline: pd.DataFrame  # pid, reported_at of their episodes


def summarise_patterns(
    frame: pd.DataFrame,
    max_gap_days: float = MAX_GAP_DAYS,
    min_episodes: int = MIN_EPISODES,
    timeline_children: int = TIMELINE_CHILDREN,
) -> PatternSummary:
    """Everything the patterns page shows."""
    patterns = child_patterns(frame, max_gap_days=max_gap_days, min_episodes=min_episodes)
    has = len(patterns) > 0
    counts = PatternCounts(
        children=len(patterns),
        with_intense_period=int((patterns["intense_periods"] > 0).sum()) if has else 0,
        compressed=int((patterns["pattern"] == "compressed").sum()) if has else 0,
        ceased=int(patterns["ceased"].sum()) if has else 0,
        reduced=int(patterns["reduced"].sum()) if has else 0,
        sentinel=int(patterns["sentinel"].sum()) if has else 0,
    )
    top = tuple(str(p) for p in patterns["pid"].head(timeline_children)) if has else ()
    return PatternSummary(
        max_gap_days=max_gap_days,
        min_episodes=min_episodes,
        patterns=patterns,
        bursts=intense_periods(frame, max_gap_days, min_episodes),
        counts=counts,
        timeline_children=top,
        timeline=frame.loc[frame["pid"].isin(top), ["pid", "reported_at"]],
    )
