"""Where demand comes from: postcode sectors and places (Table 10) and a map grid (Appendix 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from misper.analysis.selection import Shared

GRID_DEGREES = 0.02  # about 1.4 miles north-south: coarse enough that a cell is not an address
_WRAP = 1 << 20  # cell key = row * _WRAP + column (more columns than 360 / GRID_DEGREES)


def _by_key(shared: Shared, column: str, label: str, top: int | None) -> pd.DataFrame:
    table = shared.count_by(column, label, top)
    table["incidents_per_child"] = table["incidents"] / table["children"]
    return table


def postcode_sectors(shared: Shared, top: int | None = None) -> pd.DataFrame:
    """Incidents and children by missing_from_postcode_sector, most incidents first."""
    return _by_key(shared, "missing_from_postcode_sector", "sector", top)


def places(shared: Shared, top: int | None = None) -> pd.DataFrame:
    """Incidents and children per missing_from_place_id (a child missing from a place many times
    counts once among its children)."""
    table = _by_key(shared, "missing_from_place_id", "place_id", top)
    listed = shared.frame[shared.frame["missing_from_place_id"].isin(table["place_id"])]
    pairs = listed.groupby(["missing_from_place_id", "missing_from_type"], observed=True).size()
    if len(pairs):  # each place's most common kind
        kinds = pairs.sort_values(ascending=False, kind="stable").reset_index()
        kinds = kinds.drop_duplicates("missing_from_place_id").set_index("missing_from_place_id")
        table["missing_from_type"] = table["place_id"].map(
            kinds["missing_from_type"].astype(object)
        )
    return table


def map_grid(shared: Shared) -> pd.DataFrame:
    """Incidents per grid cell of missing_from coordinates (cell centres), for an offline map."""
    frame = shared.frame
    lat = frame["missing_from_lat"].to_numpy(dtype=float, na_value=np.nan)
    lon = frame["missing_from_lon"].to_numpy(dtype=float, na_value=np.nan)
    ok = ~np.isnan(lat) & ~np.isnan(lon)
    rows = np.floor(lat[ok] / GRID_DEGREES).astype(np.int64)
    cols = np.floor(lon[ok] / GRID_DEGREES).astype(np.int64) + _WRAP // 2  # >= 0 for any longitude
    counted = pd.Series(rows * _WRAP + cols).value_counts()  # hashing, not sorting
    cells, counts = counted.index.to_numpy(), counted.to_numpy()
    table = pd.DataFrame(
        {
            "lat": (cells // _WRAP + 0.5) * GRID_DEGREES,
            "lon": (cells % _WRAP - _WRAP // 2 + 0.5) * GRID_DEGREES,
            "incidents": counts,
        }
    )
    return table.sort_values("incidents", ascending=False, kind="stable").reset_index(drop=True)
