"""Where the synthetic people live: homes, schools, care homes, supported living, public places.

Care homes are the county's 26 (Table 10's sectors); children in care move between them and
supported living addresses. Responsible authority and out-of-area placement follow Table 7.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from misper.synth import calibration
from misper.synth import parameters as P
from misper.synth.columns import ids
from misper.synth.population import ADULT, CARE, YEAR

PUBLIC_KINDS = (
    "hospital",
    "street",
    "town_centre",
    "leisure",
    "mha_sectioned",
    "mha_voluntary",
    "detention",
    "youth_custody",
    "licensed_premises",
    "public_transport",
    "special_event",
    "other",
)


def build_places(
    rng: np.random.Generator, persons: pd.DataFrame, sectors: pd.DataFrame
) -> pd.DataFrame:
    """Homes (one per person), schools (one per sector), care homes, supported living, public.

    Adds `home_place` and `school_place` (row numbers in the returned table) to `persons`.
    """
    n = len(persons)
    home_sector = rng.choice(len(sectors), n, p=sectors["weight"].to_numpy())
    tables = [_at(sectors, home_sector, "home", rng)]
    tables.append(_at(sectors, np.arange(len(sectors)), "school", rng))
    care = calibration.care_home_sectors()
    index = {s: k for k, s in enumerate(sectors["sector"])}
    homes = _at(sectors, np.array([index[s] for s, _ in care]), "care_home", rng)
    homes["attraction"] = [count + P.CARE_HOME_ATTRACTION_FLOOR for _, count in care]
    tables.append(homes)
    n_care = int((persons["stratum"] == CARE).sum())
    n_sl = max(
        P.SUPPORTED_LIVING_MIN_ADDRESSES, int(round(P.SUPPORTED_LIVING_PER_CARE_CHILD * n_care))
    )
    tables.append(
        _at(
            sectors,
            rng.choice(len(sectors), n_sl, p=sectors["weight"].to_numpy()),
            "supported_living",
            rng,
        )
    )
    for kind in PUBLIC_KINDS:
        tables.append(_at(sectors, rng.choice(len(sectors), P.PUBLIC_PLACES_PER_KIND), kind, rng))
    places = pd.concat(tables, ignore_index=True)
    prefix = (
        places["kind"]
        .map({"home": "H", "school": "E", "care_home": "C", "supported_living": "S"})
        .fillna("X")
    )
    number = places.groupby(prefix).cumcount().to_numpy() + 1
    places["place_id"] = prefix.to_numpy(dtype=object) + ids("", number, 6).to_numpy(dtype=object)
    persons["home_place"] = np.arange(n)
    persons["school_place"] = n + home_sector
    persons["home_town"] = pd.factorize(sectors["town"])[0][home_sector]
    return places


def _at(
    sectors: pd.DataFrame, rows: np.ndarray, kind: str, rng: np.random.Generator
) -> pd.DataFrame:
    chosen = sectors.iloc[rows]
    return pd.DataFrame(
        {
            "kind": kind,
            "sector": chosen["sector"].to_numpy(),
            "lat": chosen["lat"].to_numpy() + rng.normal(0, P.ADDRESS_JITTER_DEG, len(rows)),
            # A degree of longitude is about 1/1.6 of one of latitude at the county's latitude.
            "lon": chosen["lon"].to_numpy() + rng.normal(0, 1.6 * P.ADDRESS_JITTER_DEG, len(rows)),
        }
    )


def placements(
    rng: np.random.Generator, persons: pd.DataFrame, places: pd.DataFrame
) -> pd.DataFrame:
    """Placement history of each child in care: a move every few months, home or supported living.

    Returns one row per placement: person, start (days since the range start), place (row).
    """
    care = persons.index[persons["stratum"] == CARE].to_numpy()
    most = 24  # placements drawn per child; the spell ends long before the last
    gaps = P.PLACEMENT_MOVE_DAYS_MIN + rng.exponential(
        P.PLACEMENT_MOVE_DAYS_MEAN, (len(care), most)
    )
    lead = P.PLACEMENT_LEAD_YEARS * YEAR
    first = persons["active_from"].to_numpy()[care] - rng.uniform(0, lead, len(care))
    starts = first[:, None] + np.concatenate(
        [np.zeros((len(care), 1)), np.cumsum(gaps, 1)[:, :-1]], 1
    )
    keep = starts < persons["active_to"].to_numpy()[care][:, None]
    keep[:, 0] = True
    person = np.broadcast_to(care[:, None], starts.shape)[keep]
    start = starts[keep]
    pools = places.groupby("kind").indices
    homes, living = pools["care_home"], pools["supported_living"]
    weight = places["attraction"].to_numpy()[homes]
    in_home = rng.random(len(person)) < P.CARE_HOME_PLACEMENT_SHARE
    place = np.where(
        in_home,
        rng.choice(homes, len(person), p=weight / weight.sum()),
        rng.choice(living, len(person)),
    )
    return pd.DataFrame({"person": person, "start": start, "place": place})


def placement_at(history: pd.DataFrame, person: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Place row of each (person, time): the placement that started last before t."""
    offset = 10_000.0  # days: larger than any range, so keys sort by person then time
    keys = history["person"].to_numpy() * 2 * offset + history["start"].to_numpy() + offset
    order = np.argsort(keys, kind="stable")
    keys, places = keys[order], history["place"].to_numpy()[order]
    firsts = np.searchsorted(keys, person * 2 * offset, side="left")
    at = np.searchsorted(keys, person * 2 * offset + t + offset, side="right") - 1
    return places[np.maximum(at, firsts)]


