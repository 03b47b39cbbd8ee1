"""The "emerging frequent" list: children whose recent frequency is rising, ranked, with why.

Reads the canonical incident table. A child is listed when it has at least `min_recent_episodes`
in the last `recent_days` and that rate is above its rate over the `baseline_days` before; the rank
is by the rise (recent rate minus baseline rate, per 30 days), then by recent count.
"""

from __future__ import annotations

import pandas as pd

from misper.process.config import EmergingRules


def emerging_frequent(
    incidents: pd.DataFrame, now: pd.Timestamp, rules: EmergingRules
) -> pd.DataFrame:
    """Columns: pid, recent, baseline, recent_per_30d, baseline_per_30d, rise, why."""
    now = pd.Timestamp(now)
    recent_start = now - pd.Timedelta(days=rules.recent_days)
    base_start = recent_start - pd.Timedelta(days=rules.baseline_days)
    times = incidents[["pid", "reported_at"]]
    times = times[(times.reported_at > base_start) & (times.reported_at <= now)]
    is_recent = times.reported_at > recent_start
    counts = pd.DataFrame(
        {
            "recent": is_recent.groupby(times.pid, observed=True).sum(),
            "baseline": (~is_recent).groupby(times.pid, observed=True).sum(),
        }
    ).astype(int)
    counts["recent_per_30d"] = counts.recent * 30 / rules.recent_days
    counts["baseline_per_30d"] = counts.baseline * 30 / rules.baseline_days
    counts["rise"] = counts.recent_per_30d - counts.baseline_per_30d
    listed = counts[(counts.recent >= rules.min_recent_episodes) & (counts.rise > 0)].copy()
    listed["why"] = [
        f"{r.recent} episodes in the last {rules.recent_days} days against {r.baseline} in the "
        f"{rules.baseline_days} days before"
        + (" (new to the list of repeats)" if r.baseline == 0 else "")
        for r in listed.itertuples()
    ]
    listed = listed.sort_values(["rise", "recent"], ascending=False, kind="stable")
    return listed.rename_axis("pid").reset_index()
