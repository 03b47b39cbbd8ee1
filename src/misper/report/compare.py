"""Published vs this data: each figure the seed publishes (reference YAML) beside this data's value."""

from __future__ import annotations

import functools
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from misper.reference import published, seed_labels
from misper.report.model import Comparison, Section

reference = published


@functools.cache
def published_config() -> dict:
    """The tolerances (published.yaml) and the seed's labels (shared with the generator)."""
    text = resources.files("misper.report").joinpath("published.yaml").read_text(encoding="utf-8")
    return {
        **yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)),
        **seed_labels(),
    }


class _Rows:
    """Builds comparison rows with the tolerances of published.yaml."""

    def __init__(self, tolerance: dict):
        self.t = tolerance

    def count(self, figure, published, ours, relative=None) -> Comparison:
        t = self.t
        if relative is not None:
            allowed, text = max(relative * published, 2), f"within {relative:.0%}"
        elif published >= 100:
            allowed, text = t["count_relative"] * published, f"within {t['count_relative']:.0%}"
        else:
            allowed = max(t["small_count_absolute"], t["small_count_relative"] * published)
            text = f"within {allowed:.0f}"
        return Comparison(
            figure,
            published,
            ours,
            text,
            None if ours is None else abs(ours - published) <= allowed,
        )

    def share(self, figure, published, ours, absolute=None) -> Comparison:
        t = self.t
        if absolute is None and published < 0.10:
            allowed = max(t["small_share_absolute"], t["small_share_relative"] * published)
        else:
            allowed = absolute if absolute is not None else t["share_absolute"]
        ok = (
            None
            if ours is None or (isinstance(ours, float) and np.isnan(ours))
            else abs(ours - published) <= allowed + 1e-12
        )
        return Comparison(figure, published, ours, f"within {allowed:.3f}", ok)

    @staticmethod
    def fact(figure, published, ours, agrees) -> Comparison:
        return Comparison(figure, published, ours, "same", agrees)


def _n(table: pd.DataFrame | None, row, column="incidents"):
    if table is None or row not in table.index:
        return 0
    return float(table.loc[row, column])


