"""Police workload: narratives (Figure 11), tasks by risk level (Table 9), what they differ by."""

from __future__ import annotations

import numpy as np
import pandas as pd

from misper.analysis import stats
from misper.analysis.selection import Shared

# A workload summary: counts and means, then per grouping column `by` (risk_final, found_by)
# mean_by_<by> and n_by_<by> per group, and test_by_<by> (None with fewer than two groups).
WorkloadSummary = dict[str, float | dict[str, float] | dict[str, int] | stats.KruskalResult | None]


def groups_of(values: pd.Series, by: pd.Series) -> dict[str, np.ndarray]:
    known = values.notna() & by.notna() & (by.astype(object) != "unknown")
    frame = pd.DataFrame({"v": values[known].astype(float), "g": by[known].astype(object)})
    return {k: g["v"].to_numpy() for k, g in frame.groupby("g")}


def narratives(shared: Shared) -> WorkloadSummary:
    """Mean and distribution of narratives_count, and tests by risk_final and by found_by."""
    values = shared.frame["narratives_count"]
    known = values.dropna().astype(float)
    out: WorkloadSummary = {
        "incidents": int(len(known)),
        "mean": float(known.mean()),
        "median": float(known.median()),
    }
    for by in ("risk_final", "found_by"):
        if by in shared.frame.columns:
            groups = groups_of(values, shared.frame[by])
            out[f"mean_by_{by}"] = {k: float(v.mean()) for k, v in groups.items()}
            out[f"n_by_{by}"] = {k: int(len(v)) for k, v in groups.items()}
            out[f"test_by_{by}"] = stats.kruskal(groups)
    return out


def narratives_histogram(shared: Shared, bins: int = 40) -> pd.DataFrame:
    known = shared.frame["narratives_count"].dropna().astype(float).to_numpy()
    counts, edges = np.histogram(known, bins=bins)
    return pd.DataFrame({"from": edges[:-1], "to": edges[1:], "incidents": counts})


def tasks(shared: Shared) -> WorkloadSummary:
    """Mean tasks_count per risk_final level and combined; tests by risk_final and by found_by."""
    values = shared.frame["tasks_count"]
    known = values.dropna().astype(float)
    out: WorkloadSummary = {"incidents": int(len(known)), "mean_combined": float(known.mean())}
    for by in ("risk_final", "found_by"):
        if by in shared.frame.columns:
            groups = groups_of(values, shared.frame[by])
            out[f"mean_by_{by}"] = {k: float(v.mean()) for k, v in groups.items()}
            out[f"n_by_{by}"] = {k: int(len(v)) for k, v in groups.items()}
            out[f"test_by_{by}"] = stats.kruskal(groups)
    return out
