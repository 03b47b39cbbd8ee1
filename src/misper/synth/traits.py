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


def carriers(rng: np.random.Generator, persons: pd.DataFrame, reports: np.ndarray) -> None:
    """Latent traits of children (criminal exploitation, CSE, suicide/self-harm) on `persons`."""
    child = persons["stratum"].to_numpy() != ADULT
    female = persons["gender"].to_numpy() == "female"
    care = persons["stratum"].to_numpy() == CARE
    frequent = np.log1p(reports)
    n = len(persons)
    crime, cse, suicide = P.CRIMINAL_LIABILITY, P.CSE_LIABILITY, P.SUICIDE_LIABILITY
    criminal = (
        crime["frequent"] * frequent
        + crime["male"] * ~female
        + crime["care"] * care
        + rng.standard_normal(n)
    )
    liabilities = {
        **{
            flag: criminal + P.CRIMINAL_FLAG_NOISE * rng.standard_normal(n)
            for flag in CRIMINAL_FLAGS
        },
        "cse": cse["frequent"] * frequent
        + cse["female"] * female
        + cse["care"] * care
        + rng.standard_normal(n),
        "suicide": suicide["frequent"] * frequent
        + suicide["female"] * female
        + rng.standard_normal(n),
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
    rng: np.random.Generator,
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
    # Not in Table 6 (no published share).
    flags[:, col["cce"]] = criminal & (rng.random(n) < P.CCE_OF_CRIMINAL)
    flags[:, col["substance_misuse"]] = criminal & (rng.random(n) < P.SUBSTANCE_MISUSE_OF_CRIMINAL)
    flags[:, col["mental_health"]] = flags[:, col["suicide"]] & (
        rng.random(n) < P.MENTAL_HEALTH_OF_SUICIDE
    )
    adult = persons["stratum"].to_numpy()[person] == ADULT
    for flag, share in P.ADULT_FLAGS.items():
        flags[adult, col[flag]] = rng.random(adult.sum()) < share
    # Control-room incidents that never became a report carry no risk assessment.
    flags[record_type != REPORT] = False
    return flags


def markers(rng: np.random.Generator, persons: pd.DataFrame) -> np.ndarray:
    """Boolean matrix persons x MARKERS: warning markers follow the person (Appendix 4)."""
    n = len(persons)
    frequent = np.nan_to_num(persons["rate_quantile"].to_numpy(), nan=0.0)
    p = {}
    for marker, (trait, if_carrier, base, per_quantile) in P.MARKER_PROBABILITY.items():
        p[marker] = base + per_quantile * frequent
        if trait is not None:
            column = f"carrier_{trait}"
            carrier = persons.get(column, pd.Series(False, index=persons.index)).to_numpy()
            p[marker] = np.where(carrier, if_carrier, p[marker])
    return np.column_stack([rng.random(n) < p[m] for m in MARKERS])


def ethnic_appearance(
    rng: np.random.Generator, persons: pd.DataFrame, reports: np.ndarray
) -> np.ndarray:
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


def care_orders(rng: np.random.Generator, persons: pd.DataFrame, reports: np.ndarray) -> None:
    """Full care or accommodated (s.20), systematically sampled over reports to Table 7's split."""
    full, accommodated, _ = calibration.reference()["responsible_authority_2022"]["totals"]
    care = np.flatnonzero((persons["stratum"].to_numpy() == CARE) & (reports > 0))
    order = care[rng.permutation(len(care))]
    mid = (np.cumsum(reports[order]) - reports[order] / 2) / max(reports[order].sum(), 1)
    persons.loc[persons.index[order], "in_care"] = np.where(
        mid < full / (full + accommodated), "full_care", "accommodated"
    )


def transgender(rng: np.random.Generator, persons: pd.DataFrame, reports: np.ndarray) -> None:
    """Record 0.35% of children's reports as transgender, on children reported a few times."""
    share = calibration.reference()["gender"]["transgender_share"]
    few = (reports > 0) & (reports <= P.TRANSGENDER_MAX_REPORTS)
    child = (persons["stratum"].to_numpy() != ADULT) & few
    order = rng.permutation(np.flatnonzero(child))
    total = reports[persons["stratum"].to_numpy() != ADULT].sum()
    before = np.cumsum(reports[order]) - reports[order]
    chosen = order[before < share * total]
    adult = np.flatnonzero(persons["stratum"].to_numpy() == ADULT)
    chosen = np.concatenate([chosen, adult[rng.random(len(adult)) < share]])
    persons.loc[persons.index[chosen], "gender"] = "transgender"


def associates(
    rng: np.random.Generator, persons: pd.DataFrame, reports: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """Adults and addresses that draw several children; exploiters draw the exploited ones.

    Returns the associates table and, per person, the associate row they are linked to (-1 none)
    and a second exploiter for some. Exploiters are chosen with Zipf-like weights, so a few of
    them draw many children.
    """
    exploited = np.flatnonzero(persons["exploitation_risk"].to_numpy() & (reports > 0))
    n_exploiters = max(1, int(round(P.EXPLOITER_PER_CARRIER * len(exploited))))
    weight = 1.0 / np.arange(1, n_exploiters + 1) ** P.EXPLOITER_ZIPF_EXPONENT
    weight /= weight.sum()
    link = np.full((len(persons), 2), -1)
    link[exploited, 0] = rng.choice(n_exploiters, len(exploited), p=weight)
    second = exploited[rng.random(len(exploited)) < P.SECOND_EXPLOITER]
    link[second, 1] = rng.choice(n_exploiters, len(second), p=weight)
    others = np.flatnonzero(
        (persons["stratum"].to_numpy() != ADULT)
        & (reports >= P.ORDINARY_ASSOCIATE_MIN_REPORTS)
        & ~persons["exploitation_risk"].to_numpy()
    )
    n_ordinary = max(1, int(round(P.ORDINARY_ASSOCIATES_PER_CHILD * len(others))))
    linked = others[rng.random(len(others)) < P.ORDINARY_ASSOCIATE_LINK]
    link[linked, 0] = n_exploiters + rng.choice(n_ordinary, len(linked))
    kind = np.concatenate(
        [
            np.full(n_exploiters, "adult"),
            np.where(rng.random(n_ordinary) < P.ORDINARY_ASSOCIATE_ADULT, "adult", "address"),
        ]
    )
    table = pd.DataFrame(
        {
            "associate_id": [f"A{k + 1:06d}" for k in rng.permutation(len(kind))],
            "kind": kind,
            "is_exploiter": np.arange(len(kind)) < n_exploiters,
        }
    )
    return table, link
