"""Demand: annual totals (Table 1), the monthly series and its seasonality (Figure 1), where from
and who."""

from __future__ import annotations

from typing import TypedDict

import numpy as np
import pandas as pd

from misper.analysis import stats
from misper.analysis.selection import (
    CHILD_MAX_AGE,
    DEFAULT_RECORD_TYPE,
    Shared,
    days_in_year_within,
)
from misper.incidents.schema import MISSING_FROM_TYPES

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class AnnualRow(TypedDict):
    year: int
    incidents: int
    children: int
    per_day: float | None  # None for a year with no day inside the period


class MonthRow(TypedDict):
    month: str  # "Jan".."Dec"
    n: int  # incidents in that calendar month, full years pooled
    expected: float  # expected in proportion to the month's days


class Seasonality(TypedDict):
    """The tests are None when no full year has an incident."""

    lowest_month_by_year: dict[int, int]  # year -> month number (1-12) lowest in incidents per day
    chi2: float | None
    p_value: float | None
    lowest_month: int | None
    lowest_month_p_value: float | None
    by_month: list[MonthRow]


def annual_table(
    frame: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    recorded_calls: dict[int, int] | None = None,
) -> pd.DataFrame:
    """Table 1 over every row reported in the period (all record types and ages).

    incidents = rows of any record type (control-room incidents classed as missing); reports =
    missing_report rows; children/individuals = distinct pid; per day = over the year's days inside
    the period (365 or 366 for a full year).
    """
    year = frame["reported_at"].dt.year.to_numpy()
    record = (
        frame["record_type"]
        if "record_type" in frame.columns
        else pd.Series(pd.NA, index=frame.index, dtype="category")
    )
    report = (record.eq(DEFAULT_RECORD_TYPE) | record.isna()).to_numpy(bool)  # empty = the default
    child = frame["age"].astype("Float64").le(CHILD_MAX_AGE).fillna(False).to_numpy(bool)
    person = pd.factorize(frame["pid"])[0]
    rows = []
    for y in range(start.year, end.year + 1):
        in_year = year == y
        days = days_in_year_within(y, start, end)
        reports_u18 = in_year & report & child
        row = {
            "year": y,
            "days": days,
            "incidents_all": int(in_year.sum()),
            "reports_all_ages": int((in_year & report).sum()),
            "reports_u18": int(reports_u18.sum()),
            "children_all_ages": _distinct(person[in_year & report]),
            "children_u18": _distinct(person[reports_u18]),
        }
        for kind, n in record[in_year].value_counts().items():
            if kind != DEFAULT_RECORD_TYPE:
                row[f"records_{kind}"] = int(n)
        if recorded_calls and y in recorded_calls:
            row["recorded_calls"] = int(recorded_calls[y])
        rows.append(row)
    table = pd.DataFrame(rows).fillna(0)
    for name in [c for c in table.columns if c.startswith("records_") or c == "recorded_calls"]:
        table[name] = table[name].astype(int)
    per_day = table["days"].where(table["days"] > 0)
    table["incidents_per_day"] = table["incidents_all"] / per_day
    table["reports_u18_per_day"] = table["reports_u18"] / per_day
    table["children_u18_per_day"] = table["children_u18"] / per_day
    table["reports_u18_change"] = (
        table["reports_u18"].pct_change().replace([np.inf, -np.inf], np.nan)
    )
    return table


def _distinct(codes: np.ndarray) -> int:
    return int(np.count_nonzero(np.bincount(codes[codes >= 0]))) if len(codes) else 0


def annual_json(shared: Shared) -> list[AnnualRow]:
    """The contract's `annual`: analysed incidents, children and incidents per day by year."""
    year = shared.frame["reported_at"].dt.year.to_numpy()
    out: list[AnnualRow] = []
    for y in range(shared.start.year, shared.end.year + 1):
        mask = year == y
        days = days_in_year_within(y, shared.start, shared.end)
        n = int(mask.sum())
        out.append(
            {
                "year": y,
                "incidents": n,
                "children": shared.children_where(mask),
                "per_day": n / days if days else None,
            }
        )
    return out


