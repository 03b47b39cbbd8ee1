"""Test data for the insight tests: hand-written rows made canonical, a small simulated history."""

from __future__ import annotations

import numpy as np
import pandas as pd

from misper.incidents.frame import to_canonical

START, END = pd.Timestamp("2019-01-01"), pd.Timestamp("2022-12-31 23:59")


def incidents(rows: list[dict]) -> pd.DataFrame:
    """A canonical frame from a few hand-written rows (rid, pid, age, where from: filled)."""
    frame = pd.DataFrame(rows)
    frame["rid"] = frame.get("rid", pd.Series([f"r{i}" for i in range(len(frame))]))
    for column, value in (("age", 14), ("missing_from_type", "home")):
        if column not in frame.columns:
            frame[column] = value
    return to_canonical(frame)


def simulate(children: int = 240, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Four years of episodes with known structure, and the associates' truth table.

    Children in care go missing more often; a third of the repeat children have an intense period
    (an episode every few days) after a quiet first episode; eight exploiters are each named with
    several flagged children, ordinary associates with one child each; care-home episodes end
    sooner.
    """
    rng = np.random.default_rng(seed)
    days = (END - START).days
    exploiters = [f"a-x{i}" for i in range(8)]
    rows, associates = [], [{"associate_id": a, "is_exploiter": True} for a in exploiters]
    for c in range(children):
        in_care = rng.uniform() < 0.25
        gender = rng.choice(["male", "female"])
        ethnic = rng.choice(["White", "Black", "Asian"], p=[0.7, 0.2, 0.1])
        exploited = rng.uniform() < 0.15
        rate = rng.gamma(0.6, 4 if in_care else 1.5) / 365
        times = np.sort(rng.uniform(0, days, rng.poisson(rate * days) + 1))
        if rng.uniform() < (0.5 if exploited else 0.15):
            begin = rng.uniform(60, days - 120)
            times = np.sort(np.concatenate([times[:1], begin + np.cumsum(rng.exponential(3, 8))]))
        own = f"a-{c}"
        associates.append({"associate_id": own, "is_exploiter": False})
        birth_age = rng.integers(10, 17)
        for t in times:
            at = (START + pd.Timedelta(days=float(t))).floor("min")
            hours = round(rng.exponential(4 if in_care else 9), 2)
            named = [own] if rng.uniform() < 0.2 else []
            if exploited and rng.uniform() < 0.6:
                named.append(exploiters[c % len(exploiters)])
            rows.append(
                {
                    "pid": f"p{c}",
                    "reported_at": at,
                    "found_at": (at + pd.Timedelta(hours=hours)).floor("min")
                    if rng.uniform() > 0.02
                    else None,
                    "age": int(min(17, birth_age + t / 365)),
                    "gender": gender,
                    "ethnic_appearance": ethnic,
                    "in_care": "full_care" if in_care else "no",
                    "missing_from_type": "care_home" if in_care else "home",
                    "risk_flags": ["cse"] if exploited else [],
                    "associate_ids": named,
                }
            )
    frame = pd.DataFrame(rows).sort_values("reported_at", ignore_index=True)
    frame = frame[frame["reported_at"] <= END].reset_index(drop=True)
    frame["rid"] = [f"r{i}" for i in range(len(frame))]
    frame["linked_rids"] = [[] for _ in range(len(frame))]  # co-missing is tested on hand-made rows
    return to_canonical(frame), pd.DataFrame(associates)
