"""Evaluation figures of the decision support on calibrated synthetic data (in docs/insight.md).

Run: .venv/bin/python bench/bench_insight.py [--seed 0] [--json /tmp/bench_insight.json]
Everything is measured in this run and printed as Markdown; nothing is hard-coded.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd

from misper.insight.early_warning import evaluate_early_warning
from misper.insight.episodes import children_reports
from misper.insight.evaluation import InterruptedTimeSeries, evaluate_intervention
from misper.insight.network import associate_ranking, precision_at_k
from misper.insight.patterns import intense_periods
from misper.insight.survival import evaluate_time_to_return, evaluate_wait_guidance
from misper.synth import generate

INTERVENTION = pd.Timestamp("2021-07-01")
INJECTED = 0.7  # a 30% drop


class Clock:
    def __init__(self):
        self.times: dict[str, float] = {}

    def __call__(self, name, fn, *args, **kwargs):
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        self.times[name] = round(time.perf_counter() - start, 2)
        return out


def inject_drop(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Remove 30% of care-home incidents from INTERVENTION on (seeded)."""
    rng = np.random.default_rng(seed)
    hit = (
        (frame["missing_from_type"] == "care_home") & (frame["reported_at"] >= INTERVENTION)
    ).to_numpy(bool) & (rng.uniform(size=len(frame)) < 1 - INJECTED)
    return frame[~hit].reset_index(drop=True)


def level(its) -> dict:
    row = its.summary.iloc[0]
    return {
        "rate_ratio": round(float(row["rate_ratio"]), 3),
        "lower": round(float(row["lower"]), 3),
        "upper": round(float(row["upper"]), 3),
    }


def coverage(reps: int = 200) -> dict:
    """Share of 95% intervals holding the true level change, on simulated weekly series."""
    start = pd.date_range("2019-01-07", "2022-12-26", freq="7D")
    season = 1 + 0.25 * np.sin(2 * np.pi * start.dayofyear / 365.25)
    out = {}
    for effect in (1.0, INJECTED):
        hits = []
        for rep in range(reps):
            rng = np.random.default_rng(10_000 + rep)
            rate = 30 * season * np.where(start >= INTERVENTION, effect, 1.0)
            series = pd.DataFrame({"start": start, "days": 7.0, "incidents": rng.poisson(rate)})
            row = InterruptedTimeSeries(INTERVENTION).fit(series).summary.iloc[0]
            hits.append(row["lower"] <= effect <= row["upper"])
        out[f"effect {effect}"] = round(float(np.mean(hits)), 3)
    return out


