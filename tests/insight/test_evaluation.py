"""Did it work: the time series recovers an injected 30% drop and finds none where none was."""

import numpy as np
import pandas as pd
import pytest

from insight.simulated import incidents
from misper.incidents.frame import to_canonical
from misper.insight.evaluation import (
    InterruptedTimeSeries,
    evaluate_intervention,
    incident_counts,
    select_group,
)

WHEN = pd.Timestamp("2021-07-05")


def weekly_series(effect: float, seed: int, base: float = 40.0) -> pd.DataFrame:
    """Four years of weekly counts with season and a step of `effect` (rate ratio) at WHEN."""
    rng = np.random.default_rng(seed)
    start = pd.date_range("2019-01-07", "2022-12-26", freq="7D")
    season = 1 + 0.25 * np.sin(2 * np.pi * start.dayofyear / 365.25)
    rate = base * season * np.where(start >= WHEN, effect, 1.0)
    return pd.DataFrame({"start": start, "days": 7.0, "incidents": rng.poisson(rate)})


def level(its: InterruptedTimeSeries) -> pd.Series:
    return its.summary.loc["level change at the intervention"]


def test_recovers_an_injected_drop_in_a_simulated_series():
    its = InterruptedTimeSeries(WHEN).fit(weekly_series(0.7, seed=1))
    row = level(its)
    assert row["lower"] <= 0.7 <= row["upper"]
    assert row["upper"] < 1  # and says it is a real drop


def test_finds_no_effect_where_none_was_injected():
    row = level(InterruptedTimeSeries(WHEN).fit(weekly_series(1.0, seed=2)))
    assert row["lower"] <= 1 <= row["upper"]


def test_difference_in_differences_sees_through_a_shared_shock():
    treated, control = weekly_series(0.7, seed=3), weekly_series(1.0, seed=4, base=60)
    # A shock hitting both groups at the intervention would fool a single series...
    shock = np.where(treated["start"] >= WHEN, 0.8, 1.0)
    rng = np.random.default_rng(5)
    treated["incidents"] = rng.binomial(treated["incidents"], shock)
    control["incidents"] = rng.binomial(control["incidents"], shock)
    alone = level(InterruptedTimeSeries(WHEN).fit(treated))
    assert alone["upper"] < 0.7  # ... it sees 0.56, the effect and the shock together
    both = level(InterruptedTimeSeries(WHEN).fit(treated, control))
    assert both["lower"] <= 0.7 <= both["upper"]


@pytest.fixture(scope="module")
def dropped():
    """Daily simulated incidents from care homes and homes; 30% of care-home ones removed from WHEN.

    A 95% interval misses the truth 1 time in 20 (bench/bench_insight.py measures the coverage):
    seed 11 gave such a miss for the untouched group (lower bound 1.017), so the seed is 12.
    """
    rng = np.random.default_rng(12)
    days = pd.date_range("2019-01-01", "2022-12-31", freq="D")
    rows = []
    for where, rate in (("care_home", 5.0), ("home", 8.0)):
        counts = rng.poisson(rate * (1 + 0.2 * np.cos(2 * np.pi * days.dayofyear / 365.25)))
        at = np.repeat(days.to_numpy(), counts) + rng.integers(
            0, 1440, counts.sum()
        ) * np.timedelta64(1, "m")
        rows.append(
            pd.DataFrame(
                {
                    "reported_at": at,
                    "missing_from_type": where,
                    "missing_from_place_id": np.where(rng.uniform(size=len(at)) < 0.3, "H1", "H2"),
                }
            )
        )
    frame = pd.concat(rows, ignore_index=True)
    removed = (
        (frame["missing_from_type"] == "care_home")
        & (frame["reported_at"] >= WHEN)
        & (rng.uniform(size=len(frame)) < 0.3)
    )
    frame = frame[~removed].reset_index(drop=True)
    frame["rid"] = [f"r{i}" for i in range(len(frame))]
    frame["pid"] = frame["rid"]
    frame["age"] = 14
    return to_canonical(frame)


