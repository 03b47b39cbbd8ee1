"""Time to return: Kaplan-Meier against lifelines, guidance fall-back, censoring, the Cox model."""

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter

from insight.simulated import incidents
from misper.insight.survival import (
    TimeToReturnModel,
    evaluate_time_to_return,
    kaplan_meier,
    km_by_group,
    summarise_time_to_return,
    survival_frame,
    wait_guidance,
)

AT = (1, 2, 4, 8, 12, 24)
T = pd.Timestamp("2022-05-02 23:00")  # a Monday, in the 22-03 band


def lifelines_share(hours, ended, at=AT):
    """Independent computation: lifelines' estimate and log(-log) interval read at each time."""
    fitter = KaplanMeierFitter().fit(hours, ended)
    ci = fitter.confidence_interval_survival_function_
    rows = []
    for t in at:
        before = ci.index[ci.index <= t]
        s = float(fitter.survival_function_at_times([t]).iloc[0])
        low, high = ci.loc[before.max()].to_numpy() if len(before) else (1.0, 1.0)
        rows.append((1 - s, 1 - high, 1 - low))
    return np.array(rows)


def test_kaplan_meier_matches_lifelines_with_ties_and_censoring():
    hours = np.array([0.5, 1, 1, 2, 2, 2, 3, 5, 5, 7, 9, 11, 13, 20, 20, 26, 30, 40])
    ended = np.array([1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1], dtype=bool)
    ours = kaplan_meier(hours, ended, AT)
    expected = lifelines_share(hours, ended)
    np.testing.assert_allclose(
        ours[["share_ended", "lower", "upper"]].to_numpy(), expected, atol=1e-9
    )


def test_kaplan_meier_by_hand():
    # 4 episodes: ended at 1 h and 3 h, censored at 2 h and 5 h: S(1)=3/4, S(3)=3/4*1/2.
    table = kaplan_meier(np.array([1, 2, 3, 5.0]), np.array([1, 0, 1, 0], dtype=bool), (1, 2.5, 4))
    assert table["share_ended"].tolist() == pytest.approx([0.25, 0.25, 1 - 0.375])


def episodes_fixture():
    rng = np.random.default_rng(7)
    rows = []
    for i in range(60):  # home at night, age 15: long
        start = T - pd.Timedelta(days=int(rng.integers(10, 300)))
        rows.append(
            {
                "pid": f"h{i}",
                "reported_at": start,
                "missing_from_type": "home",
                "age": 15,
                "found_at": start + pd.Timedelta(minutes=int(rng.integers(30, 40 * 60))),
            }
        )
    for i in range(12):  # care home in the afternoon: few, so guidance must fall back for them
        start = (T - pd.Timedelta(days=int(rng.integers(10, 300)))).replace(hour=14)
        rows.append(
            {
                "pid": f"c{i}",
                "reported_at": start,
                "missing_from_type": "care_home",
                "age": 15,
                "found_at": start + pd.Timedelta(minutes=int(rng.integers(10, 600))),
            }
        )
    for i in range(8):  # care home at night, still open: censored at now
        rows.append(
            {
                "pid": f"o{i}",
                "reported_at": T - pd.Timedelta(hours=i + 1),
                "missing_from_type": "care_home",
                "age": 15,
                "found_at": None,
            }
        )
    rows.append(
        {
            "pid": "late",
            "reported_at": T + pd.Timedelta(days=2),  # after now: ignored
            "missing_from_type": "home",
            "age": 15,
            "found_at": T + pd.Timedelta(days=3),
        }
    )
    return incidents(rows)


def test_kaplan_meier_of_no_episodes_is_unknown_not_an_error():
    table = kaplan_meier(np.array([]), np.array([], dtype=bool), at=(1, 24))
    assert (
        table.hours.tolist() == [1, 24]
        and table[["share_ended", "lower", "upper"]].isna().all().all()
    )


def test_wait_guidance_matches_lifelines_on_the_similar_episodes():
    frame = episodes_fixture()
    guidance = wait_guidance(
        frame, {"reported_at": T, "age": 15, "missing_from_type": "home"}, now=T, min_similar=30
    )
    assert guidance.matched_on == (
        "missing_from_type",
        "hour_band",
        "age_band",
        "exploitation_flag",
    )
    similar = frame[(frame["missing_from_type"] == "home") & (frame["reported_at"] <= T)]
    assert guidance.similar == len(similar) == 60
    hours = (similar["found_at"] - similar["reported_at"]) / pd.Timedelta(hours=1)
    np.testing.assert_allclose(
        guidance.table[["share_ended", "lower", "upper"]].to_numpy(),
        lifelines_share(hours, np.ones(60, dtype=bool)),
        atol=1e-9,
    )


