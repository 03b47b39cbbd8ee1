"""Who carries which vulnerability, warning marker, ethnic appearance, and which adults draw them.

Vulnerabilities are liability-threshold traits: each child has a latent liability (higher for the
frequently missing; criminal exploitation shared by the gang / criminal / county lines flags so
they co-occur; CSE higher for girls and children in care), and the children with the highest
liabilities carry the trait until the carriers' share of reports reaches Table 6's share. Ethnic
appearance is independent of everything and assigned by systematic sampling over reports, so the
report shares of Table 3 come out exactly rather than at the mercy of a few frequent children.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from misper.incidents.schema import MARKERS, RISK_FLAGS
from misper.synth import calibration
from misper.synth import parameters as P
from misper.synth.episodes import REPORT
from misper.synth.population import ADULT, CARE

CRIMINAL_FLAGS = ("gang", "criminal", "county_lines")


def carriers(rng, persons: pd.DataFrame, reports: np.ndarray) -> None:
    """Latent traits of children (criminal exploitation, CSE, suicide/self-harm) on `persons`."""
    child = persons["stratum"].to_numpy() != ADULT
    female = persons["gender"].to_numpy() == "female"
    care = persons["stratum"].to_numpy() == CARE
    frequent = np.log1p(reports)
    n = len(persons)
    criminal = 0.9 * frequent + 0.6 * ~female + 0.3 * care + rng.standard_normal(n)
    liabilities = {
        **{flag: criminal + 0.5 * rng.standard_normal(n) for flag in CRIMINAL_FLAGS},
        "cse": 0.7 * frequent + 1.3 * female + 0.5 * care + rng.standard_normal(n),
        "suicide": 0.5 * frequent + 0.4 * female + rng.standard_normal(n),
    }
    shares = calibration.risk_flag_shares()
    for flag, liability in liabilities.items():
        persons[f"carrier_{flag}"] = child & _threshold(
            liability, reports * child, shares[flag] / P.FLAG_RECORDING
        )
    persons["exploitation_risk"] = persons[[f"carrier_{f}" for f in (*CRIMINAL_FLAGS, "cse")]].any(
        axis=1
    )


def _threshold(liability: np.ndarray, reports: np.ndarray, share: float) -> np.ndarray:
    """Carriers: the highest liabilities until their reports reach `share` of all reports."""
    order = np.argsort(-liability, kind="stable")
    before = np.cumsum(reports[order]) - reports[order]
    chosen = np.zeros(len(liability), dtype=bool)
    chosen[order[before < share * reports.sum()]] = True
    return chosen & (reports > 0)


def incident_flags(
    rng,
    person: np.ndarray,
    persons: pd.DataFrame,
    is_child_report: np.ndarray,
    record_type: np.ndarray,
) -> np.ndarray:
    """Boolean matrix incidents x RISK_FLAGS: carriers' flags recorded on most of their reports."""
    n = len(person)
    shares = calibration.risk_flag_shares()
    flags = np.zeros((n, len(RISK_FLAGS)), dtype=bool)
    col = {f: k for k, f in enumerate(RISK_FLAGS)}
    for flag in (*CRIMINAL_FLAGS, "cse", "suicide"):
        carrier = persons[f"carrier_{flag}"].to_numpy()[person]
        flags[:, col[flag]] = carrier & (rng.random(n) < P.FLAG_RECORDING)
    exploited = persons["exploitation_risk"].to_numpy()[person]
    criminal = persons["carrier_criminal"].to_numpy()[person]
    for flag in ("other", "vulnerable", "domestic_abuse", "hba", "terrorism"):
        flags[:, col[flag]] = rng.random(n) < shares[flag]
    # Exploitation-related flags only on exploited children's reports, at the published share.
    base = max(exploited[is_child_report].mean(), 1e-9) if is_child_report.any() else 1.0
    for flag in ("trafficking", "modern_slavery"):
        flags[:, col[flag]] = exploited & (rng.random(n) < shares[flag] / base)
    # Not in Table 6 (no published share): child criminal exploitation and substance misuse on
    # some criminal-exploitation reports, mental health on some suicide-flagged ones.
    flags[:, col["cce"]] = criminal & (rng.random(n) < 0.25)
    flags[:, col["substance_misuse"]] = criminal & (rng.random(n) < 0.1)
    flags[:, col["mental_health"]] = flags[:, col["suicide"]] & (rng.random(n) < 0.2)
    adult = persons["stratum"].to_numpy()[person] == ADULT
    flags[adult, col["suicide"]] = rng.random(adult.sum()) < 0.12
    flags[adult, col["mental_health"]] = rng.random(adult.sum()) < 0.2
    # Control-room incidents that never became a report carry no risk assessment.
    flags[record_type != REPORT] = False
    return flags


