"""Table 1, Figure 1, Table 2 and Figures 2-3 on the five-children fixture (counted by hand)."""

import pandas as pd
import pytest

from misper.analysis import demand


def test_annual_table_counts_all_rows(raw, selection):
    table = demand.annual_table(raw, selection.start, selection.end, {2022: 600}).set_index("year")
    # 2022: 13 rows (11 child reports + adult R13 + incident_only R14); 12 reports, 11 under 18
    assert table.loc[2022, "incidents_all"] == 13
    assert table.loc[2022, "reports_all_ages"] == 12 and table.loc[2022, "reports_u18"] == 11
    assert table.loc[2022, "children_all_ages"] == 6 and table.loc[2022, "children_u18"] == 5
    assert (
        table.loc[2022, "records_incident_only"] == 1
        and table.loc[2021, "records_incident_only"] == 0
    )
    assert table.loc[2021, "reports_u18"] == 1
    assert table.loc[2022, "reports_u18_change"] == pytest.approx(10.0)  # 1 -> 11
    assert table.loc[2022, "reports_u18_per_day"] == pytest.approx(11 / 365)
    assert table.loc[2022, "recorded_calls"] == 600


def test_annual_json(shared):
    assert demand.annual_json(shared) == [
        {"year": 2021, "incidents": 1, "children": 1, "per_day": 1 / 365},
        {"year": 2022, "incidents": 11, "children": 5, "per_day": 11 / 365},
    ]


def test_monthly_keeps_empty_months(shared):
    monthly = demand.monthly_counts(shared)
    assert len(monthly) == 24 and monthly.sum() == 12
    assert monthly["2022-01"] == 2 and monthly["2022-04"] == 2 and monthly["2022-05"] == 0
    assert monthly["2021-06"] == 1


def test_seasonality_uses_days_per_month():
    # 12 whole months of one year with 31 a day in every month except December (half as many)
    months = pd.period_range("2022-01", "2022-12", freq="M")
    counts = pd.Series([m.days_in_month * 10 for m in months], index=months.astype(str))
    counts.iloc[11] //= 2
    result = demand.seasonality(counts)
    assert result["lowest_month_by_year"] == {2022: 12} and result["lowest_month"] == 12
    assert result["lowest_month_p_value"] < 1e-6 and result["p_value"] < 1e-6
    flat = pd.Series([m.days_in_month * 10 for m in months], index=months.astype(str))
    assert demand.seasonality(flat)["p_value"] > 0.99  # February's 28 days are not a dip


def test_missing_from(shared):
    assert demand.missing_from_counts(shared).to_dict() == {
        "home": 5,
        "care_home": 5,
        "education": 1,
        "hospital": 1,
    }


def test_age_by_gender(shared):
    table = demand.age_by_gender(shared)
    assert table.loc[16, "female"] == 5 and table.loc[13, "male"] == 3
    assert (
        table.loc[9, "female"] == 1 and table.loc[17, "male"] == 1 and table.loc[15, "female"] == 2
    )
    assert table.to_numpy().sum() == 12 and list(table.index) == list(range(18))


def test_age_by_where_from(shared):
    table = demand.age_by_missing_from(shared, min_incidents=2)
    # home: ages 16 (R05), 13, 13, 13, 15 -> median 13; care_home: 16 x4 and 17
    assert list(table.index) == ["home", "care_home"]
    assert table.loc["home", "median"] == 13 and table.loc["home", "max"] == 16
    assert table.loc["care_home", "count"] == 5 and table.loc["care_home", "mean"] == pytest.approx(
        16.2
    )
