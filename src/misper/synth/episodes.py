"""When and where from: each year's reports shared among people's intensity segments, then timed.

A year's published number of reports (per stratum: children at home, children in care, adults) is
allocated multinomially over the segments in proportion to rate x demand-weighted overlap, which
is the Poisson process of the people's intensities conditioned on the year's total. Dates inside a
segment follow the day-of-week and month factors; hours follow the profile of where from.
Children in a peer group are paired into co-missing incidents that share their times.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from misper.incidents.schema import MISSING_FROM_TYPES
from misper.synth import parameters as P
from misper.synth.calendar import Calendar
from misper.synth.places import placement_at
from misper.synth.population import ADULT, CARE, HOME

REPORT, INCIDENT_ONLY = 0, 1


def allocate(
    rng: np.random.Generator,
    cal: Calendar,
    segments: pd.DataFrame,
    stratum: np.ndarray,
    reports: np.ndarray,
    incident_only: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Incidents (segment, person, year, day, record_type) and the demand scale per year x stratum.

    `reports[y, s]` is the number of reports of stratum s in year y; `incident_only[y]` the
    control-room incidents not converted, shared over everyone in proportion to their intensity.
    """
    seg_stratum = stratum[segments["person"].to_numpy()]
    rate = segments["rate"].to_numpy()
    starts, ends = segments["start"].to_numpy(), segments["end"].to_numpy()
    scale = np.zeros(reports.shape)
    parts = []
    for y, (_, first, last) in enumerate(cal.years):
        weight = rate * cal.demand(np.maximum(starts, first), np.minimum(ends, last))
        scaled = np.zeros_like(weight)
        for s in range(reports.shape[1]):
            mask = (seg_stratum == s) & (weight > 0)
            total = weight[mask].sum()
            if reports[y, s] == 0 or total == 0:
                continue
            scale[y, s] = reports[y, s] / total
            scaled[mask] = weight[mask] * scale[y, s]
            parts.append(_draw(rng, np.flatnonzero(mask), weight[mask], reports[y, s], y, REPORT))
        if incident_only[y] and scaled.sum() > 0:
            live = np.flatnonzero(scaled > 0)
            parts.append(_draw(rng, live, scaled[live], incident_only[y], y, INCIDENT_ONLY))
    inc = pd.concat(parts, ignore_index=True)
    seg = inc["segment"].to_numpy()
    year = inc["year"].to_numpy()
    first = np.array([f for _, f, _ in cal.years])[year]
    last = np.array([e for _, _, e in cal.years])[year]
    lo, hi = np.maximum(starts[seg], first), np.minimum(ends[seg], last)
    inc["lo"], inc["hi"] = lo, hi
    inc["day"] = cal.place(lo, hi, rng.random(len(inc)))
    inc["person"] = segments["person"].to_numpy()[seg]
    return inc, scale


def _draw(
    rng: np.random.Generator,
    segment_rows: np.ndarray,
    weight: np.ndarray,
    count: int,
    year: int,
    record_type: int,
) -> pd.DataFrame:
    counts = rng.multinomial(int(count), weight / weight.sum())
    rows = np.repeat(segment_rows, counts)
    return pd.DataFrame({"segment": rows, "year": year, "record_type": record_type})


def where_from(
    rng: np.random.Generator,
    inc: pd.DataFrame,
    persons: pd.DataFrame,
    targets: dict[str, float],
    care_report_share: float,
) -> np.ndarray:
    """missing_from_type of each incident given the person's stratum (Table 2 overall).

    Children not in care take what is left of Table 2 once the children in care's own mix is
    accounted for, so the overall shares come out at the published ones.
    """
    n = len(inc)
    stratum = persons["stratum"].to_numpy()[inc["person"].to_numpy()]
    home_share = persons["home_share"].to_numpy()[inc["person"].to_numpy()]
    care_mix = _vector(P.CARE_MISSING_FROM)
    mean_home = persons.loc[persons["stratum"] == CARE, "home_share"].mean()
    care_overall = (1 - mean_home) * care_mix + mean_home * _vector({"home": 1.0})
    target = _vector(targets)
    rest = np.clip((target - care_report_share * care_overall) / (1 - care_report_share), 0, None)
    out = np.empty(n, dtype=object)
    types = np.array(MISSING_FROM_TYPES, dtype=object)
    for s, mix in ((HOME, rest), (CARE, care_mix), (ADULT, _vector(P.ADULT_MISSING_FROM))):
        pick = stratum == s
        out[pick] = types[rng.choice(len(types), pick.sum(), p=mix / mix.sum())]
    care_at_home = (stratum == CARE) & (rng.random(n) < home_share)
    out[care_at_home] = "home"
    return out


def _vector(shares: dict[str, float]) -> np.ndarray:
    return np.array([shares.get(t, 0.0) for t in MISSING_FROM_TYPES], dtype=float)


def time_of_day(
    rng: np.random.Generator, cal: Calendar, inc: pd.DataFrame, kind: np.ndarray
) -> np.ndarray:
    """Reported time in days since the start: school days for education, hour by where from."""
    day = inc["day"].to_numpy().copy()
    school = kind == "education"
    open_days = cal.demand(inc["lo"].to_numpy()[school], inc["hi"].to_numpy()[school], school=True)
    redo = np.flatnonzero(school)[open_days > 0]
    day[redo] = cal.place(
        inc["lo"].to_numpy()[redo], inc["hi"].to_numpy()[redo], rng.random(len(redo)), school=True
    )
    kind[np.flatnonzero(school)[open_days <= 0]] = "home"  # a spell with no school day in it
    profile = np.where(np.isin(kind, ["care_home", "home", "education"]), kind, "other")
    hour = np.empty(len(day))
    for name, weights in P.HOUR_PROFILE.items():
        pick = profile == name
        hour[pick] = rng.choice(24, pick.sum(), p=weights)
    return day + (hour + rng.random(len(day))) / 24.0


