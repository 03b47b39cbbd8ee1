"""Repeat early warning: labels, no look-ahead, ranking metrics, evaluation and the list."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from insight.simulated import incidents
from misper.incidents.frame import to_canonical
from misper.insight.early_warning import (
    RepeatEarlyWarning,
    evaluate_early_warning,
    features,
    labels,
    precision_at,
    rank_children,
)

T = pd.Timestamp("2022-01-01")
CUT = pd.Timestamp("2021-06-01")


def test_labels_count_later_episodes_within_the_window_and_know_when_it_closed():
    days = [0, 10, 20, 30, 95, 200]
    frame = incidents([{"pid": "a", "reported_at": T + pd.Timedelta(days=d)} for d in days])
    target = labels(frame, k=3, days=90)
    # Day 10: days 20, 30 and 95 (85 days later) are within 90 days; day 30: only day 95.
    assert target["later"].tolist() == [3, 3, 2, 1, 0, 0]
    assert target["repeat"].tolist() == [True, True, False, False, False, False]
    # The data ends at day 200: windows of days 0-30 and 95 have closed, day 200's has not.
    assert target["known"].tolist() == [True, True, True, True, True, False]


def changed_future(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """The same history up to CUT; after it, outcomes, flags and episodes all different."""
    rng = np.random.default_rng(seed)
    future = frame["reported_at"] >= CUT
    out = frame.copy()
    later = out[future].sample(frac=0.6, random_state=seed)  # drop 40% of future episodes
    later = later.assign(
        found_at=later["reported_at"]
        + pd.to_timedelta(rng.integers(1, 3000, len(later)), unit="min"),
        missing_from_type="street",
        in_care="accommodated",
        risk_flags=pd.Series(
            [["county_lines"]] * len(later), index=later.index, dtype=frame["risk_flags"].dtype
        ),
    )
    extra = later.head(50).assign(
        reported_at=later.head(50)["reported_at"] + pd.Timedelta(hours=5),
        rid=[f"new{i}" for i in range(50)],
    )
    extra.index = len(frame) + np.arange(len(extra))
    return to_canonical(pd.concat([out[~future], later, extra]))


def test_no_look_ahead_changing_only_future_rows_leaves_earlier_predictions_unchanged(simulated):
    frame, _ = simulated
    other = changed_future(frame)
    early = frame.index[frame["reported_at"] < CUT]
    x, _ = features(frame)
    x_other, _ = features(other)
    pd.testing.assert_frame_equal(x.loc[early], x_other.loc[early][x.columns])

    # A model trained on windows closed before CUT gives the earlier episodes the same scores.
    def scores(f, xf):
        closed = (f["reported_at"] + pd.Timedelta(days=90) < CUT).to_numpy()
        model = RepeatEarlyWarning().fit(xf[closed][x.columns], labels(f)["repeat"][closed])
        return model.predict_proba(xf.loc[early][x.columns])

    np.testing.assert_array_equal(scores(frame, x), scores(other, x_other))
    assert not features(other)[0].loc[other["reported_at"] >= CUT].empty  # the future did change


def test_precision_at_counts_ties_at_the_cut_at_their_mean():
    y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
    score = np.array([9, 8, 5, 5, 5, 5, 1, 1, 1, 0])
    assert precision_at(y, score, 0.2) == 0.5  # the top 2: scores 9 and 8
    # Top 4: 9, 8 and two of the four tied at 5 (one in four has the outcome): (1 + 2 * 0.25) / 4
    assert precision_at(y, score, 0.4) == pytest.approx(1.5 / 4)


def test_evaluation_on_a_temporal_split_against_the_baselines(simulated):
    frame, _ = simulated
    result = evaluate_early_warning(frame, test_from=pd.Timestamp("2022-01-01"))
    table = result.scores
    assert list(table.index) == ["model", "baseline: previous episodes", "baseline: in care"]
    test = frame[
        (frame["reported_at"] >= "2022-01-01")
        & (frame["reported_at"] + pd.Timedelta(days=90) <= frame["reported_at"].max())
    ]
    assert result.test_episodes == len(test) == table.loc["model", "episodes"]
    assert result.train_episodes == int(
        (frame["reported_at"] + pd.Timedelta(days=90) < pd.Timestamp("2022-01-01")).sum()
    )
    beaten = table.loc["model", "auc"] > table.iloc[1:]["auc"].max()
    assert ("NOT" not in result.verdict) == beaten
    assert table.loc["model", "auc"] > 0.6  # bursts and flags in the simulation are learnable
    groups = result.by_group
    assert set(groups["by"]) <= {"gender", "ethnic_appearance"}
    assert (groups["repeat"] >= 10).all() and ((groups["episodes"] - groups["repeat"]) >= 10).all()
    reliability = result.reliability
    assert reliability["mean_predicted"].is_monotonic_increasing


def test_evaluation_without_a_test_period_says_why():
    frame = incidents([{"pid": "a", "reported_at": T + pd.Timedelta(days=d)} for d in (0, 1, 2)])
    with pytest.raises(ValueError, match="no test episodes"):
        evaluate_early_warning(frame)


def test_ranked_list_has_active_children_highest_first_with_recorded_reasons(simulated):
    frame, _ = simulated
    ranked, model = rank_children(frame)
    end = frame["reported_at"].max()
    latest = frame.groupby("pid", observed=True)["reported_at"].max()
    active = latest[latest + pd.Timedelta(days=90) > end]
    assert set(ranked["pid"]) == set(active.index)
    assert ranked["probability"].is_monotonic_decreasing
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))
    x, _ = features(frame)
    for row in ranked.head(5).itertuples():
        shown = x.loc[frame.index[frame["rid"] == row.latest_rid][0]]
        for reason in filter(None, row.reasons.split("; ")):
            assert shown[reason] > model.mean_[model.features_.index(reason)]
    everyone, _ = rank_children(frame, active_only=False)
    assert len(everyone) == frame["pid"].nunique()


def test_scores_by_group_say_whether_the_model_beats_the_baselines(simulated):
    frame, _ = simulated
    groups = evaluate_early_warning(frame, test_from=pd.Timestamp("2022-01-01")).by_group
    expected = groups["auc"] > groups[["previous_episodes_auc", "in_care_auc"]].max(axis=1)
    assert groups["beats_baselines"].tolist() == expected.tolist()


def test_verdict_names_the_baselines_the_model_does_not_beat(simulated):
    frame, _ = simulated
    result = evaluate_early_warning(frame, test_from=pd.Timestamp("2022-01-01"))
    beaten = dataclasses.replace(result, beaten_by=("baseline: in care",))
    assert beaten.verdict == "The model does NOT beat baseline: in care on ROC AUC."
    assert dataclasses.replace(result, beaten_by=()).verdict == (
        "The model beats both baselines on ROC AUC."
    )
