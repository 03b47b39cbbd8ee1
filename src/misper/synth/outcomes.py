"""How episodes end: who found the child and how, where, how far away, and any harm.

Shares are calibrated mixtures: where a context shifts an outcome (an exploiter named makes a
longer, further episode; a curfew breach ends with the child coming back), the other incidents
are given what is left of the published share, so the overall figure stays the published one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from misper.synth import calibration, geography
from misper.synth import parameters as P

ORIGIN_KINDS = ("home", "care_home")


def found_by(
    rng: np.random.Generator,
    scenario: np.ndarray,
    exploiter: np.ndarray,
    kind: np.ndarray,
    basis: np.ndarray,
) -> np.ndarray:
    """found_by: 52% self and 32% police over the `basis` rows, leaning on the scenario."""
    ref = calibration.reference()["found"]
    self_lean = _lean(scenario, P.FOUND_SELF_LEAN) * np.where(
        exploiter, P.FOUND_SELF_LEAN_EXPLOITER, 1.0
    )
    police_lean = _lean(scenario, P.FOUND_POLICE_LEAN) * np.where(
        exploiter, P.FOUND_POLICE_LEAN_EXPLOITER, 1.0
    )
    p_self = np.minimum(
        ref["returned_of_own_accord_share"] * self_lean / masked_mean(self_lean, basis),
        P.FOUND_SELF_MAX,
    )
    p_police = np.minimum(
        ref["police_involved_found_by_share"] * police_lean / masked_mean(police_lean, basis),
        P.FOUND_SELF_OR_POLICE_MAX - p_self,
    )
    u = rng.random(len(kind))
    out = np.empty(len(kind), dtype=object)
    out[u < p_self] = "self"
    out[(u >= p_self) & (u < p_self + p_police)] = "police"
    rest = u >= p_self + p_police
    names = list(P.FOUND_BY_OTHER)
    weights = np.array(list(P.FOUND_BY_OTHER.values()))
    swapped = weights.copy()  # from a care placement, staff rather than parents find the child
    swapped[[names.index("parent_carer"), names.index("care_staff")]] = weights[
        [names.index("care_staff"), names.index("parent_carer")]
    ]
    for in_care, w in ((False, weights), (True, swapped)):
        pick = rest & ((kind == "care_home") == in_care)
        out[pick] = np.array(names, dtype=object)[rng.choice(len(names), pick.sum(), p=w / w.sum())]
    return out


def _lean(scenario: np.ndarray, by_scenario: dict[str, float]) -> np.ndarray:
    """Multiplier of each row from its scenario (1 for scenarios not listed)."""
    return np.select([scenario == s for s in by_scenario], list(by_scenario.values()), 1.0)


def found_how(rng: np.random.Generator, by: np.ndarray) -> np.ndarray:
    """found_how given found_by; police-targeted finds make 2.6% of all incidents."""
    ref = calibration.reference()["found"]
    targeted = ref["police_found_how_share"] / ref["police_involved_found_by_share"]
    names = ["police_targeted", *P.FOUND_HOW_POLICE]
    weights = np.array(
        [
            targeted,
            *(
                np.array(list(P.FOUND_HOW_POLICE.values()))
                * (1 - targeted)
                / sum(P.FOUND_HOW_POLICE.values())
            ),
        ]
    )
    out = (
        pd.Series(by)
        .map(
            {
                "self": "returned_self",
                "parent_carer": "found_by_carer",
                "care_staff": "found_by_carer",
                "friend_relative": "other",
                "social_services": "found_by_other_agency",
                "health": "found_by_other_agency",
                "school": "found_by_other_agency",
                "other": "other",
                "unknown": "unknown",
            }
        )
        .to_numpy(dtype=object)
    )
    police = by == "police"
    out[police] = np.array(names, dtype=object)[rng.choice(len(names), police.sum(), p=weights)]
    return out


def found_location(
    rng: np.random.Generator,
    by: np.ndarray,
    how: np.ndarray,
    kind: np.ndarray,
    exploiter: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Kind of place found and whether it is the very place missing from (distance 0)."""
    n = len(by)
    origin_type = np.where(kind == "care_home", "care_home", "home")
    group = np.select(
        [
            by == "self",
            by == "police",
            np.isin(by, ["parent_carer", "care_staff", "friend_relative"]),
        ],
        ["self", "police", "carer"],
        "other",
    )
    place = np.empty(n, dtype=object)
    for name, table in P.FOUND_LOCATION.items():
        pick = group == name
        names = np.array(list(table), dtype=object)
        place[pick] = names[rng.choice(len(names), pick.sum(), p=list(table.values()))]
    place[how == "presented_to_police"] = "police_station"
    place[by == "health"] = "hospital"
    # An exploiter named: often found at an associate's address.
    named = exploiter & (by != "self") & (rng.random(n) < P.EXPLOITER_FOUND_AT_ASSOCIATE)
    place[named] = "associate_address"
    at_origin = place == "origin"
    place[at_origin] = origin_type[at_origin]
    return place, at_origin


