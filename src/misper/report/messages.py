"""The key messages on the report's first page: its own figures in plain words, for a chief officer.

Each message reads the protected tables (so `--publish` hides what the tables hide) or the
analysis results kept beside them; a message whose figures are missing or suppressed is left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from misper.report import suppression
from misper.report.model import ReportValues, Section, Table
from misper.report.wording import weekday

if TYPE_CHECKING:
    from misper.report.assemble import Context

HOURS_ORDER = "{:02d}:00 to {:02d}:59"
Tables = Callable[[str], Table | None]  # a table of the report by its key
TOP_SHARE = 0.10  # the "most frequently missing" tenth, as the seed's summary says


def _number(value) -> float | None:
    """A shown cell as a number; None when suppressed or missing."""
    number = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(number) else float(number)


def count_words(n: int, publish: bool) -> str:
    """A count as published: fewer than the threshold is not given exactly."""
    if publish and 0 < n < suppression.THRESHOLD:
        return f"fewer than {suppression.THRESHOLD}"
    return f"{n:,}"


def _volume(ctx: Context) -> str:
    shared = ctx.shared
    return (
        f"{count_words(shared.n_incidents, ctx.publish)} missing reports of children under 18 "
        f"from {shared.start:%-d %B %Y} to {shared.end:%-d %B %Y}, involving "
        f"{count_words(shared.n_children, ctx.publish)} different children."
    )


def _trend(ctx: Context, tables: Tables) -> str | None:
    """First year against last; per day when either is only partly inside the period."""
    annual = tables("annual_analysed")
    if annual is None or len(annual.shown) < 2:
        return None
    years = annual.shown.index
    whole = (ctx.shared.start.dayofyear == 1) and ctx.shared.end.is_year_end
    column, what = ("incidents", "Reports") if whole else ("per_day", "Reports per day")
    first = _number(annual.shown.iloc[0][column])
    last = _number(annual.shown.iloc[-1][column])
    if first is None or last is None or not first:
        return None
    change = last / first - 1
    way = "rose" if change > 0 else "fell" if change < 0 else "stayed"
    by = f" by {abs(change):.0%}" if change else " the same"
    figure = "{:,.0f}" if whole else "{:,.1f}"
    return (
        f"{what} {way}{by}: from {figure.format(first)} in {years[0]} "
        f"to {figure.format(last)} in {years[-1]}."
    )


def _care_homes(tables: Tables) -> str | None:
    where = tables("missing_from")
    if where is None or "care_home" not in where.shown.index:
        return None
    n, share = (
        _number(where.shown.loc["care_home", "incidents"]),
        _number(where.shown.loc["care_home", "share"]),
    )
    if n is None or share is None:
        return None
    return f"{share:.0%} of reports ({n:,.0f}) were of children missing from a care home."


def _repeats(values: ReportValues, ctx: Context) -> str | None:
    conc = values.concentration
    if not conc:
        return None
    top = math.ceil(TOP_SHARE * ctx.shared.n_children)
    return (
        f"How concentrated repeats are: the most frequently missing {TOP_SHARE:.0%} of children "
        f"({count_words(top, ctx.publish)}) account for {conc['top_decile_share']:.0%} of reports, "
        f"and {1 - conc['share_children_once']:.0%} of children went missing more than once."
    )


def _when(values: ReportValues, tables: Tables) -> str | None:
    parts = []
    if values.saturday and values.saturday["busiest"]:
        parts.append(f"the busiest day is {weekday(values.saturday['busiest'])}")
    hours = tables("hour")
    if hours is not None and "Total" in hours.shown.index:
        by_hour = hours.row_numbers("Total").dropna()
        if len(by_hour) and by_hour.max() > 0 and (by_hour == by_hour.max()).sum() == 1:
            peak = int(by_hour.idxmax())  # only a single busiest hour is a peak
            parts.append(f"reports peak from {HOURS_ORDER.format(peak, peak)}")
    if values.care_late is not None:
        parts.append(
            f"{values.care_late:.0%} of care-home reports are made between 22:00 and 00:59"
        )
    if not parts:
        return None
    text = "; ".join(parts)
    return f"When children go missing: {text}."


def _found(values: ReportValues) -> str | None:
    gap = values.police_gap
    if not gap:
        return None
    return (
        f"How children are found: {gap['returned_self_share']:.0%} came back by themselves; "
        f"police found {gap['found_by_police_share']:.0%}, and police activity aimed at the child "
        f"found {gap['found_how_police_targeted_share']:.0%}."
    )


def _duration(values: ReportValues) -> str | None:
    summary = values.duration
    if not summary:
        return None
    return (
        f"How long children are missing: half of the episodes ended within "
        f"{summary['median_hours']:.1f} hours, {summary['share_within_24h']:.0%} within a day "
        f"and {summary['share_within_48h']:.0%} within two days."
    )


def key_messages(ctx: Context, sections: list[Section]) -> list[str]:
    """The messages in reading order: how many, the trend, where from, repeats, when, found, how
    long. `ctx` is the assembled report's context, `sections` its sections."""

    def tables(key: str) -> Table | None:
        return next((t for s in sections for t in s.tables if t.key == key), None)

    values = ctx.values
    found = [
        _volume(ctx),
        _trend(ctx, tables),
        _care_homes(tables),
        _repeats(values, ctx),
        _when(values, tables),
        _found(values),
        _duration(values),
    ]
    return [m for m in found if m]
