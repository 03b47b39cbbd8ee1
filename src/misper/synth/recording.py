"""What the report records: risk grading, tasks, narratives, reasons, interviews and short texts.

Under-18 reports are graded only medium or high (the force's policy); the high share is the one
that makes Table 9's combined mean (19.2) from its high (26.1) and medium (18.2) means. Tasks
before the July 2021 review are higher (2019's high-risk count was twice 2022's).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from misper.synth import calibration
from misper.synth import parameters as P
from misper.synth.outcomes import masked_mean

CIRCUMSTANCES = {
    "curfew": "Did not return by the agreed time in the evening.",
    "overnight": "Went out in the evening and did not come back overnight.",
    "long": "Left and has not been in contact; whereabouts unknown.",
    "short": "Left the address without saying where they were going.",
    "incident_only": "Reported late home; whereabouts established before a report was created.",
}
FOUND_TEXT = {
    "returned_self": "Returned of own accord.",
    "presented_to_police": "Presented at a police station and was taken back.",
    "police_targeted": "Located by officers searching for them.",
    "police_other_activity": "Identified as missing during other police attendance.",
    "arrested": "Identified as missing after being arrested.",
    "found_by_carer": "Found by carers and brought back.",
    "found_by_other_agency": "Located by another agency and returned.",
    "other": "Located and returned.",
    "unknown": "Return recorded without detail.",
}


def risk(
    rng: np.random.Generator,
    child_report: np.ndarray,
    adult_report: np.ndarray,
    flags_severe: np.ndarray,
    young: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """risk_initial and risk_final; control-room incidents without a report are not assessed."""
    tasks = calibration.reference()["workload_2022"]["tasks_mean_by_risk"]
    high_share = (tasks["combined"] - tasks["medium"]) / (tasks["high"] - tasks["medium"])
    n = len(child_report)
    lean = 1.0 + P.RISK_HIGH_LEAN_SEVERE * flags_severe + P.RISK_HIGH_LEAN_YOUNG * young
    p_high = np.minimum(high_share * lean / masked_mean(lean, child_report), P.RISK_HIGH_MAX)
    unassessed = rng.random(n) < P.UNCONVERTED_NO_APPARENT_RISK
    initial = np.where(unassessed, "no_apparent_risk", "absent").astype(object)
    initial[child_report] = np.where(
        rng.random(child_report.sum()) < p_high[child_report], "high", "medium"
    )
    adult_levels = np.array(list(P.ADULT_RISK), dtype=object)
    initial[adult_report] = adult_levels[
        rng.choice(len(adult_levels), adult_report.sum(), p=list(P.ADULT_RISK.values()))
    ]
    final = initial.copy()
    review = rng.random(n) < P.RISK_REVIEW_CHANGE
    final[review & (initial == "high")] = "medium"
    final[review & (initial == "medium") & (rng.random(n) < P.RISK_REVIEW_UPGRADE)] = "high"
    return initial, final


def tasks(
    rng: np.random.Generator, initial: np.ndarray, reported: pd.Series, report: np.ndarray
) -> np.ndarray:
    """Task counts: Table 9's means by risk (low as adults' list), higher before the review."""
    means = dict(calibration.reference()["workload_2022"]["tasks_mean_by_risk"])
    means["low"] = float(calibration.automatic_tasks("low"))
    mean = pd.Series(initial).map(means).fillna(0.0).to_numpy(dtype=float)
    before = (reported < pd.Timestamp(P.TASK_REVIEW_DATE)).to_numpy()
    for level, factor in P.TASKS_BEFORE_REVIEW.items():
        mean[before & (initial == level)] *= factor
    # Automatic tasks plus a few added or closed by hand: gamma noise around the list length.
    shape = P.TASK_COUNT_NOISE_SHAPE
    count = np.round(mean * rng.gamma(shape, 1 / shape, len(mean)))
    return np.where(report, count, 0).astype(np.int64)


def narratives(rng: np.random.Generator, by: np.ndarray, report: np.ndarray) -> np.ndarray:
    """Narratives: mean 148 a report, a quarter more when found by social services."""
    ref = calibration.reference()["workload_2022"]
    lean = np.where(
        by == "social_services", 1 + ref["narratives_found_by_social_services_uplift"], 1.0
    )
    lean = lean / masked_mean(lean, report)
    sigma = P.NARRATIVE_SIGMA
    count = (
        ref["narratives_mean_per_incident"]
        * lean
        * np.exp(sigma * rng.standard_normal(len(by)) - sigma**2 / 2)
    )
    few = rng.integers(*P.UNCONVERTED_NARRATIVES, len(by))  # a handful of log entries
    return np.where(report, np.maximum(np.round(count), 1), few).astype(np.int64)


def reason_codes(
    rng: np.random.Generator,
    scenario: np.ndarray,
    stratum_kind: np.ndarray,
    exploited: np.ndarray,
    suicide: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(row, code) pairs: one reason by context, sometimes a second (Figure 12's pull factors)."""
    n = len(scenario)
    code = np.empty(n, dtype=object)
    for name, table in P.REASONS.items():
        pick = stratum_kind == name
        names = np.array(list(table), dtype=object)
        w = np.array(list(table.values()))
        code[pick] = names[rng.choice(len(names), pick.sum(), p=w / w.sum())]
    u = rng.random(n)
    child = stratum_kind != "adult"
    low = 0.0
    for reason, share in P.EXPLOITED_REASONS.items():
        code[child & exploited & (u >= low) & (u < low + share)] = reason
        low += share
    code[child & suicide & (rng.random(n) < P.SUICIDE_REASON_MENTAL_HEALTH)] = "mental_health"
    code[scenario == "curfew"] = "curfew"
    second = (rng.random(n) < P.SECOND_REASON_FRIENDS) & (code != "friends_partner") & child
    rows = np.concatenate([np.arange(n), np.flatnonzero(second)])
    codes = np.concatenate([code, np.full(second.sum(), "friends_partner", dtype=object)])
    return rows, codes


