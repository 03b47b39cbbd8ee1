"""Hertfordshire postcode sectors with approximate centroids, and distance/offset on the globe.

Centroids are town-level approximations (to about a mile), enough for plausible coordinates and
distances; they are not an address gazetteer. Weights are rough relative populations.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

# town: (lat, lon, relative population, postcode sectors)
_TOWNS = {
    "St Albans": (51.752, -0.336, 6, ["AL1 1", "AL1 2", "AL1 3", "AL1 4", "AL3 4", "AL3 5"]),
    "St Albans east": (51.775, -0.300, 2, ["AL4 0", "AL4 8", "AL4 9"]),
    "Harpenden": (51.816, -0.356, 3, ["AL5 1", "AL5 2", "AL5 4"]),
    "Hatfield": (51.764, -0.226, 4, ["AL10 0", "AL10 8", "AL10 9"]),
    "Welwyn Garden City": (
        51.801,
        -0.196,
        5,
        ["AL7 1", "AL7 2", "AL7 3", "AL7 4", "AL8 6", "AL8 7"],
    ),
    "Hemel Hempstead": (51.753, -0.469, 8, ["HP1 1", "HP1 2", "HP2 4", "HP2 5", "HP2 7", "HP3 9"]),
    "Berkhamsted": (51.762, -0.563, 2, ["HP4 1", "HP4 2", "HP4 3"]),
    "Tring": (51.795, -0.656, 1, ["HP23 4", "HP23 5"]),
    "Stevenage": (
        51.902,
        -0.194,
        8,
        ["SG1 1", "SG1 2", "SG1 3", "SG1 4", "SG2 0", "SG2 7", "SG2 8", "SG2 9"],
    ),
    "Hitchin": (51.948, -0.279, 3, ["SG4 0", "SG4 9", "SG5 1", "SG5 2"]),
    "Letchworth": (51.979, -0.229, 3, ["SG6 1", "SG6 2", "SG6 3", "SG6 4"]),
    "Baldock": (51.990, -0.188, 1, ["SG7 5", "SG7 6"]),
    "Royston": (52.048, -0.022, 1, ["SG8 5", "SG8 7"]),
    "Buntingford": (51.945, -0.016, 1, ["SG9 0", "SG9 9"]),
    "Much Hadham": (51.858, 0.072, 0.5, ["SG10 6"]),
    "Ware": (51.811, -0.030, 2, ["SG12 0", "SG12 7", "SG12 9"]),
    "Hertford": (51.796, -0.078, 3, ["SG13 7", "SG13 8", "SG14 1", "SG14 2"]),
    "Bishop's Stortford": (51.871, 0.160, 4, ["CM23 2", "CM23 3", "CM23 4", "CM23 5"]),
    "Sawbridgeworth": (51.813, 0.150, 1, ["CM21 0", "CM21 9"]),
    "Cheshunt": (51.703, -0.035, 5, ["EN7 5", "EN7 6", "EN8 0", "EN8 8", "EN8 9"]),
    "Hoddesdon": (51.762, -0.011, 3, ["EN11 0", "EN11 8", "EN11 9"]),
    "Potters Bar": (51.696, -0.180, 2, ["EN6 1", "EN6 2", "EN6 5"]),
    "Watford": (
        51.656,
        -0.396,
        9,
        [
            "WD17 1",
            "WD17 2",
            "WD18 0",
            "WD18 7",
            "WD19 4",
            "WD24 4",
            "WD24 5",
            "WD25 0",
            "WD25 7",
            "WD25 9",
        ],
    ),
    "Bushey": (51.643, -0.360, 2, ["WD23 1", "WD23 2", "WD23 3"]),
    "Rickmansworth": (51.640, -0.472, 3, ["WD3 1", "WD3 3", "WD3 9"]),
    "Borehamwood": (51.657, -0.272, 3, ["WD6 1", "WD6 2", "WD6 4", "WD6 5"]),
    "Kings Langley": (51.713, -0.455, 1, ["WD4 8", "WD4 9"]),
    "Abbots Langley": (51.702, -0.418, 1, ["WD5 0"]),
    "Radlett": (51.685, -0.318, 1, ["WD7 7", "WD7 8"]),
}
EARTH_RADIUS_MILES = 3958.8


def sectors() -> pd.DataFrame:
    """One row per sector: sector, town, lat, lon, weight (share of the county's population)."""
    rows = []
    for town, (lat, lon, weight, codes) in _TOWNS.items():
        for k, code in enumerate(codes):
            # Spread a town's sectors around its centre so they do not share one point.
            angle = 2.4 * k
            spread = 0.012 if len(codes) > 1 else 0.0
            rows.append(
                (
                    code,
                    town,
                    lat + spread * np.sin(angle),
                    lon + 1.6 * spread * np.cos(angle),
                    weight / len(codes),
                )
            )
    frame = pd.DataFrame(rows, columns=["sector", "town", "lat", "lon", "weight"])
    frame["weight"] /= frame["weight"].sum()
    return frame


def haversine_miles(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> np.ndarray:
    """Great-circle distance in miles."""
    phi1, lam1, phi2, lam2 = (
        np.radians(np.asarray(x, dtype=float)) for x in (lat1, lon1, lat2, lon2)
    )
    a = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def offset(
    lat: npt.ArrayLike, lon: npt.ArrayLike, miles: npt.ArrayLike, bearing_deg: npt.ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """The point `miles` away from (lat, lon) along the initial bearing (great circle)."""
    lat1, lon1 = np.radians(lat), np.radians(lon)
    d = np.asarray(miles) / EARTH_RADIUS_MILES
    b = np.radians(bearing_deg)
    lat2 = np.arcsin(np.sin(lat1) * np.cos(d) + np.cos(lat1) * np.sin(d) * np.cos(b))
    lon2 = lon1 + np.arctan2(
        np.sin(b) * np.sin(d) * np.cos(lat1), np.cos(d) - np.sin(lat1) * np.sin(lat2)
    )
    return np.degrees(lat2), np.degrees(lon2)


def nearest_sector(
    lat: npt.ArrayLike, lon: npt.ArrayLike, table: pd.DataFrame, max_miles: float = 4.0
) -> np.ndarray:
    """Nearest sector code for each point, or None when no sector centroid is within max_miles."""
    from scipy.spatial import cKDTree

    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    out = np.full(lat.shape, None, dtype=object)
    ok = np.isfinite(lat) & np.isfinite(lon)

    # Locally flat miles around the county: close enough for "nearest within a few miles".
    def miles(la: np.ndarray, lo: np.ndarray) -> np.ndarray:
        return np.column_stack([la * 69.05, lo * 69.17 * np.cos(np.radians(51.8))])

    distance, pick = cKDTree(miles(table["lat"].to_numpy(), table["lon"].to_numpy())).query(
        miles(lat[ok], lon[ok])
    )
    codes = table["sector"].to_numpy(dtype=object)[pick]
    codes[distance > max_miles] = None
    out[ok] = codes
    return out
