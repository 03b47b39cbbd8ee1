"""Children in care (for one year): rate against the population, Table 7, out-of-area placements."""

from __future__ import annotations

from typing import NotRequired, TypedDict

import pandas as pd

from misper.analysis.selection import Shared

IN_CARE = ("full_care", "accommodated")
CARE_COLUMNS = ("full_care", "accommodated", "no", "unknown")


class CareRates(TypedDict):
    """Counts always; the shares against the population only when its figures are given."""

    children: int
    children_in_care: int
    incidents: int
    incidents_children_in_care: int
    incidents_recorded_in_care: int
    share_of_incidents_children_in_care: float | None
    share_cla_with_incident: NotRequired[float]
    cla_not_reported_share: NotRequired[float]
    incidents_per_cla: NotRequired[float]
    share_general_population_with_incident: NotRequired[float]


class OutOfArea(TypedDict):
    incidents: int
    children: int
    incidents_in_care: int
    known: int  # incidents with out_of_area_placement recorded


def care_rates(
    shared: Shared, u18_population: int | None = None, children_looked_after: int | None = None
) -> CareRates:
    """Children in care with an incident, their incidents, and rates against the population.

    A child counts as in care when any of its incidents in the period records full_care or
    accommodated. Rates need the population file: share of children looked after (CLA) with an
    incident; and share of the other under-18s (U18 population - CLA) with one.
    """
    in_care = shared.frame["in_care"].isin(IN_CARE).to_numpy(bool)
    care_child = shared.per_child_of(in_care) > 0
    incidents_children_in_care = int(care_child[shared.child].sum())
    out: CareRates = {
        "children": shared.n_children,
        "children_in_care": int(care_child.sum()),
        "incidents": shared.n_incidents,
        "incidents_children_in_care": incidents_children_in_care,
        "incidents_recorded_in_care": int(in_care.sum()),
        "share_of_incidents_children_in_care": (
            incidents_children_in_care / shared.n_incidents if shared.n_incidents else None
        ),
    }
    if children_looked_after:
        out["share_cla_with_incident"] = out["children_in_care"] / children_looked_after
        out["cla_not_reported_share"] = 1 - out["share_cla_with_incident"]
        out["incidents_per_cla"] = out["incidents_children_in_care"] / children_looked_after
    if u18_population and children_looked_after:
        others = shared.n_children - out["children_in_care"]
        out["share_general_population_with_incident"] = others / (
            u18_population - children_looked_after
        )
    return out


def authority_by_care(shared: Shared) -> pd.DataFrame:
    """Table 7: incidents by responsible authority (rows) and care status (columns) with totals."""
    frame = shared.frame
    authority = frame["responsible_authority"].astype(object).fillna("Unknown")
    status = frame["in_care"].astype(object).fillna("unknown")
    table = pd.crosstab(authority, status).reindex(columns=list(CARE_COLUMNS), fill_value=0)
    table = table.loc[:, (table.sum() > 0) | table.columns.isin(IN_CARE + ("no",))]
    table.index.name = "responsible_authority"
    table["total"] = table.sum(axis=1)
    return table.sort_index()


def out_of_area(shared: Shared) -> OutOfArea:
    """Incidents and children with out_of_area_placement, and how many of them were in care."""
    frame = shared.frame
    flag = frame["out_of_area_placement"].fillna(False).to_numpy(bool)
    in_care = (
        frame["in_care"].isin(IN_CARE).to_numpy(bool)
        if "in_care" in frame.columns
        else flag & False
    )
    return {
        "incidents": int(flag.sum()),
        "children": shared.children_where(flag),
        "incidents_in_care": int((flag & in_care).sum()),
        "known": int(frame["out_of_area_placement"].notna().sum()),
    }