def missing_place(
    rng: np.random.Generator,
    inc: pd.DataFrame,
    kind: np.ndarray,
    persons: pd.DataFrame,
    places: pd.DataFrame,
    history: pd.DataFrame,
    t: np.ndarray,
) -> np.ndarray:
    """Place row missing from: family home, placement at the time, school, or a public place."""
    person = inc["person"].to_numpy()
    place = persons["home_place"].to_numpy()[person].copy()
    school = kind == "education"
    place[school] = persons["school_place"].to_numpy()[person[school]]
    stratum = persons["stratum"].to_numpy()[person]
    placed = (kind == "care_home") & (stratum == CARE)
    place[placed] = placement_at(history, person[placed], t[placed])
    pools = places.groupby("kind").indices
    other_care = (kind == "care_home") & (stratum != CARE)
    place[other_care] = rng.choice(pools["supported_living"], other_care.sum())
    for k in np.unique(kind[~np.isin(kind, ["home", "care_home", "education"])]):
        pick = kind == k
        place[pick] = rng.choice(pools[k], pick.sum())
    return place


def pair_co_missing(
    rng: np.random.Generator,
    inc: pd.DataFrame,
    persons: pd.DataFrame,
    kind: np.ndarray,
    t: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Pair reports of children in the same peer group and year; the second takes the first's time.

    Returns the rows of the first and second of each pair; `t` of the second is moved onto the
    first's, which keeps every yearly count as allocated (a pair never crosses a year).
    """
    group = persons["peer_group"].to_numpy()[inc["person"].to_numpy()]
    who = inc["person"].to_numpy()
    offered = np.flatnonzero(
        (group >= 0)
        & (inc["record_type"].to_numpy() == REPORT)
        & (kind != "education")
        & (rng.random(len(inc)) < P.LINK_PROBABILITY)
    )
    key = group[offered] * 1000 + inc["year"].to_numpy()[offered]
    # The r-th offered report of each member of a group-year is paired with another member's r-th:
    # rows sharing (group-year, r) belong to different children by construction.
    shuffled = np.lexsort((rng.random(len(offered)), who[offered], key))
    offered, key = offered[shuffled], key[shuffled]
    r = (
        pd.DataFrame({"key": key, "who": who[offered]})
        .groupby(["key", "who"])
        .cumcount()
        .to_numpy()
    )
    block = np.lexsort((rng.random(len(offered)), r, key))
    offered, key, r = offered[block], key[block], r[block]
    same = (key[1:] == key[:-1]) & (r[1:] == r[:-1])
    position = pd.Series(np.zeros(len(offered))).groupby([key, r]).cumcount().to_numpy()
    lead = np.flatnonzero(same & (position[:-1] % 2 == 0))
    first, second = offered[lead], offered[lead + 1]
    # Only with someone whose own spell covers that moment (not yet 18, still going missing).
    ok = (
        (who[first] != who[second])
        & (persons["active_from"].to_numpy()[who[second]] <= t[first])
        & (t[first] < persons["active_to"].to_numpy()[who[second]] - 1.0)
    )
    first, second = first[ok], second[ok]
    t[second] = t[first] + rng.uniform(*P.CO_MISSING_GAP_MINUTES, len(second)) / 1440.0
    return first, second


def durations(
    rng: np.random.Generator,
    t: np.ndarray,
    age: np.ndarray,
    record_type: np.ndarray,
    exploiter: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Hours from report to found and the scenario of each episode (Figure 8's two patterns)."""
    n = len(t)
    hour = np.floor((t % 1.0) * 24).astype(int)
    u = rng.random(n)
    report = record_type == REPORT
    curfew = (
        report
        & (age >= P.CURFEW_MIN_AGE)
        & (age < 18)
        & np.isin(hour, P.CURFEW_HOURS)
        & (u < P.CURFEW_PROBABILITY)
    )
    overnight = (
        report
        & ~curfew
        & np.isin(hour, P.OVERNIGHT_HOURS)
        & (rng.random(n) < P.OVERNIGHT_PROBABILITY)
    )
    long_p = np.where(exploiter, P.LONG_PROBABILITY_EXPLOITER, P.LONG_PROBABILITY)
    long = report & ~curfew & ~overnight & (rng.random(n) < long_p)
    scenario = np.select(
        [~report, curfew, overnight, long],
        ["incident_only", "curfew", "overnight", "long"],
        "short",
    )
    hours = np.empty(n)
    for name, (median, sigma) in (
        ("incident_only", P.INCIDENT_ONLY_DURATION),
        ("curfew", P.CURFEW_DURATION),
        ("short", P.SHORT_DURATION),
        ("long", P.LONG_DURATION),
    ):
        pick = scenario == name
        hours[pick] = median * np.exp(sigma * rng.standard_normal(pick.sum()))
    pick = scenario == "overnight"
    found_clock = np.clip(rng.normal(*P.OVERNIGHT_FOUND_HOUR, pick.sum()), *P.OVERNIGHT_FOUND_CLOCK)
    clock = (t[pick] % 1.0) * 24
    hours[pick] = np.where(clock >= 12, 24 - clock + found_clock, found_clock - clock)
    return np.maximum(hours, P.MIN_EPISODE_HOURS), scenario
