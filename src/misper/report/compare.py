"""Published vs this data: each figure the seed publishes (reference YAML) beside this data's."""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from misper.reference import published, seed_labels
from misper.report.model import Comparison, Section

if TYPE_CHECKING:
    from misper.report.assemble import Context

reference = published

# How close this data must come to a published figure to agree. The general rules are data, in
# report/published.yaml (`tolerance`): a count of at least LARGE_COUNT within `count_relative`,
# a smaller one within max(`small_count_absolute`, `small_count_relative`); a share of at least
# LARGE_SHARE within `share_absolute` points, a smaller one within max(`small_share_absolute`,
# `small_share_relative`); so are those of the top decile and of the most frequently missing
# children. The figures below take their own, for the reason given; a relative tolerance always
# allows at least RELATIVE_FLOOR either way.
LARGE_COUNT = 100
LARGE_SHARE = 0.10
RELATIVE_FLOOR = 2
# Children in care, their incidents, Table 7's totals and the top ten's total: counts of one year
# and one group, moved by the placements of a few frequently missing children.
CARE_COUNT_RELATIVE = 0.15
TOP50_FROM_CARE_ABSOLUTE = 0.10  # 50 children: one child is 2 points
# The seed's 63% is of supported living; this data's is of every care-home report.
CARE_LATE_ABSOLUTE = 0.05
CLA_WITH_INCIDENT_ABSOLUTE = 0.02  # rests on the looked-after population given (1,030)
OTHER_CHILDREN_WITH_INCIDENT_ABSOLUTE = 0.001  # 0.23% of 272,588 children
TOP20_RELATIVE = 0.5  # top 20 with county lines (8) or warning markers (11): a child is 5-10%
WORKLOAD_RELATIVE = 0.10  # means of narratives and tasks per incident
DEATHS_RELATIVE = 1.0  # two deaths in four years: 0 to 4 agree

Put = Callable[[str, Comparison], None]


@functools.cache
def published_config() -> dict[str, Any]:
    """The tolerances (published.yaml) and the seed's labels (shared with the generator)."""
    text = resources.files("misper.report").joinpath("published.yaml").read_text(encoding="utf-8")
    return {
        **yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)),
        **seed_labels(),
    }


def detail_year() -> int:
    """The year of the seed's single-year figures: the year it analyses in detail (2022)."""
    return int(reference()["detail_year"])


class _Rows:
    """Builds comparison rows with the tolerances of published.yaml."""

    def __init__(self, tolerance: dict[str, float]):
        self.t = tolerance

    def count(
        self,
        figure: str,
        published: float,
        ours: float | None,
        relative: float | None = None,
    ) -> Comparison:
        t = self.t
        if relative is not None:
            allowed, text = max(relative * published, RELATIVE_FLOOR), f"within {relative:.0%}"
        elif published >= LARGE_COUNT:
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

    def share(
        self,
        figure: str,
        published: float,
        ours: float | None,
        absolute: float | None = None,
    ) -> Comparison:
        t = self.t
        if absolute is None and published < LARGE_SHARE:
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
    def fact(figure: str, published: Any, ours: Any, agrees: bool) -> Comparison:
        return Comparison(figure, published, ours, "same", agrees)


def _n(table: pd.DataFrame | None, row: object, column: str = "incidents") -> float:
    if table is None or row not in table.index:
        return 0
    return float(table.loc[row, column])


def add_comparisons(
    ctx: Context, sections: list[Section], published_year: int | None = None
) -> None:
    """Attach to each section the rows comparing it with the seed's published figures.

    The seed's single-year figures (children in care, Table 7, the most frequently missing, the
    workload) are of `published_year`, by default the year the reference data analyses in detail;
    they are compared only when this report looks at that year in detail (`ctx.year`).
    """
    year = published_year if published_year is not None else detail_year()
    ref = reference()
    rows = _Rows(published_config()["tolerance"])
    by_key = {s.key: s for s in sections}

    def put(key: str, comparison: Comparison) -> None:
        if key in by_key:
            by_key[key].comparisons.append(comparison)

    _demand(ctx, ref, rows, put)
    _where_from(ctx, by_key, ref, rows, put)
    _repeats(ctx, ref, rows, put)
    _found_and_distance(ctx, by_key, ref, rows, put)
    _timing(ctx, ref, rows, put)
    _vulnerability(ctx, ref, rows, put)
    if ctx.year == year:
        _single_year(ctx, year, ref, rows, put)