def add_comparisons(ctx, sections: list[Section]) -> None:
    """Attach to each section the rows comparing it with the seed's published figures."""
    ref, config = reference(), published_config()
    rows = _Rows(config["tolerance"])
    v = ctx.values
    by_key = {s.key: s for s in sections}

    def put(key, comparison):
        if key in by_key:
            by_key[key].comparisons.append(comparison)

    annual = v.get("annual_table")
    if annual is not None:
        for entry in ref["annual"]:
            y = entry["year"]
            if y not in annual.index:
                continue
            for ours, theirs, label in (
                ("incidents_all", "missing_incidents", "missing incidents"),
                ("reports_all_ages", "reports_all_ages", "reports, all ages"),
                ("reports_u18", "reports_u18", "reports, under 18"),
                ("children_all_ages", "individuals_all_ages", "individuals, all ages"),
                ("children_u18", "individuals_u18", "individuals, under 18"),
            ):
                put(
                    "demand", rows.count(f"{y}: {label}", entry[theirs], float(annual.loc[y, ours]))
                )
    put(
        "demand",
        rows.count(
            "under-18 incidents 2019-2022",
            ref["dataset"]["u18_incidents_2019_2022"],
            float(ctx.shared.n_incidents),
        ),
    )
    season = v.get("seasonality") or {}
    lows = season.get("lowest_month_by_year") or {}
    if lows:
        put(
            "monthly",
            rows.fact(
                "lowest month each year",
                "December",
                ", ".join(str(m) for m in lows.values()),
                all(m == ref["monthly"]["lowest_month_each_year"] for m in lows.values()),
            ),
        )
    where = by_key.get("where_from")
    missing_from = (
        next((t.frame for t in where.tables if t.key == "missing_from"), None) if where else None
    )
    for label, value in ref["missing_from"].items():
        put(
            "where_from",
            rows.count(
                f"missing from {label}", value, _n(missing_from, config["missing_from"][label])
            ),
        )
    if "transgender_share" in v:
        put(
            "where_from",
            rows.share(
                "transgender share", ref["gender"]["transgender_share"], v["transgender_share"]
            ),
        )
    ethnic = v.get("ethnicity")
    if ethnic is not None:
        lookup = {str(k).lower(): k for k in ethnic.index}
        for label, value in ref["ethnic_appearance"].items():
            key = lookup.get(label.lower())
            put(
                "ethnicity",
                rows.count(f"{label}", value, _n(ethnic, key) if key is not None else 0.0),
            )
        if "over_represented" in ethnic.columns:
            flagged = sorted(str(k) for k in ethnic.index[ethnic["over_represented"]])
            expected = sorted(ref["over_represented"])
            put(
                "ethnicity",
                rows.fact(
                    "over-represented groups",
                    ", ".join(expected),
                    ", ".join(flagged),
                    [f.lower() for f in flagged] == [e.lower() for e in expected],
                ),
            )
    conc = v.get("concentration") or {}
    if conc:
        put(
            "repeats",
            rows.share(
                "top 10% of children: share of incidents",
                ref["repeats"]["top_decile_share_of_incidents"],
                conc["top_decile_share"],
                config["tolerance"]["top_decile_absolute"],
            ),
        )
    summary = v.get("top50_summary") or {}
    if summary:
        put(
            "repeats",
            rows.share(
                "top 50 missing mostly from care",
                ref["repeats"]["top50_mostly_from_care_share"],
                summary["mostly_from_care_share"],
                0.10,
            ),
        )
    gap = v.get("police_gap")
    if gap:
        found = ref["found"]
        put(
            "found",
            rows.share(
                "returned of own accord (found_by self)",
                found["returned_of_own_accord_share"],
                gap["returned_self_share"],
            ),
        )
        put(
            "found",
            rows.share(
                "found by police",
                found["police_involved_found_by_share"],
                gap["found_by_police_share"],
            ),
        )
        put(
            "found",
            rows.share(
                "found how: police targeted",
                found["police_found_how_share"],
                gap["found_how_police_targeted_share"],
            ),
        )
    distance = by_key.get("distance")
    bands = (
        next((t.frame for t in distance.tables if t.key == "distance"), None) if distance else None
    )
    if bands is not None:
        for label, value in ref["distance_miles_percent"].items():
            put(
                "distance",
                rows.share(
                    f"{label} miles", value / 100, _n(bands, config["distance"][label], "share")
                ),
            )
    duration = v.get("duration") or {}
    if duration:
        put(
            "duration",
            rows.fact(
                "resolved within 24 h",
                f">= {ref['timing']['resolved_within_24h_share_min']:.0%}",
                round(duration["share_within_24h"], 3),
                duration["share_within_24h"] >= ref["timing"]["resolved_within_24h_share_min"],
            ),
        )
    if v.get("saturday"):
        put(
            "timing",
            rows.fact(
                "busiest weekday",
                ref["timing"]["busiest_weekday"],
                v["saturday"]["busiest"],
                v["saturday"]["busiest"] == ref["timing"]["busiest_weekday"][:3],
            ),
        )
    if v.get("care_late") is not None:
        put(
            "timing",
            rows.share(
                "care-home reports 22:00-01:00",
                ref["timing"]["supported_living_share_22_to_01"],
                v["care_late"],
                0.05,
            ),
        )
    if "reasons_vulnerability" in v:
        for label, value in ref["reasons_vulnerability_counts"].items():
            put(
                "vulnerability",
                rows.count(
                    f"stated reason: {label}",
                    value,
                    _n(v["reasons_vulnerability"], config["reasons_vulnerability"][label]),
                ),
            )
    if "risk_flags" in v:
        for label, value in ref["risk_flags_percent"].items():
            put(
                "vulnerability",
                rows.share(
                    f"risk flag: {label}",
                    value / 100,
                    _n(v["risk_flags"], config["risk_flags"][label], "share"),
                ),
            )
    if "harm" in v:
        put(
            "vulnerability",
            rows.count(
                "deaths while missing",
                ref["deaths_while_missing"],
                float(v["harm"]["deaths"]),
                relative=1.0,
            ),
        )
    if ctx.year == 2022:
        _year_2022(ctx, ref, rows, put)