def reason_vulnerability(
    rng: np.random.Generator,
    flags: dict[str, np.ndarray],
    child_report: np.ndarray,
    total_child_reports: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(row, reason) pairs: Table 5's counts, stated on some of the reports carrying the flag."""
    shares = calibration.reason_vulnerability_shares()
    rows, reasons = [], []
    for reason, flag in (
        ("county_lines", "county_lines"),
        ("gang", "gang"),
        ("criminality", "criminal"),
        ("modern_slavery", "modern_slavery"),
    ):
        flagged = flags[flag] & child_report
        p = min(shares[reason] * total_child_reports / max(flagged.sum(), 1), 1.0)
        pick = np.flatnonzero(flagged & (rng.random(len(flagged)) < p))
        rows.append(pick)
        reasons.append(np.full(len(pick), reason, dtype=object))
    fgm = np.flatnonzero(child_report & (rng.random(len(child_report)) < shares["fgm"]))
    rows.append(fgm)
    reasons.append(np.full(len(fgm), "fgm", dtype=object))
    return np.concatenate(rows), np.concatenate(reasons)


def interviews(
    rng: np.random.Generator,
    child_report: np.ndarray,
    found_at: pd.Series,
    fatal: np.ndarray,
    exploited: np.ndarray,
) -> dict[str, object]:
    """Prevention interview (police) and return home interview (council; 72 h target)."""
    n = len(child_report)
    names = np.array(list(P.PREVENTION_INTERVIEW), dtype=object)
    prevention = names[rng.choice(len(names), n, p=list(P.PREVENTION_INTERVIEW.values()))]
    prevention[~child_report] = "not_done"
    prevention[fatal] = "not_done"
    offered_p = np.where(exploited, P.RHI_OFFERED_EXPLOITED, P.RHI_OFFERED)
    offered = child_report & ~fatal & (rng.random(n) < offered_p)
    accepted = offered & (rng.random(n) < P.RHI_ACCEPTED)
    completed = accepted & (rng.random(n) < P.RHI_COMPLETED)
    within = rng.random(n) < P.RHI_WITHIN_72H
    hours = np.where(
        within,
        rng.uniform(P.RHI_EARLIEST_HOURS, P.RHI_TARGET_HOURS, n),
        P.RHI_TARGET_HOURS + rng.exponential(P.RHI_LATE_MEAN_HOURS, n),
    )
    done_at = found_at.to_numpy() + np.round(hours * 60).astype(np.int64).astype("timedelta64[m]")
    done_at[~completed] = np.datetime64("NaT")
    na = ~child_report  # not applicable: adults and unconverted incidents
    return {
        "prevention_interview": prevention,
        "rhi_offered": pd.arrays.BooleanArray(offered, na),
        "rhi_accepted": pd.arrays.BooleanArray(accepted, na | ~offered),
        "rhi_completed_at": pd.Series(done_at.astype("datetime64[ns]")),
    }


def texts(scenario: np.ndarray, how: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Generic template phrases (no names, nothing identifying) for the free-text columns."""
    circumstances = pd.Series(scenario).map(CIRCUMSTANCES).to_numpy(dtype=object)
    found = pd.Series(how).map(FOUND_TEXT).to_numpy(dtype=object)
    return circumstances, found