def _demand(ctx: Context, ref: dict[str, Any], rows: _Rows, put: Put) -> None:
    """Table 1 year by year, the analysed total, and December the lowest month (Figure 1)."""
    v = ctx.values
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


def _where_from(
    ctx: Context, by_key: dict[str, Section], ref: dict[str, Any], rows: _Rows, put: Put
) -> None:
    """Table 2, the transgender share, Table 3 and its over-represented groups."""
    v, labels = ctx.values, published_config()["missing_from"]
    where = by_key.get("where_from")
    missing_from = (
        next((t.frame for t in where.tables if t.key == "missing_from"), None) if where else None
    )
    for label, value in ref["missing_from"].items():
        put(
            "where_from",
            rows.count(f"missing from {label}", value, _n(missing_from, labels[label])),
        )
    if "transgender_share" in v:
        put(
            "where_from",
            rows.share(
                "transgender share", ref["gender"]["transgender_share"], v["transgender_share"]
            ),
        )
    ethnic = v.get("ethnicity")
    if ethnic is None:
        return
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


def _repeats(ctx: Context, ref: dict[str, Any], rows: _Rows, put: Put) -> None:
    """The top decile's share of incidents (Figure 4) and the top 50 mostly from care."""
    v = ctx.values
    conc = v.get("concentration") or {}
    if conc:
        put(
            "repeats",
            rows.share(
                "top 10% of children: share of incidents",
                ref["repeats"]["top_decile_share_of_incidents"],
                conc["top_decile_share"],
                published_config()["tolerance"]["top_decile_absolute"],
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
                TOP50_FROM_CARE_ABSOLUTE,
            ),
        )


def _found_and_distance(
    ctx: Context, by_key: dict[str, Section], ref: dict[str, Any], rows: _Rows, put: Put
) -> None:
    """Found by and how (the police gap), and Table 4's distance bands."""
    gap = ctx.values.get("police_gap")
    if gap:
        found = ref["found"]
        for figure, theirs, ours in (
            (
                "returned of own accord (found_by self)",
                "returned_of_own_accord_share",
                "returned_self_share",
            ),
            ("found by police", "police_involved_found_by_share", "found_by_police_share"),
            (
                "found how: police targeted",
                "police_found_how_share",
                "found_how_police_targeted_share",
            ),
        ):
            put("found", rows.share(figure, found[theirs], gap[ours]))
    distance = by_key.get("distance")
    bands = (
        next((t.frame for t in distance.tables if t.key == "distance"), None) if distance else None
    )
    if bands is None:
        return
    labels = published_config()["distance"]
    for label, value in ref["distance_miles_percent"].items():
        put(
            "distance",
            rows.share(f"{label} miles", value / 100, _n(bands, labels[label], "share")),
        )


def _timing(ctx: Context, ref: dict[str, Any], rows: _Rows, put: Put) -> None:
    """Resolved within 24 h (Figure 8), Saturday busiest (Figure 6), care homes late (Figure 7)."""
    v, timing = ctx.values, ref["timing"]
    duration = v.get("duration") or {}
    if duration:
        put(
            "duration",
            rows.fact(
                "resolved within 24 h",
                f">= {timing['resolved_within_24h_share_min']:.0%}",
                round(duration["share_within_24h"], 3),
                duration["share_within_24h"] >= timing["resolved_within_24h_share_min"],
            ),
        )
    if v.get("saturday"):
        put(
            "timing",
            rows.fact(
                "busiest weekday",
                timing["busiest_weekday"],
                v["saturday"]["busiest"],
                v["saturday"]["busiest"] == timing["busiest_weekday"][:3],
            ),
        )
    if v.get("care_late") is not None:
        put(
            "timing",
            rows.share(
                "care-home reports 22:00-01:00",
                timing["supported_living_share_22_to_01"],
                v["care_late"],
                CARE_LATE_ABSOLUTE,
            ),
        )


def _vulnerability(ctx: Context, ref: dict[str, Any], rows: _Rows, put: Put) -> None:
    """Table 5's stated reasons, Table 6's risk flags, and the deaths while missing."""
    v, config = ctx.values, published_config()
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
                relative=DEATHS_RELATIVE,
            ),
        )