def test_wait_guidance_falls_back_and_censors_open_episodes_at_now():
    frame = episodes_fixture()
    guidance = wait_guidance(
        frame,
        {"reported_at": T.replace(hour=15), "age": 15, "missing_from_type": "care_home"},
        now=T,
        min_similar=15,
    )
    # Only 12 care-home afternoon episodes: too few at every level using the hour band, so the
    # guidance uses all 20 care-home episodes, 8 of them open and censored at now.
    assert guidance.matched_on == ("missing_from_type",)
    assert (guidance.similar, guidance.ended) == (20, 12)
    care = frame[frame["missing_from_type"] == "care_home"]
    hours = ((care["found_at"].fillna(T) - care["reported_at"]) / pd.Timedelta(hours=1)).clip(
        lower=1 / 60
    )
    np.testing.assert_allclose(
        guidance.table[["share_ended", "lower", "upper"]].to_numpy(),
        lifelines_share(hours, care["found_at"].notna()),
        atol=1e-9,
    )


def test_wait_guidance_leaves_out_the_episode_itself_and_uses_all_when_nothing_matches():
    frame = episodes_fixture()
    first = frame.iloc[0]
    guidance = wait_guidance(frame, first, now=T, min_similar=1000)
    assert guidance.matched_on == ()
    assert guidance.similar == len(frame) - 1 - 1  # neither itself nor the one reported after now


def test_cox_model_finds_the_quicker_returns_of_the_simulated_care_homes(simulated):
    frame, _ = simulated
    episodes = survival_frame(frame)
    model = TimeToReturnModel().fit(episodes)
    care = episodes[episodes["missing_from_type"] == "care_home"].head(50)
    home = episodes[episodes["missing_from_type"] == "home"].head(50)
    by_6h = "ended_by_6h"
    assert model.predict_ended_by(care)[by_6h].mean() > model.predict_ended_by(home)[by_6h].mean()
    assert {"hazard_ratio", "lower", "upper", "p"} <= set(model.summary.columns)


def test_cox_model_refuses_frames_without_context():
    with pytest.raises(ValueError, match="survival_frame"):
        TimeToReturnModel().fit(pd.DataFrame({"hours": [1.0], "ended": [True]}))


def test_temporal_evaluation_reports_concordance_and_calibration(simulated):
    frame, _ = simulated
    result = evaluate_time_to_return(frame, pd.Timestamp("2022-01-01"))
    test = frame[frame["reported_at"] >= "2022-01-01"]
    assert result.test_episodes == len(test)
    assert result.concordance > 0.55  # the simulation makes where-from matter
    cal = result.calibration
    assert sorted(cal["hours"].unique()) == [2, 6, 24]
    assert cal[["predicted", "observed"]].apply(lambda c: c.between(0, 1)).all().all()


def test_km_by_group_leaves_out_small_groups():
    frame = episodes_fixture()
    table = km_by_group(survival_frame(frame, now=T), "missing_from_type", min_episodes=21)
    assert set(table["missing_from_type"]) == {"home"}


def test_hold_out_episodes_keep_the_history_from_before_the_hold_out():
    from misper.insight.survival import episode_context

    frame = episodes_fixture()
    again = incidents(
        [
            {
                "pid": frame.iloc[0]["pid"],
                "reported_at": T - pd.Timedelta(days=1),
                "missing_from_type": "home",
                "age": 15,
            }
        ]
    )
    both = pd.concat([frame, again], ignore_index=True)
    hold_out = both.loc[[both.index[-1]]]  # the child's second episode, alone in the hold-out
    context = episode_context(both)
    assert survival_frame(hold_out, T, context)["previous_band"].iloc[0] == "1-2 before"
    assert survival_frame(hold_out, T)["previous_band"].iloc[0] == "first"  # what it would lose


def test_guidance_check_gives_each_later_episode_the_guidance_triage_would_have_shown():
    from misper.insight.survival import evaluate_wait_guidance

    frame = episodes_fixture()
    split = T - pd.Timedelta(days=60)
    checked = evaluate_wait_guidance(frame, split, now=T, min_similar=15)
    later = frame[frame["reported_at"] >= split]
    later = later[later["reported_at"] <= T]  # the one reported after now is not usable
    shown = np.mean(
        [
            wait_guidance(
                frame[frame["reported_at"] < split],
                row,
                now=split,
                min_similar=15,
                previous=frame[frame["pid"] == row["pid"]],
            )
            .table["share_ended"]
            .to_numpy()
            for _, row in later.iterrows()
        ],
        axis=0,
    )
    overall = checked[checked["group"] == "all"]
    np.testing.assert_allclose(overall["guidance"].to_numpy(), shown, atol=1e-12)
    assert overall["episodes"].iloc[0] == len(later)
    observed = kaplan_meier(
        ((later["found_at"].fillna(T) - later["reported_at"]) / pd.Timedelta(hours=1))
        .clip(lower=1 / 60)
        .to_numpy(),
        later["found_at"].notna().to_numpy(),
        AT,
    )
    np.testing.assert_allclose(
        overall["share_ended"].to_numpy(), observed["share_ended"].to_numpy()
    )