def burst_recovery(frame: pd.DataFrame, truth_bursts: pd.DataFrame) -> dict:
    """How many of the generator's bursts an intense period overlaps, and vice versa."""
    found = intense_periods(frame)
    true = truth_bursts[truth_bursts["kind"] == "burst"]
    # Only bursts that left at least 3 reports can be seen in the data at all.
    reported = frame[["pid", "reported_at"]]
    joined = true.reset_index().merge(reported, on="pid")
    inside = joined[
        (joined["reported_at"] >= joined["start"]) & (joined["reported_at"] <= joined["end"])
    ]
    visible = true.loc[inside.groupby("index").size().loc[lambda s: s >= 3].index]

    def overlaps(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
        pairs = a.reset_index().merge(b, on="pid", suffixes=("", "_b"))
        hit = (pairs["start"] <= pairs["end_b"]) & (pairs["start_b"] <= pairs["end"])
        return np.isin(np.arange(len(a)), pairs.loc[hit, "index"].unique())

    visible = visible.reset_index(drop=True)
    return {
        "true_bursts": int(len(true)),
        "visible_bursts (3+ reports inside)": int(len(visible)),
        "intense_periods_found": int(len(found)),
        "recall (visible bursts overlapped)": round(float(overlaps(visible, found).mean()), 3)
        if len(visible)
        else None,
        "precision (found periods overlapping a true burst)": round(
            float(overlaps(found, true.reset_index(drop=True)).mean()), 3
        )
        if len(found)
        else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default="/tmp/bench_insight.json")
    args = parser.parse_args()
    clock = Clock()
    synthetic = clock("generate", generate, seed=args.seed)
    frame, _ = children_reports(synthetic.incidents)
    truth = synthetic.truth
    results: dict = {
        "seed": args.seed,
        "incidents": len(frame),
        "children": int(frame["pid"].nunique()),
    }

    ew = clock("early warning (features, fit, evaluation)", evaluate_early_warning, frame)
    results["early_warning"] = {
        "train_episodes": ew.train_episodes,
        "test_episodes": ew.test_episodes,
        "test_from": str(ew.test_from.date()),
        "verdict": ew.verdict,
        "scores": ew.scores.round(3).to_dict(orient="index"),
        "reliability": ew.reliability.round(3).to_dict(orient="records"),
        "by_group": ew.by_group.round(3).to_dict(orient="records"),
    }

    ranking = clock("network ranking", associate_ranking, frame)
    associates = truth["associates"][["associate_id", "is_exploiter"]]
    named = associates[associates["associate_id"].isin(ranking["associate_id"])]
    results["network"] = {
        "associates_named": int(len(ranking)),
        "exploiters_in_truth": int(associates["is_exploiter"].sum()),
        "precision_at_k": precision_at_k(ranking, associates, (10, 20)),
        "random_ranking_precision": round(float(named["is_exploiter"].mean()), 3),
    }

    tt = clock(
        "time to return (Cox, hold-out 2022)",
        evaluate_time_to_return,
        frame,
        pd.Timestamp("2022-01-01"),
    )
    overall = tt.calibration[tt.calibration["group"] == "all"]
    results["survival"] = {
        "train_episodes": tt.train_episodes,
        "test_episodes": tt.test_episodes,
        "concordance_test": round(tt.concordance, 3),
        "concordance_train": round(tt.train_concordance, 3),
        "calibration_all": overall.round(3).to_dict(orient="records"),
        "calibration_by_fifth": tt.calibration.round(3).to_dict(orient="records"),
    }

    guidance = clock(
        "wait guidance check (hold-out 2022)",
        evaluate_wait_guidance,
        frame,
        pd.Timestamp("2022-01-01"),
    )
    results["wait_guidance"] = (
        guidance[guidance["group"] == "all"].round(3).to_dict(orient="records")
    )

    dropped = inject_drop(frame, args.seed)
    intervention = {}
    for label, data, group, comparison, freq in (
        ("original, care_home, week", frame, "care_home", None, "week"),
        ("injected, care_home, week", dropped, "care_home", None, "week"),
        ("injected, care_home, month", dropped, "care_home", None, "month"),
        ("injected, care_home vs home (DiD), week", dropped, "care_home", "home", "week"),
        ("original, care_home vs home (DiD), week", frame, "care_home", "home", "week"),
        ("injected, home (untouched), week", dropped, "home", None, "week"),
    ):
        intervention[label] = clock(
            f"ITS {label}",
            lambda data=data, group=group, comparison=comparison, freq=freq: level(
                evaluate_intervention(data, INTERVENTION, group, comparison, freq)
            ),
        )
    # The generator has its own changes over time; the injected effect alone is the ratio of the
    # estimates with and without the injection (a point ratio: the two are not independent, so no
    # interval is given for it).
    intervention["injected / original, care_home, week (the injection alone)"] = {
        "rate_ratio": round(
            intervention["injected, care_home, week"]["rate_ratio"]
            / intervention["original, care_home, week"]["rate_ratio"],
            3,
        ),
        "lower": None,
        "upper": None,
    }
    results["intervention"] = intervention
    results["interval_coverage_simulated_weekly_200_reps"] = clock("ITS coverage", coverage)
    results["patterns"] = clock("patterns vs truth bursts", burst_recovery, frame, truth["bursts"])
    results["seconds"] = clock.times
    with open(args.json, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=2, default=str)
    print(report(results))


def report(r: dict) -> str:
    ew, net, sv = r["early_warning"], r["network"], r["survival"]
    lines = [
        f"# Insight evaluation (seed {r['seed']}: {r['incidents']:,} incidents, "
        f"{r['children']:,} children)",
        "",
        f"## Repeat early warning (K=3 in 90 days; test from {ew['test_from']}: "
        f"{ew['test_episodes']:,} episodes, trained on {ew['train_episodes']:,})",
        "",
        "| score | ROC AUC | precision top 5% | precision top 10% | Brier |",
        "|---|---|---|---|---|",
    ]
    for name, s in ew["scores"].items():
        lines.append(
            f"| {name} | {s['auc']:.3f} | {s['precision_top_5%']:.3f} | "
            f"{s['precision_top_10%']:.3f} | {s['brier']:.3f} |"
        )
    lines += [
        "",
        ew["verdict"],
        "",
        "| by | group | episodes | repeat | AUC | AUC previous episodes | "
        "AUC in care | beats both | precision top 10% | Brier | mean predicted | observed |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for g in ew["by_group"]:
        lines.append(
            f"| {g['by']} | {g['group']} | {g['episodes']} | {g['repeat']} | {g['auc']:.3f} | "
            f"{g['previous_episodes_auc']:.3f} | {g.get('in_care_auc', float('nan')):.3f} | "
            f"{'yes' if g['beats_baselines'] else 'NO'} | {g['precision_top_10%']:.3f} | "
            f"{g['brier']:.3f} | "
            f"{g['mean_predicted']:.3f} | {g['observed_rate']:.3f} |"
        )
    lines += [
        "",
        "Reliability (tenths of test episodes): "
        + ", ".join(f"{p['mean_predicted']:.2f}->{p['observed']:.2f}" for p in ew["reliability"]),
        "",
        "## Associate network",
        "",
        f"{net['associates_named']} associates named; "
        f"{net['exploiters_in_truth']} true exploiters. "
        f"Precision at k: "
        + ", ".join(f"@{k} = {v:.2f}" for k, v in net["precision_at_k"].items())
        + f" (a random ranking: {net['random_ranking_precision']:.3f}).",
        "",
        f"## Time to return (Cox; hold-out 2022: {sv['test_episodes']:,} episodes)",
        "",
        f"Concordance: hold-out {sv['concordance_test']:.3f}, "
        f"training {sv['concordance_train']:.3f}.",
        "",
        "| hours | predicted ended | observed (KM) | 95% interval |",
        "|---|---|---|---|",
    ]
    for c in sv["calibration_all"]:
        lines.append(
            f"| {c['hours']} | {c['predicted']:.3f} | {c['observed']:.3f} | "
            f"{c['lower']:.3f}-{c['upper']:.3f} |"
        )
    lines += [
        "",
        "Wait guidance for triage on the same hold-out (each episode given the guidance "
        "triage would have shown):",
        "",
        "| hours | guidance shown (mean) | observed (KM) | 95% interval |",
        "|---|---|---|---|",
    ]
    for g in r["wait_guidance"]:
        lines.append(
            f"| {g['hours']} | {g['guidance']:.3f} | {g['share_ended']:.3f} | "
            f"{g['lower']:.3f}-{g['upper']:.3f} |"
        )
    lines += [
        "",
        "## Did it work (30% drop injected in care-home incidents from 2021-07-01)",
        "",
        "| series | level change (rate ratio) | 95% interval |",
        "|---|---|---|",
    ]
    for label, v in r["intervention"].items():
        interval = "-" if v["lower"] is None else f"{v['lower']:.3f}-{v['upper']:.3f}"
        lines.append(f"| {label} | {v['rate_ratio']:.3f} | {interval} |")
    lines += [
        "",
        "95% interval coverage on simulated weekly series (200 each): "
        + ", ".join(
            f"{k}: {v:.3f}" for k, v in r["interval_coverage_simulated_weekly_200_reps"].items()
        ),
        "",
        "## Patterns",
        "",
        ", ".join(f"{k}: {v}" for k, v in r["patterns"].items()),
        "",
        "## Seconds",
        "",
        ", ".join(f"{k}: {v}" for k, v in r["seconds"].items()),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