def _year_2022(ctx, ref, rows, put) -> None:
    v = ctx.values
    cla = ref["repeats"]["cla_2022"]
    rates = v.get("care_rates") or {}
    put(
        "care",
        rows.count(
            "2022 reports, under 18", cla["reports_u18"], float(ctx.year_shared.n_incidents)
        ),
    )
    put(
        "care",
        rows.count(
            "2022 children, under 18", cla["children_u18"], float(ctx.year_shared.n_children)
        ),
    )
    if rates:
        put(
            "care",
            rows.count(
                "children in care reported",
                cla["children_in_care_reported"],
                float(rates["children_in_care"]),
                relative=0.15,
            ),
        )
        put(
            "care",
            rows.count(
                "incidents of children in care",
                cla["incidents_children_in_care"],
                float(rates["incidents_children_in_care"]),
                relative=0.15,
            ),
        )
        if "share_cla_with_incident" in rates:
            put(
                "care",
                rows.share(
                    "share of CLA with an incident",
                    cla["share_cla_with_incident"],
                    rates["share_cla_with_incident"],
                    0.02,
                ),
            )
            put(
                "care",
                rows.share(
                    "share of other children with an incident",
                    cla["share_general_population_with_incident"],
                    rates["share_general_population_with_incident"],
                    0.001,
                ),
            )
    authority = v.get("authority")
    if authority is not None:
        for column, value in zip(
            ("full_care", "accommodated", "no"), ref["responsible_authority_2022"]["totals"]
        ):
            ours = float(authority[column].sum()) if column in authority.columns else 0.0
            put("care", rows.count(f"Table 7 total: {column}", value, ours, relative=0.15))
    top = v.get("top40_year")
    relative = published_config()["tolerance"]["top_children_relative"]
    if top is not None and not top.empty:
        for entry in ref["repeats"]["top10_2022"]:
            rank = entry["rank"]
            ours = (
                float(top.loc[top["rank"] == rank, "incidents"].iloc[0])
                if rank <= len(top)
                else None
            )
            put(
                "top_children",
                rows.count(f"rank {rank}: incidents", entry["incidents"], ours, relative=relative),
            )
        put(
            "top_children",
            rows.count(
                "top ten: incidents",
                ref["repeats"]["top10_2022_total"],
                float(top.head(10)["incidents"].sum()),
                relative=0.15,
            ),
        )
        top20 = top.head(20)
        if "county_lines" in top20.columns:
            put(
                "top_children",
                rows.count(
                    "top 20 with county lines",
                    ref["repeats"]["top20_county_lines"],
                    float(top20["county_lines"].sum()),
                    relative=0.5,
                ),
            )
        if "warning_marker" in top20.columns:
            put(
                "top_children",
                rows.count(
                    "top 20 with warning markers",
                    ref["repeats"]["top20_with_warning_markers"],
                    float(top20["warning_marker"].sum()),
                    relative=0.5,
                ),
            )
    work = ref["workload_2022"]
    if v.get("narratives"):
        put(
            "workload",
            rows.count(
                "mean narratives per incident",
                work["narratives_mean_per_incident"],
                v["narratives"]["mean"],
                relative=0.10,
            ),
        )
    tasks = v.get("tasks") or {}
    for level in ("high", "medium"):
        if level in tasks.get("mean_by_risk_final", {}):
            put(
                "workload",
                rows.count(
                    f"mean tasks, {level} risk",
                    work["tasks_mean_by_risk"][level],
                    tasks["mean_by_risk_final"][level],
                    relative=0.10,
                ),
            )
    if tasks:
        put(
            "workload",
            rows.count(
                "mean tasks, combined",
                work["tasks_mean_by_risk"]["combined"],
                tasks["mean_combined"],
                relative=0.10,
            ),
        )