def distances(
    rng: np.random.Generator,
    at_origin: np.ndarray,
    exploiter: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    sectors: pd.DataFrame,
    origin_sector: np.ndarray,
    basis: np.ndarray,
) -> dict[str, np.ndarray]:
    """Found coordinates, distance and sector, with Table 4's bands over the `basis` rows."""
    shares = calibration.distance_shares()
    bands = list(shares)
    target = np.array(list(shares.values()))
    n = len(lat)
    # Kept below Table 4's 0-5 share so the rest of the mixture stays a distribution (tiny runs).
    origin = min(masked_mean(at_origin, basis, default=0.0), P.DISTANCE_ORIGIN_SHARE_MAX)
    elsewhere = np.clip((target - origin * np.eye(len(bands))[0]) / (1 - origin), 1e-6, None)
    elsewhere /= elsewhere.sum()
    lower = np.array([P.DISTANCE_BAND_MILES[b][0] for b in bands])
    upper = np.array([P.DISTANCE_BAND_MILES[b][1] for b in bands])
    far = lower >= P.EXPLOITER_DISTANCE_BOOST_FROM_MILES
    boost = np.where(far, P.EXPLOITER_DISTANCE_BOOST, 1.0)
    with_exploiter = elsewhere * boost / (elsewhere * boost).sum()
    f = min(masked_mean(exploiter, basis & ~at_origin, default=0.0), P.DISTANCE_EXPLOITER_SHARE_MAX)
    without = np.clip((elsewhere - f * with_exploiter) / (1 - f), 1e-6, None)
    without /= without.sum()
    band = np.zeros(n, dtype=int)
    for flag, p in ((True, with_exploiter), (False, without)):
        pick = ~at_origin & (exploiter == flag)
        band[pick] = rng.choice(len(bands), pick.sum(), p=p)
    lo, hi = lower[band], upper[band]
    u = rng.random(n)
    nearest, skew = P.DISTANCE_NEAR
    margin = P.DISTANCE_BAND_MARGIN_MILES
    miles = np.where(
        band == 0, nearest + (hi - nearest) * u**skew, lo + margin + (hi - lo - margin) * u
    )
    abroad = band == bands.index("Out of UK")
    bearing = np.where(
        miles > P.FAR_JOURNEY_MILES, rng.uniform(*P.FAR_JOURNEY_BEARING, n), rng.uniform(0, 360, n)
    )
    flat, flon = geography.offset(lat, lon, miles, bearing)
    flat, flon = np.where(at_origin, lat, flat), np.where(at_origin, lon, flon)
    flat[abroad], flon[abroad] = np.nan, np.nan
    distance = np.round(geography.haversine_miles(lat, lon, flat, flon), 2)
    distance[abroad] = np.round(miles[abroad], 0)
    sector = geography.nearest_sector(flat, flon, sectors)
    sector[at_origin] = origin_sector[at_origin]
    return {
        "found_lat": flat,
        "found_lon": flon,
        "distance_miles": distance,
        "out_of_uk": abroad,
        "found_postcode_sector": sector,
    }


def harm(rng: np.random.Generator, n: int, fatal: np.ndarray) -> np.ndarray:
    """Harm while missing; `fatal` rows are the deaths."""
    names = np.array(list(P.HARM), dtype=object)
    out = names[rng.choice(len(names), n, p=list(P.HARM.values()))]
    out[fatal] = "fatal"
    return out


def fatal_incidents(rng: np.random.Generator, candidates: np.ndarray, scale: float) -> np.ndarray:
    """The report's two deaths in four years (suspected suicide), scaled; among `candidates`."""
    k = min(len(candidates), int(round(calibration.reference()["deaths_while_missing"] * scale)))
    return rng.choice(candidates, k, replace=False)


def masked_mean(values: np.ndarray, mask: np.ndarray, default: float = 1.0) -> float:
    """Mean over the masked rows, or `default` when there are none (a tiny data set)."""
    return float(values[mask].mean()) if mask.any() else default
