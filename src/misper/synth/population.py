"""The synthetic people: children and adults with latent propensities, spells of missing and bursts.

Repeat people enter through the years with a heavy-tailed (lognormal) rate and a spell after which
their missing ceases; half of them go missing in intense bursts on a low baseline, some after a
single sentinel episode. One-off ("occasional") people are then added to each year until the
expected number of distinct people reported that year equals Table 1 (`calibrate_fill`). The
result is a table of people and a table of intensity segments (person, start, end, rate per day).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri

from misper.synth import parameters as P
from misper.synth.calendar import Calendar

STRATA = ("u18_home", "u18_care", "adult")
HOME, CARE, ADULT = range(3)
YEAR = 365.25


@dataclass
class People:
    persons: pd.DataFrame  # one row per person, index = person number
    segments: pd.DataFrame  # person, start, end, rate (per day), kind (base, burst, sentinel)
    bursts: pd.DataFrame  # truth: burst and sentinel segments


def repeat_people(rng: np.random.Generator, cal: Calendar, scale: float) -> People:
    """Repeat children and adults, some of whose spells started before the range."""
    lead_in = P.REPEAT_LEAD_IN_YEARS * YEAR
    span = (cal.days + lead_in) / YEAR
    parts = []
    for adult, inflow, median, sigma in (
        (False, P.REPEAT_CHILD_INFLOW_PER_YEAR, P.REPEAT_RATE_MEDIAN, P.REPEAT_RATE_SIGMA),
        (True, P.REPEAT_ADULT_INFLOW_PER_YEAR, P.ADULT_RATE_MEDIAN, P.ADULT_RATE_SIGMA),
    ):
        n = max(int(round(inflow * scale * span)), 1)
        # Stratified quantiles: the tail (the most frequently missing) is stable across seeds.
        q = (rng.permutation(n) + rng.random(n)) / n
        rate = median * np.exp(sigma * ndtri(q))
        start = rng.uniform(-lead_in, cal.days, n)
        spell = P.REPEAT_SPELL_MIN_DAYS + rng.exponential(P.REPEAT_SPELL_MEAN_DAYS, n)
        if adult:
            stratum = np.full(n, ADULT)
        else:
            # The most frequently missing over the period are mostly in care: rank children by
            # their expected reports inside the range (rate x spell overlap).
            inside = np.clip(start + spell, 0, cal.days) - np.clip(start, 0, cal.days)
            expected = (np.argsort(np.argsort(rate * inside)) + 0.5) / n
            a, b = P.REPEAT_CARE_SHARE
            stratum = np.where(rng.random(n) < a + b * expected**2, CARE, HOME)
            rate = np.where(stratum == HOME, P.HOME_REPEAT_RATE_FACTOR * rate, rate)
        parts.append(
            pd.DataFrame(
                {
                    "stratum": stratum,
                    "kind": "repeat",
                    "rate": rate,
                    "rate_quantile": q,
                    "active_from": start,
                    "active_to": start + spell,
                }
            )
        )
    persons = pd.concat(parts, ignore_index=True)
    _birth_and_gender(rng, persons)
    _clip_to_age(persons)
    persons["pattern"] = _patterns(rng, len(persons))
    segments, bursts = _segments(rng, persons)
    return People(persons, segments, bursts)


def occasional_people(
    rng: np.random.Generator, cal: Calendar, stratum: int, year_index: int, size: int
) -> People:
    """A pool of one-off people of a stratum, each active through one (clipped) calendar year."""
    _, first, last = cal.years[year_index]
    persons = pd.DataFrame(
        {
            "stratum": np.full(size, stratum),
            "kind": "occasional",
            "rate": np.exp(P.OCCASIONAL_RATE_SIGMA * rng.standard_normal(size)),
            "rate_quantile": np.nan,
            "active_from": np.full(size, first),
            "active_to": np.full(size, last),
        }
    )
    _birth_and_gender(rng, persons, at=(first + last) / 2)
    _clip_to_age(persons)
    persons["pattern"] = "single_year"
    segments = pd.DataFrame(
        {
            "person": persons.index.to_numpy(),
            "start": persons["active_from"],
            "end": persons["active_to"],
            "rate": persons["rate"] / YEAR,
            "kind": "base",
        }
    )
    return People(persons, segments, segments.iloc[:0])


def calibrate_fill(
    repeat_mu: np.ndarray, pool_mu: np.ndarray, reports: float, distinct: float
) -> int:
    """How many of the pool to add so the expected distinct people equals `distinct`.

    With `reports` allocated in proportion to expected counts mu, a person is reported at least
    once with probability 1 - exp(-c mu), c = reports / sum(mu). Adding one-off people spreads the
    reports over more people, so the expected distinct count rises with the number added.
    """
    cum = np.concatenate([[0.0], np.cumsum(pool_mu)])
    base = repeat_mu.sum()

    def expected(k: int) -> float:
        c = reports / max(base + cum[k], 1e-12)
        return float(np.sum(-np.expm1(-c * repeat_mu)) + np.sum(-np.expm1(-c * pool_mu[:k])))

    lo, hi = 0, len(pool_mu)
    if expected(hi) < distinct:
        return hi
    while lo < hi:
        mid = (lo + hi) // 2
        if expected(mid) < distinct:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _birth_and_gender(
    rng: np.random.Generator, persons: pd.DataFrame, at: float | None = None
) -> None:
    """Gender and birth day; children's ages at entry follow Figures 2-3, adults' a gamma."""
    n = len(persons)
    adult = persons["stratum"].to_numpy() == ADULT
    female = rng.random(n) < np.where(adult, P.FEMALE_SHARE_ADULT, P.FEMALE_SHARE_CHILD)
    age = np.empty(n)
    for (setting, gender), (mean, sd, lo, hi) in P.AGE_ENTRY.items():
        pick = (
            ~adult
            & (female == (gender == "female"))
            & ((persons["stratum"].to_numpy() == CARE) == (setting == "care"))
        )
        age[pick] = np.clip(rng.normal(mean, sd, pick.sum()), lo, hi + 0.99)
    low, shape, scale = P.ADULT_AGE
    age[adult] = np.minimum(low + rng.gamma(shape, scale, adult.sum()), P.ADULT_AGE_MAX)
    anchor = persons["active_from"].to_numpy() if at is None else np.full(n, at)
    persons["gender"] = np.where(female, "female", "male")
    persons["birth"] = anchor - age * YEAR


def _clip_to_age(persons: pd.DataFrame) -> None:
    """Children stop at their 18th birthday; adults start at it (they are other strata then)."""
    eighteen = persons["birth"] + 18 * YEAR
    adult = persons["stratum"] == ADULT
    # A day's margin: the hour of a report is added to its day after the day is drawn.
    persons.loc[~adult, "active_to"] = np.minimum(
        persons.loc[~adult, "active_to"], eighteen[~adult] - 1.0
    )
    persons.loc[adult, "active_from"] = np.maximum(
        persons.loc[adult, "active_from"], eighteen[adult] + 1.0
    )


def _patterns(rng: np.random.Generator, n: int) -> np.ndarray:
    burst = rng.random(n) < P.BURST_PATTERN_SHARE
    sentinel = burst & (rng.random(n) < P.SENTINEL_SHARE)
    return np.where(sentinel, "sentinel_burst", np.where(burst, "burst", "spread"))


def _segments(rng: np.random.Generator, persons: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Intensity segments: a baseline over the spell plus bursts (and a sentinel before them)."""
    pid = persons.index.to_numpy()
    start, end = persons["active_from"].to_numpy(), persons["active_to"].to_numpy()
    length = np.maximum(end - start, 0.0)
    rate = persons["rate"].to_numpy() / YEAR
    pattern = persons["pattern"].to_numpy()
    bursty = pattern != "spread"

    owner = np.repeat(pid[bursty], rng.choice(P.BURST_COUNT, bursty.sum()))
    blen = np.minimum(
        P.BURST_DAYS_MIN + rng.exponential(P.BURST_DAYS_MEAN, len(owner)),
        np.maximum(length[owner], 1.0),
    )
    bstart = start[owner] + rng.random(len(owner)) * np.maximum(length[owner] - blen, 0.0)
    total_blen = np.bincount(owner, weights=blen, minlength=len(pid))
    # Bursts carry the incidents the low baseline does not, so a child's expected total is kept.
    brate = (1 - P.BURST_BASELINE) * rate[owner] * length[owner] / total_blen[owner]
    first_burst = np.full(len(pid), np.inf)
    np.minimum.at(first_burst, owner, bstart)

    sentinel = pattern == "sentinel_burst"
    base_start = np.where(sentinel, first_burst, start)
    base_rate = np.where(bursty, P.BURST_BASELINE * rate, rate)
    gap = rng.uniform(*P.SENTINEL_GAP_DAYS, sentinel.sum())
    sstart = np.maximum(first_burst[sentinel] - gap, start[sentinel])
    segments = pd.DataFrame(
        {
            "person": np.concatenate([pid, owner, pid[sentinel]]),
            "start": np.concatenate([base_start, bstart, sstart]),
            "end": np.concatenate([end, bstart + blen, sstart + 1.0]),
            "rate": np.concatenate([base_rate, brate, np.ones(sentinel.sum())]),
            "kind": np.repeat(
                ["base", "burst", "sentinel"], [len(pid), len(owner), sentinel.sum()]
            ),
        }
    )
    bursts = segments[segments["kind"] != "base"].reset_index(drop=True)
    return segments, bursts