def _single_year(ctx: Context, year: int, ref: dict[str, Any], rows: _Rows, put: Put) -> None:
    """The figures the seed publishes for `year` alone: care, the top children, the workload."""
    _care(ctx, year, ref, rows, put)
    _top_children(ctx, ref, rows, put)
    _workload(ctx, ref, rows, put)


def _care(ctx: Context, year: int, ref: dict[str, Any], rows: _Rows, put: Put) -> None:
    """The year's reports and children, children in care (ref repeats.cla_2022) and Table 7."""
    v = ctx.values
    cla = ref["repeats"]["cla_2022"]
    rates = v.get("care_rates") or {}
    put(
        "care",
        rows.count(
            f"{year} reports, under 18", cla["reports_u18"], float(ctx.year_shared.n_incidents)
        ),
    )
    put(
        "care",
        rows.count(
            f"{year} children, under 18", cla["children_u18"], float(ctx.year_shared.n_children)
        ),
    )
    if rates:
        for figure, theirs, ours in (
            ("children in care reported", "children_in_care_reported", "children_in_care"),
            (
                "incidents of children in care",
                "incidents_children_in_care",
                "incidents_children_in_care",
            ),
        ):
            put(
                "care",
                rows.count(figure, cla[theirs], float(rates[ours]), relative=CARE_COUNT_RELATIVE),
            )
        if "share_cla_with_incident" in rates:
            put(
                "care",
                rows.share(
                    "share of CLA with an incident",
                    cla["share_cla_with_incident"],
                    rates["share_cla_with_incident"],
                    CLA_WITH_INCIDENT_ABSOLUTE,
                ),
            )
            put(
                "care",
                rows.share(
                    "share of other children with an incident",
                    cla["share_general_population_with_incident"],
                    rates["share_general_population_with_incident"],
                    OTHER_CHILDREN_WITH_INCIDENT_ABSOLUTE,
                ),
            )
    authority = v.get("authority")
    if authority is not None:
        for column, value in zip(
            ("full_care", "accommodated", "no"),
            ref["responsible_authority_2022"]["totals"],
            strict=True,
        ):
            ours = float(authority[column].sum()) if column in authority.columns else 0.0
            put(
                "care",
                rows.count(f"Table 7 total: {column}", value, ours, relative=CARE_COUNT_RELATIVE),
            )


def _top_children(ctx: Context, ref: dict[str, Any], rows: _Rows, put: Put) -> None:
    """Table 8's ten most frequently missing children and Appendix 4's top 20."""
    top = ctx.values.get("top40_year")
    if top is None or top.empty:
        return
    relative = published_config()["tolerance"]["top_children_relative"]
    for entry in ref["repeats"]["top10_2022"]:
        rank = entry["rank"]
        ours = (
            float(top.loc[top["rank"] == rank, "incidents"].iloc[0]) if rank <= len(top) else None
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
            relative=CARE_COUNT_RELATIVE,
        ),
    )
    top20 = top.head(20)
    for column, figure, key in (
        ("county_lines", "top 20 with county lines", "top20_county_lines"),
        ("warning_marker", "top 20 with warning markers", "top20_with_warning_markers"),
    ):
        if column in top20.columns:
            put(
                "top_children",
                rows.count(
                    figure,
                    ref["repeats"][key],
                    float(top20[column].sum()),
                    relative=TOP20_RELATIVE,
                ),
            )


def _workload(ctx: Context, ref: dict[str, Any], rows: _Rows, put: Put) -> None:
    """Narratives (Figure 11) and tasks by risk (Table 9) per incident."""
    v = ctx.values
    work = ref["workload_2022"]
    if v.get("narratives"):
        put(
            "workload",
            rows.count(
                "mean narratives per incident",
                work["narratives_mean_per_incident"],
                v["narratives"]["mean"],
                relative=WORKLOAD_RELATIVE,
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
                    relative=WORKLOAD_RELATIVE,
                ),
            )
    if tasks:
        put(
            "workload",
            rows.count(
                "mean tasks, combined",
                work["tasks_mean_by_risk"]["combined"],
                tasks["mean_combined"],
                relative=WORKLOAD_RELATIVE,
            ),
        )
