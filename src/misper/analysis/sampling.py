"""The seed's in-depth sample: rank a year's children by incident count and take every k-th."""

from __future__ import annotations

import numpy as np
import pandas as pd

from misper.analysis.selection import Shared


def every_kth(shared: Shared, k: int = 9) -> pd.DataFrame:
    """Children at ranks k, 2k, 3k... (most incidents first, ties by pid): rank, pid, incidents."""
    if k < 1:
        raise ValueError(f"--every must be 1 or more, not {k}")
    picks = shared.ranking[k - 1 :: k]
    return pd.DataFrame(
        {
            "rank": np.arange(k, k * len(picks) + 1, k),
            "pid": shared.pids[picks],
            "incidents": shared.per_child[picks],
        }
    )


def sample_incidents(
    shared: Shared, sample: pd.DataFrame, columns: tuple[str, ...]
) -> pd.DataFrame:
    """The sampled children's incidents (in the order of the sample, then by reported_at)."""
    order = {pid: i for i, pid in enumerate(sample["pid"])}
    frame = shared.frame[shared.frame["pid"].isin(order)]
    keep = [c for c in columns if c in frame.columns]
    ranked = frame.assign(_order=frame["pid"].map(order)).sort_values(
        ["_order", "reported_at"], kind="stable"
    )
    return ranked[keep].reset_index(drop=True)
