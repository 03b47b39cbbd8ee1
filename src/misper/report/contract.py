"""The report's machine-readable output, exactly the keys of shared/spec/report-json.md."""

from __future__ import annotations

import math

import numpy as np

from misper.analysis.workload import groups_of
from misper.report.model import Section, Table
from misper.report.suppression import SECONDARY, SUPPRESSED, THRESHOLD


def _find(sections: list[Section], key: str) -> Table | None:
    return next((t for s in sections for t in s.tables if t.key == key), None)


def plain(value):
    """Plain JSON values: numpy scalars to Python, NaN to None."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) else float(value)
    return value


def _mapping(table: Table | None, column: str) -> dict | None:
    if table is None:
        return None
    return {str(row): table.value(row, column) for row in table.frame.index}


def build(ctx, sections: list[Section]) -> dict:
    """The JSON object; values come from the protected tables, so --publish applies to both."""
    shared, values = ctx.shared, ctx.values
    skipped = {k: v for s in sections for k, v in s.skipped.items()}
    data: dict = {
        "n_incidents": shared.n_incidents,
        "n_children": shared.n_children,
        "period": {"start": shared.start.date().isoformat(), "end": shared.end.date().isoformat()},
    }
    annual = _find(sections, "annual_analysed")
    data["annual"] = [
        {
            "year": int(y),
            "incidents": annual.value(y, "incidents"),
            "children": annual.value(y, "children"),
            "per_day": annual.value(y, "per_day"),
        }
        for y in annual.frame.index
    ]
    data["monthly"] = _mapping(_find(sections, "monthly"), "incidents")
    data["missing_from"] = _mapping(_find(sections, "missing_from"), "incidents")
    conc = values.concentration or {}
    data["repeat"] = {
        k: conc.get(k)
        for k in ("top_decile_share", "gini", "share_children_once", "repeat_incident_share")
    }
    duration = values.duration or {}
    data["duration"] = {
        k: duration.get(k) for k in ("median_hours", "share_within_24h", "share_within_48h")
    }
    if not duration:
        skipped.setdefault("duration", "no incident has both reported_at and found_at")
    distance = _find(sections, "distance")
    data["distance_bands"] = _mapping(distance, "share")
    for key in ("weekday", "hour"):
        table = _find(sections, key)
        out = {str(k): [table.value(k, c) for c in table.frame.columns] for k in table.frame.index}
        last = len(table.frame)
        out["all"] = [table.value(table.shown.index[last], c) for c in table.frame.columns]
        data[key] = out
    data["care_share_22_to_01"] = values.care_late
    if values.care_late is None:
        skipped.setdefault("care_share_22_to_01", "no care_home incidents")
    data["found_by"] = _mapping(_find(sections, "found_by"), "share")
    data["found_how"] = _mapping(_find(sections, "found_how"), "share")
    data["risk_flags"] = _mapping(_find(sections, "risk_flags"), "share")
    top = _find(sections, "top_children_period")
    data["top_children"] = [
        {
            "rank": int(rank),
            **({} if ctx.publish else {"pid": str(top.frame.loc[rank, "pid"])}),
            "incidents": top.value(rank, "incidents"),
            "in_care_mostly": bool(top.frame.loc[rank, "in_care_mostly"]),
            "from_care_share": top.value(rank, "from_care_share"),
        }
        for rank in top.frame.index
    ]
    data["workload"] = _workload(shared, ctx.publish)
    sectors, places = _find(sections, "sectors"), _find(sections, "places")
    data["hotspots"] = {
        "postcode_sectors": [
            {"sector": str(k), "incidents": sectors.value(k, "incidents")}
            for k in sectors.frame.index
        ]
        if sectors
        else None,
        "places": [
            {
                "place_id": str(k),
                "incidents": places.value(k, "incidents"),
                "children": places.value(k, "children"),
            }
            for k in places.frame.index
        ]
        if places
        else None,
    }
    for key, value in (
        ("distance_bands", data["distance_bands"]),
        ("found_by", data["found_by"]),
        ("found_how", data["found_how"]),
        ("risk_flags", data["risk_flags"]),
        ("workload.narratives_mean", data["workload"]["narratives_mean"]),
        ("workload.tasks_mean_by_risk", data["workload"]["tasks_mean_by_risk"]),
        ("hotspots.postcode_sectors", data["hotspots"]["postcode_sectors"]),
        ("hotspots.places", data["hotspots"]["places"]),
    ):
        if value is None:
            skipped.setdefault(key, _reason(skipped, key))
    data["skipped"] = skipped
    data["suppressed"] = ctx.publish
    if ctx.publish:
        data["suppression"] = (
            f"counts below 5 shown as {SUPPRESSED!r}; cells hidden to protect them (secondary "
            f"suppression, and shares built on hidden counts) as {SECONDARY!r}; pids left out"
        )
    return plain(data)


def _workload(shared, publish: bool) -> dict:
    """Over the whole period (the workload section looks at --year, as the seed does)."""
    frame = shared.frame
    out = {"narratives_mean": None, "tasks_mean_by_risk": None}
    if "narratives_count" in frame.columns and frame["narratives_count"].notna().any():
        out["narratives_mean"] = float(frame["narratives_count"].astype(float).mean())
    if {"tasks_count", "risk_final"} <= set(frame.columns) and frame["tasks_count"].notna().any():
        groups = groups_of(frame["tasks_count"], frame["risk_final"])
        # a mean over fewer than 5 incidents could be one child's figure: hidden when publishing
        out["tasks_mean_by_risk"] = {
            k: SECONDARY if publish and len(v) < THRESHOLD else float(v.mean())
            for k, v in groups.items()
        }
    return out


def _reason(skipped: dict, key: str) -> str:
    base = key.split(".")[-1]
    for k, v in skipped.items():
        if k in (base, key) or base.startswith(k):
            return v
    return "the columns it needs are not in the input"