@pytest.mark.parametrize("freq", ["week", "month"])
def test_recovers_the_drop_removed_from_an_incident_table(dropped, freq):
    row = level(evaluate_intervention(dropped, WHEN, "care_home", freq=freq))
    assert row["lower"] <= 0.7 <= row["upper"] and row["upper"] < 1
    assert level(evaluate_intervention(dropped, WHEN, "care_home", "home", freq))["lower"] <= 0.7
    untouched = level(evaluate_intervention(dropped, WHEN, "home", freq=freq))
    assert untouched["lower"] <= 1 <= untouched["upper"]


def test_counterfactual_is_the_fit_without_the_change(dropped):
    its = evaluate_intervention(dropped, WHEN, "care_home")
    series = its.counterfactual_
    before = series["start"] < WHEN
    np.testing.assert_allclose(series.loc[before, "fitted"], series.loc[before, "counterfactual"])
    assert its.post_change_ == pytest.approx(
        series.loc[~before, "fitted"].sum() / series.loc[~before, "counterfactual"].sum() - 1
    )
    assert -0.4 < its.post_change_ < -0.2


def test_counts_leave_out_periods_cut_by_the_data():
    # Data from Wednesday 2022-01-05 to Tuesday 2022-01-25: whole weeks are those of 10 and 17 Jan.
    frame = incidents(
        [
            {"pid": "a", "reported_at": pd.Timestamp(d)}
            for d in (
                "2022-01-05",
                "2022-01-10 08:00",
                "2022-01-16 23:00",
                "2022-01-17",
                "2022-01-25",
            )
        ]
    )
    counts = incident_counts(frame, "week")
    assert counts["start"].dt.strftime("%Y-%m-%d").tolist() == ["2022-01-10", "2022-01-17"]
    assert counts["incidents"].tolist() == [2, 1]
    assert counts["days"].tolist() == [7, 7]


def test_groups_and_bad_requests_are_named():
    frame = incidents(
        [
            {
                "pid": "a",
                "reported_at": pd.Timestamp("2022-01-05"),
                "missing_from_type": "care_home",
                "missing_from_place_id": "H1",
            }
        ]
    )
    assert select_group(frame, "care_home").tolist() == [True]
    assert select_group(frame, "place:H1").tolist() == [True]
    assert select_group(frame, "place:H2").tolist() == [False]
    with pytest.raises(ValueError, match="group 'school'"):
        select_group(frame, "school")
    with pytest.raises(ValueError, match="freq"):
        incident_counts(frame, "day")
    with pytest.raises(ValueError, match="shares 1 incidents"):
        evaluate_intervention(frame, "2022-01-01", "place:H1", "care_home")
    with pytest.raises(ValueError, match="at least 3 periods"):
        InterruptedTimeSeries("2030-01-01").fit(weekly_series(1.0, seed=1))


def test_difference_in_differences_equals_poisson_with_a_fixed_effect_per_period():
    import statsmodels.api as sm

    treated = weekly_series(0.7, seed=8).iloc[::4].reset_index(drop=True)  # 52 periods: small
    control = weekly_series(1.0, seed=9).iloc[::4].reset_index(drop=True)
    ours = InterruptedTimeSeries(WHEN).fit(treated, control).summary
    n = len(treated)
    post = (treated["start"] >= WHEN).to_numpy(float)
    after = post * (treated["start"] - WHEN).dt.days.to_numpy() / 365.25
    design = pd.get_dummies(pd.Series(np.tile(np.arange(n), 2)), dtype=float)
    design["treated"] = np.repeat([1.0, 0.0], n)
    design["level"] = np.concatenate([post, 0 * post])
    design["trend"] = np.concatenate([after, 0 * after])
    y = np.concatenate([treated["incidents"], control["incidents"]])
    first = sm.GLM(y, design, family=sm.families.Poisson()).fit()
    fe = sm.GLM(y, design, family=sm.families.Poisson()).fit(
        scale=first.pearson_chi2 / first.df_resid, use_t=True
    )
    np.testing.assert_allclose(ours["rate_ratio"], np.exp(fe.params[["level", "trend"]]), rtol=1e-6)
    np.testing.assert_allclose(
        ours["lower"], np.exp(fe.conf_int().loc[["level", "trend"], 0]), rtol=1e-4
    )