def test_wait_guidance_matches_on_the_exploitation_flag_when_enough_share_it():
    rows = episodes_fixture().drop(columns="rid").to_dict("records")
    homes = [r for r in rows if r["missing_from_type"] == "home"]
    for row in rows:
        row["risk_flags"] = ["cse"] if any(row is h for h in homes[:35]) else []
    frame = incidents(rows)
    episode = {
        "reported_at": T,
        "age": 15,
        "missing_from_type": "home",
        "risk_flags": ["county_lines"],
    }
    guidance = wait_guidance(frame, episode, now=T, min_similar=30)
    assert guidance.matched_on[-1] == "exploitation_flag" and guidance.similar == 35
    unflagged = wait_guidance(frame, {**episode, "risk_flags": []}, now=T, min_similar=30)
    assert unflagged.matched_on == ("missing_from_type", "hour_band", "age_band")  # only 25 without
    assert unflagged.similar == 60


def repeat_and_first_fixture():
    """40 children gone once, each for 20 h; 10 children gone five times, each for 1 h (all from
    home at 23:00, age 15). By hand: of the 20 episodes with 3-9 before and the last under 2 h,
    all ended within 2 h; of the 50 first episodes, the 10 of the repeat children did."""
    rows = []
    for i in range(40):
        start = T - pd.Timedelta(days=200 + i)
        rows.append(
            {
                "pid": f"once{i}",
                "reported_at": start,
                "age": 15,
                "found_at": start + pd.Timedelta(hours=20),
            }
        )
    for i in range(10):
        for k in range(5):
            start = T - pd.Timedelta(days=150 - 20 * k, minutes=i)
            rows.append(
                {
                    "pid": f"often{i}",
                    "reported_at": start,
                    "age": 15,
                    "found_at": start + pd.Timedelta(hours=1),
                }
            )
    return incidents(rows)


def test_a_repeat_childs_guidance_follows_their_previous_behaviour_a_first_timers_does_not():
    frame = repeat_and_first_fixture()
    new = {"reported_at": T, "age": 15, "missing_from_type": "home"}
    earlier = frame[frame["pid"] == "often0"]  # four episodes before, the last 1 h long
    repeat = wait_guidance(frame, new, now=T, min_similar=15, previous=earlier.iloc[:4])
    first = wait_guidance(frame, new, now=T, min_similar=15, previous=earlier.iloc[:0])
    assert repeat.matched_on[-2:] == ("previous_band", "previous_duration_band")
    assert first.matched_on == repeat.matched_on
    assert (repeat.similar, first.similar) == (20, 50)
    by_2h = {
        g: t.set_index("hours")["share_ended"][2]
        for g, t in (("repeat", repeat.table), ("first", first.table))
    }
    assert by_2h == {"repeat": pytest.approx(1.0), "first": pytest.approx(10 / 50)}
    hours = np.ones(20)
    np.testing.assert_allclose(
        repeat.table[["share_ended", "lower", "upper"]].to_numpy(),
        lifelines_share(hours, np.ones(20, dtype=bool)),
        atol=1e-9,
    )
    # Without the child's history both get the same guidance, from all 90 episodes.
    alike = [wait_guidance(frame, new, now=T, min_similar=15) for _ in range(2)]
    assert alike[0].similar == 90 and "previous_band" not in alike[0].matched_on
    # A child with more earlier episodes than any similar one falls back to the broader groups.
    many = incidents(
        [
            {
                "pid": "x",
                "reported_at": T - pd.Timedelta(days=d),
                "age": 15,
                "found_at": T - pd.Timedelta(days=d) + pd.Timedelta(hours=1),
            }
            for d in range(12, 0, -1)
        ]
    )
    rare = wait_guidance(frame, new, now=T, min_similar=15, previous=many)
    assert rare.matched_on == ("missing_from_type", "hour_band", "age_band", "exploitation_flag")
    assert rare.similar == 90


def test_summary_defaults_to_the_last_year_as_hold_out_and_the_data_end_as_now(simulated):
    frame, _ = simulated
    summary = summarise_time_to_return(frame)
    assert summary.test_from == pd.Timestamp(frame["reported_at"].max().year, 1, 1)
    assert summary.now == max(frame["reported_at"].max(), frame["found_at"].max())
    episodes = survival_frame(frame, summary.now)
    assert (summary.episodes, summary.open_episodes) == (len(episodes), (~episodes["ended"]).sum())
    assert summary.evaluation.test_episodes == (frame["reported_at"] >= summary.test_from).sum()
    pd.testing.assert_frame_equal(
        summary.by_context["missing_from_type"], km_by_group(episodes, "missing_from_type")
    )
    assert set(summary.guidance["group"]) >= {"all"}