def care_characteristics(rng: np.random.Generator, persons: pd.DataFrame) -> None:
    """Care type, responsible authority, out-of-area placement, social worker (Tables 7-8)."""
    n = len(persons)
    stratum = persons["stratum"].to_numpy()
    rows = calibration.authority_rows()
    names = np.array(list(rows))
    in_care = np.array([r[0] + r[1] for r in rows.values()])
    not_care = np.array([r[2] for r in rows.values()])
    authority = np.where(
        stratum == CARE,
        rng.choice(names, n, p=in_care / in_care.sum()),
        rng.choice(names, n, p=not_care / not_care.sum()),
    )
    persons["responsible_authority"] = np.where(stratum == ADULT, None, authority)
    # Children in care are "full_care" until traits.care_orders splits them over their reports.
    persons["in_care"] = np.where(
        stratum == CARE, "full_care", np.where(stratum == ADULT, "unknown", "no")
    )
    # Placed in Hertfordshire by another council: the only out-of-area children a Herts report sees.
    persons["out_of_area_placement"] = (stratum == CARE) & ~np.isin(
        authority, [calibration.HERTFORDSHIRE, "Unknown"]
    )
    repeat_weight = np.minimum(persons["rate"].to_numpy() / P.SOCIAL_WORKER_FULL_RATE, 1.0)
    persons["social_worker_allocated"] = (stratum == CARE) | (
        rng.random(n) < P.SOCIAL_WORKER_BASE + P.SOCIAL_WORKER_REPEAT * repeat_weight
    )
    persons["home_share"] = np.where(stratum == CARE, rng.beta(*P.CARE_CHILD_HOME_SHARE, n), 0.0)


def peer_groups(rng: np.random.Generator, persons: pd.DataFrame) -> None:
    """Groups of three children of the same setting and town who sometimes go missing together."""
    candidates = persons.index[
        (persons["stratum"] != ADULT)
        & (persons["kind"] == "repeat")
        & (rng.random(len(persons)) < P.PEER_GROUP_SHARE)
    ]
    town = persons["home_town"].to_numpy()[candidates]
    order = np.lexsort(
        (rng.random(len(candidates)), town, persons["stratum"].to_numpy()[candidates])
    )
    group = np.full(len(persons), -1)
    group[candidates.to_numpy()[order]] = np.arange(len(candidates)) // P.PEER_GROUP_SIZE
    persons["peer_group"] = group
