"""Assemble the report: run every analysis once on the shared intermediates, into sections."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from misper.analysis import (
    care,
    demand,
    hotspots,
    outcomes,
    repeats,
    timing,
    vulnerability,
    workload,
)
from misper.analysis.selection import Selection, Shared, select
from misper.incidents.schema import NAMES, REQUIRED
from misper.report import charts
from misper.report.model import Chart, Counts, Method, ReportValues, Section, Table
from misper.report.population import Population
from misper.report.wording import significance, weekday

TESTED_BY = {"risk_final": "risk level", "found_by": "who found the child"}  # workload tests
HOTSPOT_ROWS = (
    1000  # sectors and places listed (HTML shows the first 100; XLSX and JSON all of these)
)


@dataclass
class Context:
    """Everything a section needs: the filtered incidents, the year's subset, the options."""

    raw: pd.DataFrame
    selection: Selection
    shared: Shared
    year: int
    year_shared: Shared
    population: Population
    quality: dict
    publish: bool
    values: ReportValues  # analysis results the JSON contract and the comparison read


@functools.cache
def methods() -> dict:
    text = resources.files("misper.report").joinpath("methods.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _method(key: str, **fill) -> Method:
    return Method(**{k: v.format(**fill) for k, v in methods()[key].items()})


def _t(ctx: Context, *args, **kwargs) -> Table:
    """A table, protected at once so that charts drawn from it show only what may be published."""
    table = Table(*args, **kwargs)
    table.protect(ctx.publish)
    return table


def _counts_table(
    ctx: Context, key, title, series: pd.Series, label: str, share: bool = True, total_row=True
) -> Table:
    frame = pd.DataFrame({"incidents": series.astype(int)})
    frame.index.name = label
    derived = {}
    if share:
        frame["share"] = frame["incidents"] / max(frame["incidents"].sum(), 1)
        derived = {"share": ("incidents",)}
    return _t(
        ctx,
        key,
        title,
        frame,
        counts=(Counts(("incidents",)),),
        derived=derived,
        total_row=total_row,
    )


def section_demand(ctx: Context) -> Section:
    s = Section("demand", "Annual demand (Table 1)", _method("demand"))
    calls = ctx.population.recorded_calls
    needed = [c for c in ("pid", "record_type", "reported_at", "age") if c in ctx.raw.columns]
    table = demand.annual_table(
        ctx.raw.loc[_in_period(ctx), needed],
        ctx.shared.start,
        ctx.shared.end,
        {int(k): int(v) for k, v in calls.items()} if calls else None,
    )
    table = table.set_index("year")
    counts = [
        c
        for c in table.columns
        if c.startswith(("incidents_all", "reports_", "records_"))
        and not c.endswith(("_per_day", "_change"))
    ]
    children = ["children_all_ages", "children_u18"]
    derived = {
        "incidents_per_day": ("incidents_all",),
        "reports_u18_per_day": ("reports_u18",),
        "children_u18_per_day": ("children_u18",),
        "reports_u18_change": ("reports_u18",),
    }
    s.tables.append(
        _t(
            ctx,
            "annual",
            "Table 1: incidents, reports and children by year (all rows)",
            table,
            counts=(
                Counts(tuple(counts), rows_known=False, cols_known=False),
                Counts(tuple(children), rows_known=False, cols_known=False),
            ),
            derived=derived,
        )
    )
    analysed = pd.DataFrame(demand.annual_json(ctx.shared)).set_index("year")
    s.tables.append(
        _t(
            ctx,
            "annual_analysed",
            "Analysed incidents (under-18 missing reports) by year",
            analysed,
            counts=(Counts(("incidents",)), Counts(("children",), cols_known=False)),
            derived={"per_day": ("incidents",)},
        )
    )
    ctx.values.annual_table = table
    s.charts.append(
        Chart(
            "annual",
            "Reports and children under 18 by year",
            charts.bars(
                table.index,
                {
                    "reports (under 18)": s.tables[0].numbers("reports_u18"),
                    "children (under 18)": s.tables[0].numbers("children_u18"),
                    "all incidents": s.tables[0].numbers("incidents_all"),
                },
                "Annual demand",
                "Year",
            ),
        )
    )
    change = (
        table["reports_u18"].iloc[-1] / table["reports_u18"].iloc[0] - 1
        if table["reports_u18"].iloc[0]
        else None
    )
    if change is not None and len(table) > 1:
        s.findings.append(
            f"Under-18 reports changed by {change:+.1%} from {table.index[0]} to {table.index[-1]}."
        )
    return s


def _in_period(ctx: Context) -> np.ndarray:
    reported = ctx.raw["reported_at"]
    return (
        (reported >= ctx.shared.start) & (reported < ctx.shared.end + pd.Timedelta(days=1))
    ).to_numpy(bool)


def section_monthly(ctx: Context) -> Section:
    s = Section("monthly", "Monthly series and seasonality (Figure 1)", _method("monthly"))
    monthly = demand.monthly_counts(ctx.shared)
    season = demand.seasonality(monthly)
    ctx.values.seasonality = season
    table = _counts_table(
        ctx,
        "monthly",
        "Incidents by month",
        monthly.rename_axis("month"),
        "month",
        share=False,
        total_row=False,
    )
    s.tables.append(table)
    months = pd.PeriodIndex(monthly.index, freq="M")
    series = {
        str(y): table.numbers("incidents")[months.year == y].set_axis(
            months[months.year == y].month
        )
        for y in sorted(set(months.year))
    }
    s.charts.append(
        Chart(
            "monthly",
            "Incidents by month, one line per year",
            charts.line(
                list(demand.MONTH_NAMES),
                {y: v.reindex(range(1, 13)) for y, v in series.items()},
                "Monthly incidents",
                "Month",
            ),
        )
    )
    if season["by_month"]:
        by_month = pd.DataFrame(season["by_month"]).set_index("month")
        s.tables.append(
            _t(
                ctx,
                "seasonality",
                "Incidents by calendar month (whole years) against days",
                by_month,
                counts=(Counts(("n",)),),
                derived={"expected": ("n",)},
            )
        )
        low = demand.MONTH_NAMES[season["lowest_month"] - 1]
        lows = ", ".join(
            f"{y}: {demand.MONTH_NAMES[m - 1]}" for y, m in season["lowest_month_by_year"].items()
        )
        s.findings.append(
            f"Fewest incidents per day, year by year: {lows}. Over the whole years together "
            f"{low} has the fewest, a shortfall "
            f"{significance(season['lowest_month_p_value'])}; the differences between months "
            f"are {significance(season['p_value'])}."
        )
    return s


def section_where_from(ctx: Context) -> Section:
    s = Section(
        "where_from",
        "Where from, age and gender (Table 2, Figures 2-3)",
        _method("where_from", min_box=10),
    )
    counts = demand.missing_from_counts(ctx.shared)
    table = _counts_table(
        ctx, "missing_from", "Table 2: incidents by place missing from", counts, "missing_from_type"
    )
    s.tables.append(table)
    s.charts.append(
        Chart(
            "missing_from",
            "Incidents by place missing from",
            charts.bars(
                counts.index,
                {"incidents": table.numbers("incidents")},
                "Where from",
                horizontal=True,
            ),
        )
    )
    if (reason := ctx.shared.has("gender")) is None:
        ages = demand.age_by_gender(ctx.shared)
        ages = ages.loc[:, ages.sum() > 0]
        t = _t(
            ctx,
            "age_gender",
            "Figure 2: incidents by age and gender",
            ages,
            counts=(Counts(tuple(ages.columns), rows_known=True, cols_known=True),),
        )
        s.tables.append(t)
        share = {g: t.numbers(g) / max(ages[g].sum(), 1) for g in ages.columns}
        s.charts.append(
            Chart(
                "age_gender",
                "Share of each gender's incidents by age",
                charts.bars(
                    ages.index, share, "Age and gender", "Age", "Share of the gender's incidents"
                ),
            )
        )
        if "transgender" in ages.columns:
            ctx.values.transgender_share = ages["transgender"].sum() / ctx.shared.n_incidents
    else:
        s.skipped["age_gender"] = reason
    quartiles = demand.age_by_missing_from(ctx.shared)
    s.tables.append(
        _t(
            ctx,
            "age_where",
            "Figure 3: age by place missing from (quartiles)",
            quartiles,
            counts=(Counts(("count",), cols_known=False),),
        )
    )
    if not quartiles.empty:
        s.charts.append(
            Chart(
                "age_where",
                "Age by place missing from",
                charts.boxes(quartiles, "Age by where from"),
            )
        )
    return s


def section_ethnicity(ctx: Context) -> Section:
    s = Section(
        "ethnicity",
        "Ethnic appearance (Table 3)",
        _method("ethnicity", over=vulnerability.OVER_REPRESENTED),
    )
    if (reason := ctx.shared.has("ethnic_appearance")) is not None:
        s.skipped["ethnic_appearance"] = reason
        return s
    shares = ctx.population.ethnic_shares
    table = vulnerability.ethnic_appearance(ctx.shared, shares)
    derived = {
        c: ("incidents",)
        for c in table.columns
        if c not in ("incidents", "children", "population_share")
    }
    s.tables.append(
        _t(
            ctx,
            "ethnicity",
            "Table 3: incidents by ethnic appearance",
            table,
            counts=(Counts(("incidents",)), Counts(("children",), cols_known=False)),
            derived=derived,
        )
    )
    ctx.values.ethnicity = table
    if shares:
        flagged = [str(g) for g in table.index[table["over_represented"]]]
        s.findings.append(
            "Over-represented by a factor of 1.5 or more: " + (", ".join(flagged) or "none") + "."
        )
        t = s.tables[0]
        has_ratio = table["ratio"].notna()
        s.charts.append(
            Chart(
                "ethnicity",
                "Share of incidents / share of population",
                charts.bars(
                    table.index[has_ratio],
                    {"ratio": t.numbers("ratio")[has_ratio.to_numpy()]},
                    "Representation ratio (1 = as in the population)",
                    y_title="Ratio",
                    horizontal=True,
                ),
            )
        )
    else:
        s.skipped["ethnicity_ratio"] = (
            "no population shares given (--population with ethnic_shares)"
        )
    return s


def section_repeats(ctx: Context) -> Section:
    s = Section("repeats", "Repeat missing (Figure 4)", _method("repeats"))
    conc = repeats.concentration(ctx.shared)
    top = repeats.top_children(ctx.shared)
    summary = repeats.top_summary(top)
    ctx.values.concentration, ctx.values.top50_summary = conc, summary
    rows = {"children": ctx.shared.n_children, "incidents": ctx.shared.n_incidents, **conc}
    s.tables.append(
        _t(
            ctx,
            "repeat_summary",
            "Concentration of incidents",
            pd.DataFrame({"value": pd.Series(rows, dtype=float)}).rename_axis("measure"),
        )
    )
    if summary:
        s.tables.append(
            _t(
                ctx,
                "top50_summary",
                f"The {summary['children']} most frequently missing",
                pd.DataFrame({"value": pd.Series(summary, dtype=float)}).rename_axis("measure"),
            )
        )
    columns = [
        "rank",
        "incidents",
        "from_care",
        "from_home",
        "places",
        "in_care_mostly",
        "from_care_share",
    ]
    frame = (
        top.set_index("rank")[([] if ctx.publish else ["pid"]) + columns[1:]]
        if not top.empty
        else top
    )
    s.tables.append(
        _t(
            ctx,
            "top_children_period",
            "Most frequently missing children in the period (top 50)",
            frame,
            counts=(Counts(("incidents", "from_care", "from_home"), cols_known=False),),
            derived={"from_care_share": ("incidents", "from_care")},
        )
    )
    s.charts.append(
        Chart(
            "lorenz",
            "Pareto curve of incidents per child",
            charts.lorenz(
                repeats.lorenz_curve(ctx.shared), "Share of incidents by share of children"
            ),
        )
    )
    if conc:
        s.findings.append(
            f"The 10% of children with most incidents account for {conc['top_decile_share']:.0%} "
            f"of incidents; {conc['share_children_once']:.0%} of children went missing once "
            f"(Gini coefficient {conc['gini']:.2f}: 0 if every child went missing equally often, "
            "near 1 if one child accounted for nearly all)."
        )
    return s


def section_found(ctx: Context) -> Section:
    s = Section("found", "How children were found (Figure 5)", _method("found"))
    for key, column, title in (
        ("found_by", "found_by", "Found by"),
        ("found_how", "found_how", "Found how"),
        ("found_where", "found_location_type", "Found where"),
    ):
        if (reason := ctx.shared.has(column)) is not None:
            s.skipped[key] = reason
            continue
        table = outcomes.shares(ctx.shared.frame[column])
        t = _t(
            ctx,
            key,
            f"{title}: incidents and share",
            table.rename_axis(column),
            counts=(Counts(("incidents",)),),
            derived={"share": ("incidents",)},
            total_row=True,
        )
        s.tables.append(t)
        s.charts.append(
            Chart(
                key,
                title,
                charts.bars(
                    table.index,
                    {"share": t.numbers("share")},
                    title,
                    y_title="Share of incidents",
                    horizontal=True,
                ),
            )
        )
    gap = outcomes.police_gap(ctx.shared)
    ctx.values.police_gap = gap
    if gap:
        s.tables.append(
            _t(
                ctx,
                "police_gap",
                "Police involvement: found by against found how",
                pd.DataFrame({"share": pd.Series(gap)}).rename_axis("measure"),
            )
        )
        s.findings.append(
            f"Police are named as finder in {gap['found_by_police_share']:.1%} of incidents, but "
            "police activity aimed at the child found them in "
            f"{gap['found_how_police_targeted_share']:.1%} "
            f"(any police activity: {gap['found_how_any_police_activity_share']:.1%})."
        )
    return s


def section_distance(ctx: Context) -> Section:
    s = Section("distance", "Distance travelled (Table 4)", _method("distance"))
    if (
        "distance_miles" not in ctx.shared.frame.columns
        and "out_of_uk" not in ctx.shared.frame.columns
    ):
        s.skipped["distance_bands"] = "columns distance_miles and out_of_uk are not in the input"
        return s
    table = outcomes.distance_bands(ctx.shared)
    t = _t(
        ctx,
        "distance",
        "Table 4: incidents by distance between missing and found",
        table,
        counts=(Counts(("incidents",)),),
        derived={"share": ("incidents",)},
        total_row=True,
    )
    s.tables.append(t)
    s.charts.append(
        Chart(
            "distance",
            "Distance bands (miles)",
            charts.bars(
                table.index,
                {"share": t.numbers("share")},
                "Distance between missing and found",
                "Miles",
                "Share",
            ),
        )
    )
    return s


def section_timing(ctx: Context) -> Section:
    s = Section("timing", "Day and hour (Figures 6-7)", _method("timing"))
    week = timing.weekday_table(ctx.shared)
    hours = timing.hour_table(ctx.shared)
    test = timing.saturday_test(week.loc["all"])
    late = timing.care_share_late(hours)
    ctx.values.saturday, ctx.values.care_late = test, late
    for key, frame, title, x in (
        ("weekday", week, "Figure 6: incidents by weekday and place missing from", "Weekday"),
        ("hour", hours, "Figure 7: incidents by hour reported and place missing from", "Hour"),
    ):
        body = frame.drop(index="all").rename_axis("missing_from_type")
        body.columns = [str(c) for c in body.columns]
        t = _t(
            ctx,
            key,
            title,
            body,
            counts=(Counts(tuple(body.columns), rows_known=True, cols_known=True),),
            total_row=True,
        )
        s.tables.append(t)
        main = body.sum(axis=1).sort_values(ascending=False).index[:4]
        series = {k: t.row_numbers(k) / body.loc[k].sum() for k in main}
        s.charts.append(
            Chart(
                key,
                title,
                charts.line(
                    list(body.columns),
                    series,
                    title.split(": ")[1],
                    x,
                    "Share of the place's incidents",
                ),
            )
        )
    saturdays = test["saturday_share"]
    s.findings.append(
        f"Busiest day: {weekday(test['busiest'])}. "
        + (
            f"{saturdays:.1%} of incidents were on Saturdays against 14.3% (one day in seven) "
            f"if every day were alike: {significance(test['saturday_p_value'])}."
            if saturdays is not None
            else ""
        )
    )
    if late is not None:
        s.findings.append(
            f"{late:.0%} of care-home incidents were reported between 22:00 and 00:59."
        )
    return s


def section_duration(ctx: Context) -> Section:
    s = Section(
        "duration",
        "Duration and time found (Figure 8, Appendix 1)",
        _method("duration", max_hours=outcomes.DAY_HOURS, ratio=outcomes.HIGHLIGHT_RATIO),
    )
    if (reason := ctx.shared.has("found_at")) is not None:
        s.skipped["duration"] = reason
        return s
    summary = outcomes.duration_summary(ctx.shared)
    ctx.values.duration = summary
    s.tables.append(
        _t(
            ctx,
            "duration_summary",
            "Duration of episodes",
            pd.DataFrame({"value": pd.Series(summary, dtype=float)}).rename_axis("measure"),
        )
    )
    hist = outcomes.duration_histogram(ctx.shared).set_index("hours")
    th = _t(
        ctx,
        "duration_hist",
        "Incidents by whole hours missing",
        hist,
        counts=(Counts(("incidents",)),),
    )
    s.tables.append(th)
    s.charts.append(
        Chart(
            "duration_hist",
            "Duration distribution",
            charts.bars(
                hist.index,
                {"incidents": th.numbers("incidents")},
                "Hours from report to found",
                "Hours",
            ),
        )
    )
    by_days = outcomes.found_hour_by_days(ctx.shared)
    by_days.columns = [str(c) for c in by_days.columns]
    tb = _t(
        ctx,
        "found_hour_days",
        "Figure 8: hour found by days missing",
        by_days,
        counts=(Counts(tuple(by_days.columns), rows_known=True, cols_known=True),),
    )
    s.tables.append(tb)
    s.charts.append(
        Chart(
            "found_hour_days",
            "Hour found by days missing",
            charts.heatmap(
                tb.shown.apply(pd.to_numeric, errors="coerce"),
                "Hour found by days missing",
                "Hour found",
                "Days missing",
            ),
        )
    )
    cross, highlight = outcomes.reported_by_found_hour(ctx.shared)
    cross.columns = highlight.columns = [str(c) for c in cross.columns]
    tc = _t(
        ctx,
        "crosstab",
        "Appendix 1: hour reported (rows) by hour found (columns), episodes of a day or less",
        cross,
        counts=(Counts(tuple(cross.columns), rows_known=True, cols_known=True),),
        highlight=highlight,
    )
    s.tables.append(tc)
    s.charts.append(
        Chart(
            "crosstab",
            "Hour reported by hour found (a day or less)",
            charts.heatmap(
                tc.shown.apply(pd.to_numeric, errors="coerce"),
                "Hour reported by hour found",
                "Hour found",
                "Hour reported",
                None if ctx.publish else highlight,
            ),
        )
    )
    if summary:
        s.findings.append(
            f"Median duration {summary['median_hours']:.1f} hours; "
            f"{summary['share_within_24h']:.1%} "
            f"found within 24 hours and {summary['share_within_48h']:.1%} within 48 hours."
        )
    return s


def section_vulnerability(ctx: Context) -> Section:
    s = Section(
        "vulnerability",
        "Vulnerability, risk flags and reasons (Tables 5-6, Figure 12)",
        _method("vulnerability"),
    )
    for key, column, title in (
        (
            "reasons_vulnerability",
            "reason_vulnerability",
            "Table 5: stated reasons linked to vulnerability",
        ),
        ("risk_flags", "risk_flags", "Table 6: risks and vulnerabilities listed"),
        ("reason_codes", "reason_codes", "Figure 12: reasons for going missing"),
        ("markers", "markers", "Warning markers"),
    ):
        if (reason := ctx.shared.has(column)) is not None:
            s.skipped[key] = reason
            continue
        table = vulnerability.list_counts(ctx.shared, column)
        if key == "reasons_vulnerability":
            ctx.values.reasons_vulnerability = table
        elif key == "risk_flags":
            ctx.values.risk_flags = table
        t = _t(
            ctx,
            key,
            title,
            table,
            counts=(Counts(("incidents",), cols_known=False),),
            derived={"share": ("incidents",)},
        )
        s.tables.append(t)
        if key in ("risk_flags", "reason_codes"):
            s.charts.append(
                Chart(
                    key,
                    title,
                    charts.bars(
                        table.index,
                        {"share": t.numbers("share")},
                        title.split(": ")[1],
                        y_title="Share of incidents",
                        horizontal=True,
                    ),
                )
            )
    if ctx.values.risk_flags is not None:
        matrix = vulnerability.co_occurrence(ctx.shared)
        tm = _t(
            ctx,
            "co_occurrence",
            "Incidents listing both flags",
            matrix,
            counts=(Counts(tuple(matrix.columns), cols_known=False),),
        )
        s.tables.append(tm)
        conditional = vulnerability.conditional_share(matrix)
        conditional = conditional.where(~tm.suppressed.loc[matrix.index, list(matrix.columns)])
        s.charts.append(
            Chart(
                "co_occurrence",
                "Share of incidents with the row flag that also list the column flag",
                charts.heatmap(
                    conditional.round(3), "Flags listed together", "also lists", "incidents listing"
                ),
            )
        )
    if (reason := ctx.shared.has("harm")) is None:
        harm = vulnerability.harm(ctx.shared)
        ctx.values.harm = harm
        frame = pd.DataFrame({"incidents": pd.Series(harm["by_harm"], dtype=int)}).rename_axis(
            "harm"
        )
        s.tables.append(
            _t(ctx, "harm", "Harm while missing", frame, counts=(Counts(("incidents",)),))
        )
        s.findings.append(
            "Deaths while missing (harm = fatal): "
            + (
                str(harm["deaths"])
                if not ctx.publish or harm["deaths"] == 0 or harm["deaths"] >= 5
                else "<5"
            )
            + "."
        )
    else:
        s.skipped["harm"] = reason
    return s


def section_care(ctx: Context) -> Section:
    y = ctx.year_shared
    s = Section("care", f"Children in care in {ctx.year} (Table 7)", _method("care", year=ctx.year))
    if (reason := y.has("in_care")) is not None:
        s.skipped["care"] = reason
        return s
    rates = care.care_rates(y, ctx.population.u18_population, ctx.population.children_looked_after)
    ctx.values.care_rates = rates
    s.tables.append(
        _t(
            ctx,
            "care_rates",
            f"Children in care with incidents, {ctx.year}",
            pd.DataFrame({"value": pd.Series(rates, dtype=float)}).rename_axis("measure"),
        )
    )
    if "share_cla_with_incident" not in rates:
        s.skipped["care_rates"] = (
            "rates need u18_population and children_looked_after in --population"
        )
    if (reason := y.has("responsible_authority")) is None:
        table = care.authority_by_care(y)
        body = table.drop(columns="total")
        s.tables.append(
            _t(
                ctx,
                "authority",
                f"Table 7: incidents by responsible authority and care status, {ctx.year}",
                body,
                counts=(Counts(tuple(body.columns), rows_known=True, cols_known=True),),
                total_row=True,
            )
        )
        ctx.values.authority = table
    else:
        s.skipped["authority"] = reason
    if (reason := y.has("out_of_area_placement")) is None:
        ooa = care.out_of_area(y)
        s.tables.append(
            _t(
                ctx,
                "out_of_area",
                f"Out-of-area placements, {ctx.year}",
                pd.DataFrame({"value": pd.Series(ooa)}).rename_axis("measure"),
                counts=(Counts(("value",), cols_known=False),),
            )
        )
    else:
        s.skipped["out_of_area"] = reason
    return s


def section_top(ctx: Context) -> Section:
    y = ctx.year_shared
    s = Section(
        "top_children",
        f"The most frequently missing in {ctx.year} (Table 8, Appendix 4, Figure 10)",
        _method(
            "top_children",
            year=ctx.year,
            cover=repeats.COMPRESSED_COVER,
            span=repeats.COMPRESSED_SPAN,
            ceased=repeats.CEASED_DAYS,
            reduced=repeats.REDUCED_RATIO,
            gap=repeats.SENTINEL_GAP_DAYS,
            burst=repeats.SENTINEL_BURST_GAP_DAYS,
            min_n=repeats.SENTINEL_MIN_INCIDENTS,
        ),
    )
    top = repeats.top_children(y, 40)
    ctx.values.top40_year = top
    if top.empty:
        s.skipped["top_children"] = f"no incidents in {ctx.year}"
        return s
    events, patterns = repeats.timelines(y, 10)
    keep = [
        c
        for c in (
            "pid",
            "incidents",
            "in_care",
            "social_worker",
            "out_of_area",
            "county_lines",
            "warning_marker",
            "places",
        )
        if c in top.columns and not (ctx.publish and c == "pid")
    ]
    top10 = (
        top.head(10)
        .set_index("rank")[keep]
        .join(patterns.set_index("rank").drop(columns="incidents"))
    )
    s.tables.append(
        _t(
            ctx,
            "top10",
            f"Table 8: the ten most frequently missing children in {ctx.year}",
            top10,
            counts=(Counts(("incidents",), cols_known=False),),
        )
    )
    s.tables.append(
        _t(
            ctx,
            "top40",
            f"Appendix 4: markers of the 40 most frequently missing in {ctx.year}",
            top.set_index("rank")[keep],
            counts=(Counts(("incidents",), cols_known=False),),
        )
    )
    s.charts.append(
        Chart(
            "timeline",
            "Figure 10: incidents of the ten most frequently missing",
            charts.timeline(events, f"Incidents through {ctx.year} (one row per child, by rank)"),
        )
    )
    counts = patterns["pattern"].value_counts()
    s.findings.append(
        f"Of the top ten: {counts.get('spread', 0)} spread through the year, "
        f"{counts.get('compressed', 0)} compressed; {int(patterns['ceased'].sum())} ceased, "
        f"{int(patterns['reduced'].sum())} reduced, "
        f"{int(patterns['sentinel'].sum())} with a sentinel episode."
    )
    return s


def section_workload(ctx: Context) -> Section:
    y = ctx.year_shared
    s = Section(
        "workload",
        f"Police workload in {ctx.year} (Figure 11, Table 9)",
        _method("workload", year=ctx.year),
    )
    for key, column in (("narratives", "narratives_count"), ("tasks", "tasks_count")):
        if (reason := y.has(column)) is not None:
            s.skipped[key] = reason
            continue
        if key == "narratives":
            result = ctx.values.narratives = workload.narratives(y)
        else:
            result = ctx.values.tasks = workload.tasks(y)
        for by in ("risk_final", "found_by"):
            test = result.get(f"test_by_{by}")
            if test:
                s.findings.append(
                    f"{key.capitalize()} per incident by {TESTED_BY[by]} "
                    f"({len(test['groups'])} groups): the differences are "
                    f"{significance(test['p_value'])}; {test['test']} test."
                )
        if key == "narratives":
            hist = workload.narratives_histogram(y)
            hist.index = [f"{a:.0f}-{b:.0f}" for a, b in zip(hist["from"], hist["to"], strict=True)]
            t = _t(
                ctx,
                "narratives_hist",
                "Figure 11: incidents by number of narratives",
                hist[["incidents"]],
                counts=(Counts(("incidents",)),),
            )
            s.tables.append(t)
            s.charts.append(
                Chart(
                    "narratives",
                    "Narratives per incident",
                    charts.bars(
                        hist.index,
                        {"incidents": t.numbers("incidents")},
                        "Narratives per incident",
                        "Narratives",
                    ),
                )
            )
            s.findings.insert(0, f"Mean narratives per incident: {result['mean']:.1f}.")
            if result.get("mean_by_found_by"):  # the seed saw +25% when found by social services
                by_finder = pd.DataFrame(
                    {
                        "incidents": pd.Series(result["n_by_found_by"], dtype=int),
                        "mean_narratives": pd.Series(result["mean_by_found_by"], dtype=float),
                    }
                )
                s.tables.append(
                    _t(
                        ctx,
                        "narratives_by_found_by",
                        "Mean narratives by who found the child",
                        by_finder.rename_axis("found_by"),
                        counts=(Counts(("incidents",)),),
                        derived={"mean_narratives": ("incidents",)},
                    )
                )
        else:
            by_risk = pd.DataFrame(
                {
                    "incidents": pd.Series(result.get("n_by_risk_final", {}), dtype=int),
                    "mean_tasks": pd.Series(result.get("mean_by_risk_final", {}), dtype=float),
                }
            )
            by_risk.loc["combined"] = [result["incidents"], result["mean_combined"]]
            s.tables.append(
                _t(
                    ctx,
                    "tasks",
                    "Table 9: mean tasks per incident by risk level",
                    by_risk.rename_axis("risk_final"),
                    counts=(Counts(("incidents",), cols_known=False),),
                    derived={"mean_tasks": ("incidents",)},
                )
            )
    return s


def section_hotspots(ctx: Context) -> Section:
    s = Section(
        "hotspots",
        "Hotspots (Table 10, Appendix 2)",
        _method("hotspots", year=ctx.year, grid=hotspots.GRID_DEGREES),
    )
    for key, column, fn, title in (
        (
            "sectors",
            "missing_from_postcode_sector",
            hotspots.postcode_sectors,
            "Table 10: incidents by postcode sector",
        ),
        ("places", "missing_from_place_id", hotspots.places, "Incidents and children by place"),
    ):
        if (reason := ctx.shared.has(column)) is not None:
            s.skipped[key] = reason
            continue
        table = fn(ctx.shared, HOTSPOT_ROWS)
        frame = table.set_index(table.columns[0])
        total = ctx.shared.frame[column].nunique()
        s.tables.append(
            _t(
                ctx,
                key,
                title,
                frame,
                counts=(
                    Counts(("incidents",), cols_known=False),
                    Counts(("children",), cols_known=False),
                ),
                derived={"incidents_per_child": ("incidents", "children")},
                note=f"The {HOTSPOT_ROWS:,} of {total:,} with most incidents."
                if total > HOTSPOT_ROWS
                else "",
            )
        )
    if (reason := ctx.shared.has("missing_from_lat", "missing_from_lon")) is None:
        grid = hotspots.map_grid(ctx.shared)
        if ctx.publish:
            grid = grid[grid["incidents"] >= 5]
        s.charts.append(
            Chart(
                "map",
                "Appendix 2: incidents by grid cell",
                charts.points_map(grid, "Where children went missing from"),
            )
        )
    else:
        s.skipped["map"] = reason
    return s


def section_quality(ctx: Context) -> Section:
    s = Section("data_quality", "Data quality", _method("data_quality"))
    frame = ctx.raw
    missing = pd.DataFrame({"missing": pd.Series(ctx.selection.missing, dtype=int)}).rename_axis(
        "column"
    )
    missing["share"] = missing["missing"] / max(ctx.shared.n_incidents, 1)
    s.tables.append(
        _t(ctx, "missing_values", "Missing values per column (analysed incidents)", missing)
    )
    absent = [n for n in NAMES if n not in frame.columns and n not in REQUIRED]
    if absent:
        s.findings.append(
            "Columns not in the input (figures needing them are skipped): "
            + ", ".join(absent)
            + "."
        )
    mapped = ctx.quality.get("mapped_to_other") or {}
    s.tables.append(
        _t(
            ctx,
            "mapped_to_other",
            "Values the loader mapped to 'other'",
            pd.DataFrame({"values": pd.Series(mapped, dtype=int)}).rename_axis("column"),
        )
    )
    dropped = pd.DataFrame({"rows": pd.Series(ctx.selection.dropped, dtype=int)}).rename_axis(
        "filter"
    )
    dropped.loc["analysed"] = ctx.shared.n_incidents
    s.tables.append(_t(ctx, "dropped", "Rows dropped by the report's filters", dropped))
    for key in ("postcodes_cut", "distances_computed"):
        if ctx.quality.get(key):
            s.findings.append(f"{key.replace('_', ' ')}: {ctx.quality[key]:,}.")
    negative = (ctx.values.duration or {}).get("negative_durations")
    if negative:
        s.findings.append(
            f"{negative:,} incidents have found_at before reported_at (left out of durations)."
        )
    return s


YEAR_SECTIONS = (section_care, section_top, section_workload)  # about one year: --year
SECTIONS: tuple[tuple[str, Callable[[Context], Section]], ...] = (
    ("Annual demand", section_demand),
    ("Monthly series", section_monthly),
    ("Where from", section_where_from),
    ("Ethnic appearance", section_ethnicity),
    ("Repeats", section_repeats),
    ("Found", section_found),
    ("Distance", section_distance),
    ("Timing", section_timing),
    ("Duration", section_duration),
    ("Vulnerability", section_vulnerability),
    ("Children in care", section_care),
    ("Most frequently missing", section_top),
    ("Workload", section_workload),
    ("Hotspots", section_hotspots),
    ("Data quality", section_quality),
)


def assemble(
    frame: pd.DataFrame,
    *,
    start=None,
    end=None,
    year: int | None = None,
    publish: bool = False,
    population: Population | None = None,
    quality: dict | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[Context, list[Section]]:
    """Every section of the report, each table protected when publishing.

    The report covers the period (--from/--to, default the calendar years of the data); the
    sections on children in care, the most frequently missing and workload look at one year
    (--year, default the period's last), as the seed does for 2022.
    """
    step = progress or (lambda name: None)
    step("Selecting incidents")
    selection = select(frame, start, end)
    shared = Shared(selection.frame, selection.start, selection.end)
    if shared.n_incidents == 0:
        raise ValueError(
            "no incidents left after the report's filters (under 18, missing_report, in the period)"
        )
    year = year or int(shared.end.year)
    in_year = (shared.frame["reported_at"].dt.year == year).to_numpy()
    year_shared = Shared(
        shared.frame[in_year].reset_index(drop=True),
        pd.Timestamp(year, 1, 1),
        pd.Timestamp(year, 12, 31),
    )
    ctx = Context(
        frame,
        selection,
        shared,
        year,
        year_shared,
        population or Population(),
        quality or {},
        publish,
        ReportValues(),
    )
    sections = []
    for name, build in SECTIONS:
        step(name)
        if build in YEAR_SECTIONS and year_shared.n_incidents == 0:
            sections.append(
                Section(
                    name.lower().replace(" ", "_"),
                    f"{name} ({year})",
                    Method(f"Needs incidents in {year}."),
                    skipped={name.lower().replace(" ", "_"): f"no analysed incidents in {year}"},
                )
            )
            continue
        sections.append(build(ctx))
    return ctx, sections
