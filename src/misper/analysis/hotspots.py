"""Where demand comes from: postcode sectors and places (Table 10) and a map grid (Appendix 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from misper.analysis.selection import Shared

GRID_DEGREES = 0.02  # about 1.4 miles north-south: coarse enough that a cell is not an address


def _by_key(shared: Shared, column: str, label: str) -> pd.DataFrame:
    table = shared.count_by(column, label)
    table["incidents_per_child"] = table["incidents"] / table["children"]
    return table


def postcode_sectors(shared: Shared) -> pd.DataFrame:
    """Incidents and children by missing_from_postcode_sector, most incidents first."""
    return _by_key(shared, "missing_from_postcode_sector", "sector")


def places(shared: Shared) -> pd.DataFrame:
    """Incidents and children per missing_from_place_id (one child's repeats show as few children)."""
    table = _by_key(shared, "missing_from_place_id", "place_id")
    pairs = shared.frame.groupby(["missing_from_place_id", "missing_from_type"], observed=True).size()
    if len(pairs):  # each place's most common kind
        kinds = pairs.sort_values(ascending=False, kind="stable").reset_index()
        kinds = kinds.drop_duplicates("missing_from_place_id").set_index("missing_from_place_id")
        table["missing_from_type"] = table["place_id"].map(kinds["missing_from_type"].astype(object))
    return table


def map_grid(shared: Shared) -> pd.DataFrame:
    """Incidents per grid cell of missing_from coordinates (cell centres), for an offline map."""
    frame = shared.frame
    lat = frame["missing_from_lat"].to_numpy(dtype=float, na_value=np.nan)
    lon = frame["missing_from_lon"].to_numpy(dtype=float, na_value=np.nan)
    ok = ~np.isnan(lat) & ~np.isnan(lon)
    rows = np.floor(lat[ok] / GRID_DEGREES).astype(np.int64)
    cols = np.floor(lon[ok] / GRID_DEGREES).astype(np.int64)
    cells, counts = np.unique(np.stack([rows, cols], axis=1), axis=0, return_counts=True)
    table = pd.DataFrame({"lat": (cells[:, 0] + 0.5) * GRID_DEGREES, "lon": (cells[:, 1] + 0.5) * GRID_DEGREES,
                          "incidents": counts})
    return table.sort_values("incidents", ascending=False, kind="stable").reset_index(drop=True)