def markers(rng, persons: pd.DataFrame) -> np.ndarray:
    """Boolean matrix persons x MARKERS: warning markers follow the person (Appendix 4)."""
    n = len(persons)
    criminal = persons.get("carrier_criminal", pd.Series(False, index=persons.index)).to_numpy()
    suicide = persons.get("carrier_suicide", pd.Series(False, index=persons.index)).to_numpy()
    frequent = np.nan_to_num(persons["rate_quantile"].to_numpy(), nan=0.0)
    p = {
        "weapons": np.where(criminal, 0.45, 0.02),
        "violence": np.where(criminal, 0.3, 0.03),
        "drugs": np.where(criminal, 0.4, 0.03),
        "mental_health": np.where(suicide, 0.6, 0.05 + 0.3 * frequent),
        "adhd": 0.06 + 0.1 * frequent,
        "autism": np.full(n, 0.05),
        "learning_disability": np.full(n, 0.04),
        "self_harm": np.where(suicide, 0.3, 0.02),
        "other": np.full(n, 0.03),
    }
    return np.column_stack([rng.random(n) < p[m] for m in MARKERS])


def ethnic_appearance(rng, persons: pd.DataFrame, reports: np.ndarray) -> np.ndarray:
    """Table 3 categories, systematically sampled over reports (independent of everything else)."""
    shares = calibration.ethnic_shares()
    names = np.array(list(shares), dtype=object)
    cuts = np.cumsum(list(shares.values()))
    out = names[np.minimum(np.searchsorted(cuts, rng.random(len(persons))), len(names) - 1)]
    child = np.flatnonzero((persons["stratum"].to_numpy() != ADULT) & (reports > 0))
    order = child[rng.permutation(len(child))]
    mid = (np.cumsum(reports[order]) - reports[order] / 2) / reports[order].sum()
    out[order] = names[np.minimum(np.searchsorted(cuts, mid), len(names) - 1)]
    return out


def care_orders(rng, persons: pd.DataFrame, reports: np.ndarray) -> None:
    """Full care or accommodated (s.20), systematically sampled over reports to Table 7's split."""
    full, accommodated, _ = calibration.reference()["responsible_authority_2022"]["totals"]
    care = np.flatnonzero((persons["stratum"].to_numpy() == CARE) & (reports > 0))
    order = care[rng.permutation(len(care))]
    mid = (np.cumsum(reports[order]) - reports[order] / 2) / max(reports[order].sum(), 1)
    persons.loc[persons.index[order], "in_care"] = np.where(
        mid < full / (full + accommodated), "full_care", "accommodated"
    )


def transgender(rng, persons: pd.DataFrame, reports: np.ndarray) -> None:
    """Record 0.35% of children's reports as transgender, on children reported a few times."""
    share = calibration.reference()["gender"]["transgender_share"]
    child = (persons["stratum"].to_numpy() != ADULT) & (reports > 0) & (reports <= 5)
    order = rng.permutation(np.flatnonzero(child))
    total = reports[persons["stratum"].to_numpy() != ADULT].sum()
    before = np.cumsum(reports[order]) - reports[order]
    chosen = order[before < share * total]
    adult = np.flatnonzero(persons["stratum"].to_numpy() == ADULT)
    chosen = np.concatenate([chosen, adult[rng.random(len(adult)) < share]])
    persons.loc[persons.index[chosen], "gender"] = "transgender"


def associates(rng, persons: pd.DataFrame, reports: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Adults and addresses that draw several children; exploiters draw the exploited ones.

    Returns the associates table and, per person, the associate row they are linked to (-1 none)
    and a second exploiter for some. Exploiters are chosen with Zipf-like weights, so a few of
    them draw many children.
    """
    exploited = np.flatnonzero(persons["exploitation_risk"].to_numpy() & (reports > 0))
    n_exploiters = max(1, int(round(P.EXPLOITER_PER_CARRIER * len(exploited))))
    weight = 1.0 / np.arange(1, n_exploiters + 1) ** 0.8
    weight /= weight.sum()
    link = np.full((len(persons), 2), -1)
    link[exploited, 0] = rng.choice(n_exploiters, len(exploited), p=weight)
    second = exploited[rng.random(len(exploited)) < 0.3]
    link[second, 1] = rng.choice(n_exploiters, len(second), p=weight)
    others = np.flatnonzero(
        (persons["stratum"].to_numpy() != ADULT)
        & (reports >= 2)
        & ~persons["exploitation_risk"].to_numpy()
    )
    n_ordinary = max(1, int(round(P.ORDINARY_ASSOCIATES_PER_CHILD * len(others))))
    linked = others[rng.random(len(others)) < 0.3]
    link[linked, 0] = n_exploiters + rng.choice(n_ordinary, len(linked))
    kind = np.concatenate(
        [np.full(n_exploiters, "adult"), np.where(rng.random(n_ordinary) < 0.6, "adult", "address")]
    )
    table = pd.DataFrame(
        {
            "associate_id": [f"A{k + 1:06d}" for k in rng.permutation(len(kind))],
            "kind": kind,
            "is_exploiter": np.arange(len(kind)) < n_exploiters,
        }
    )
    return table, link