def monthly_counts(shared: Shared) -> pd.Series:
    """Incidents per calendar month of the period, index 'YYYY-MM' (months with none kept as 0)."""
    months = pd.period_range(shared.start, shared.end, freq="M")
    counts = shared.frame["reported_at"].dt.to_period("M").value_counts()
    return counts.reindex(months, fill_value=0).rename(index=str).astype(int)


def seasonality(monthly: pd.Series) -> Seasonality:
    """Which month is lowest each year, and whether calendar months differ beyond chance.

    Expected counts are proportional to each month's days within its year's total (so February's
    28 days are not mistaken for a seasonal dip): a chi-square test over the months of each year
    pooled, and for the month most often lowest an exact one-sided binomial test.
    """
    periods = pd.PeriodIndex(monthly.index, freq="M")
    frame = pd.DataFrame(
        {
            "year": periods.year,
            "month": periods.month,
            "days": periods.days_in_month,
            "n": monthly.to_numpy(),
        }
    )
    full_years = frame.groupby("year").filter(lambda g: len(g) == 12)
    lowest = {
        int(y): int(g.loc[(g["n"] / g["days"]).idxmin(), "month"])
        for y, g in full_years.groupby("year")
    }
    if full_years.empty or full_years["n"].sum() == 0:
        return {
            "lowest_month_by_year": lowest,
            "chi2": None,
            "p_value": None,
            "lowest_month": None,
            "lowest_month_p_value": None,
            "by_month": [],
        }
    by_month = full_years.groupby("month").agg(n=("n", "sum"), days=("days", "sum"))
    chi2, p = stats.goodness_of_fit(by_month["n"].to_numpy(), by_month["days"].to_numpy())
    rate = by_month["n"] / by_month["days"]
    low = int(rate.idxmin())
    total = int(by_month["n"].sum())
    share = by_month.loc[low, "days"] / by_month["days"].sum()
    p_low = stats.binomial_p(int(by_month.loc[low, "n"]), total, share, "less")
    table = by_month.assign(
        month=[MONTH_NAMES[m - 1] for m in by_month.index],
        expected=by_month["days"] / by_month["days"].sum() * total,
    )
    return {
        "lowest_month_by_year": lowest,
        "chi2": chi2,
        "p_value": p,
        "lowest_month": low,
        "lowest_month_p_value": p_low,
        "by_month": table[["month", "n", "expected"]].to_dict("records"),
    }


def missing_from_counts(shared: Shared) -> pd.Series:
    """Table 2: incidents by where the child went missing from, most first (zeros left out)."""
    counts = shared.frame["missing_from_type"].value_counts()
    counts = counts[counts > 0].sort_values(ascending=False, kind="stable")
    return counts.rename_axis("missing_from_type").astype(int)


def age_by_gender(shared: Shared) -> pd.DataFrame:
    """Figure 2: incidents by age (rows) and gender (columns), with each gender's share by age."""
    frame = shared.frame
    table = pd.crosstab(frame["age"].astype(int), frame["gender"].astype(object).fillna("unknown"))
    return table.reindex(range(0, CHILD_MAX_AGE + 1), fill_value=0).rename_axis("age")


def age_by_missing_from(shared: Shared, min_incidents: int = 10) -> pd.DataFrame:
    """Figure 3: age quartiles per place missing from (box plot summary; rare places left out)."""
    frame = shared.frame[["missing_from_type", "age"]].astype({"age": float})
    grouped = frame.groupby("missing_from_type", observed=True)["age"]
    table = grouped.describe()[["count", "min", "25%", "50%", "75%", "max", "mean"]]
    table = table[table["count"] >= min_incidents].rename(
        columns={"25%": "q1", "50%": "median", "75%": "q3"}
    )
    order = [t for t in MISSING_FROM_TYPES if t in table.index]
    return table.loc[order].astype({"count": int})
