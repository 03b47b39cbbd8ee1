"""Time to return: Kaplan-Meier by context, a Cox model and its check, and wait guidance for triage.

Duration is `found_at - reported_at` (the report's definition). Episodes still open at `now` are
censored at `now`, never dropped and never treated as ended.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from misper.incidents.frame import LIST_DTYPE, to_canonical
from misper.insight.episodes import (
    AGE_BANDS,
    EXPLOITATION_FLAGS,
    HOUR_BANDS,
    MENTAL_HEALTH_FLAGS,
    band,
    data_end,
    durations,
    has_any,
    history,
)

GUIDANCE_HOURS = (1, 2, 4, 8, 12, 24)
CALIBRATION_HOURS = (2, 6, 24)
PREVIOUS_BANDS = ((0, "first"), (1, "1-2 before"), (3, "3-9 before"), (10, "10+ before"))
PREVIOUS_DURATION_BANDS = ((0, "last <2h"), (2, "last 2-8h"), (8, "last 8-24h"), (24, "last 24h+"))
PREVIOUS_BEHAVIOUR = ("previous_band", "previous_duration_band")
# Broadest last: the guidance falls back along this list until enough similar episodes are found.
# The narrowest add the child's previous behaviour (how many earlier episodes, how long the last
# lasted), used when the child's history is given.
GUIDANCE_LEVELS = (
    ("missing_from_type", "hour_band", "age_band", "exploitation_flag", *PREVIOUS_BEHAVIOUR),
    ("missing_from_type", "hour_band", "age_band", "exploitation_flag", "previous_band"),
    ("missing_from_type", "hour_band", "age_band", "exploitation_flag"),
    ("missing_from_type", "hour_band", "age_band"),
    ("missing_from_type", "hour_band"),
    ("missing_from_type",),
    (),
)
CATEGORICAL = (
    "missing_from_type",
    "hour_band",
    "day_type",
    "age_band",
    "previous_band",
    "previous_duration_band",
)
FLAGS = ("exploitation_flag", "mental_health_flag")
# The contexts the share returned by time is shown for, one Kaplan-Meier table each.
KM_CONTEXTS = (
    "missing_from_type",
    "hour_band",
    "day_type",
    "age_band",
    "exploitation_flag",
    "previous_band",
    "previous_duration_band",
)
MIN_HOURS = 1 / 60  # a return recorded at the minute of the report still took some time
MIN_LEVEL = 10


def episode_context(frame: pd.DataFrame, with_history: bool = True) -> pd.DataFrame:
    """The context of each episode known when it was reported (where from, when, who, history)."""
    reported = frame["reported_at"]
    flags = (
        frame["risk_flags"]
        if "risk_flags" in frame.columns
        else pd.Series([None] * len(frame), index=frame.index, dtype=LIST_DTYPE)
    )
    past = history(frame) if with_history else None
    context = pd.DataFrame(
        {
            "missing_from_type": frame["missing_from_type"].astype("string").fillna("other"),
            "hour_band": band(reported.dt.hour, HOUR_BANDS),
            "day_type": pd.Series(
                np.where(reported.dt.dayofweek >= 5, "weekend", "weekday"),
                index=frame.index,
                dtype="string",
            ),
            "age_band": band(frame["age"].astype("float64"), AGE_BANDS),
            "exploitation_flag": has_any(flags, EXPLOITATION_FLAGS),
            "mental_health_flag": has_any(flags, MENTAL_HEALTH_FLAGS),
        },
        index=frame.index,
    )
    if past is not None:
        context["previous_band"] = band(past["previous_count"], PREVIOUS_BANDS)
        context["previous_duration_band"] = band(past["previous_hours"], PREVIOUS_DURATION_BANDS)
    return context


def survival_frame(
    frame: pd.DataFrame, now: pd.Timestamp | None = None, context: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per usable episode: `hours`, `ended`, `reported_at` and the context columns.

    `context` (from `episode_context` on a larger frame) lets a part of the data keep the history
    its children had before that part began.
    """
    spells = durations(frame, now)
    context = episode_context(frame) if context is None else context.loc[frame.index]
    out = pd.concat([frame[["reported_at"]], spells, context], axis=1)
    out = out[out["hours"].notna()].copy()
    out["hours"] = out["hours"].clip(lower=MIN_HOURS)
    return out


def kaplan_meier(
    hours: np.ndarray,
    ended: np.ndarray,
    at: tuple[float, ...] = GUIDANCE_HOURS,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Share of episodes ended by each time in `at`, with an exponential-Greenwood interval.

    The interval is the log(-log) one (Kalbfleisch & Prentice), the default of R's survfit
    `conf.type="log-log"` and of lifelines; it stays inside [0, 1].
    """
    hours = np.asarray(hours, dtype="float64")
    ended = np.asarray(ended, dtype=bool)
    if hours.size == 0:  # nothing to estimate from: unknown, not zero
        return pd.DataFrame({"hours": at, "share_ended": np.nan, "lower": np.nan, "upper": np.nan})
    times, inverse = np.unique(hours, return_inverse=True)
    deaths = np.bincount(inverse, weights=ended, minlength=len(times))
    leaving = np.bincount(inverse, minlength=len(times))
    at_risk = len(hours) - np.concatenate([[0], np.cumsum(leaving)[:-1]])
    surviving = np.cumprod(1 - deaths / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(
            np.where(at_risk > deaths, deaths / (at_risk * (at_risk - deaths)), 0)
        )
    position = np.searchsorted(times, np.asarray(at, dtype="float64"), side="right") - 1
    s = np.where(position >= 0, surviving[np.maximum(position, 0)], 1.0)
    g = np.where(position >= 0, greenwood[np.maximum(position, 0)], 0.0)
    z = norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = z * np.sqrt(g) / np.abs(np.log(s))
        upper_s = np.where((s > 0) & (s < 1), s ** np.exp(-spread), s)
        lower_s = np.where((s > 0) & (s < 1), s ** np.exp(spread), s)
    return pd.DataFrame(
        {"hours": at, "share_ended": 1 - s, "lower": 1 - upper_s, "upper": 1 - lower_s}
    )


def km_by_group(
    episodes: pd.DataFrame, by: str, at: tuple[float, ...] = GUIDANCE_HOURS, min_episodes: int = 10
) -> pd.DataFrame:
    """Kaplan-Meier share ended by each time per value of context column `by`, small groups out."""
    rows = []
    for value, group in episodes.groupby(by, observed=True):
        if len(group) < min_episodes:
            continue
        table = kaplan_meier(group["hours"].to_numpy(), group["ended"].to_numpy(), at)
        table.insert(0, by, value)
        table.insert(1, "episodes", len(group))
        rows.append(table)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


@dataclass(frozen=True)
class WaitGuidance:
    """How long similar episodes lasted: the triage view of one new episode."""

    matched_on: tuple[str, ...]  # the context columns the similar episodes share with this one
    similar: int  # number of similar episodes
    ended: int  # of which ended (the rest were censored)
    table: pd.DataFrame  # hours, share_ended, lower, upper


def without_history(
    levels: tuple[tuple[str, ...], ...] = GUIDANCE_LEVELS,
) -> tuple[tuple[str, ...], ...]:
    """The levels that do not need the child's previous behaviour."""
    return tuple(level for level in levels if not set(level) & set(PREVIOUS_BEHAVIOUR))


TARGET = "\x00target"  # the new episode's stand-in pid while its history is worked out


def wait_guidance(
    history_frame: pd.DataFrame,
    episode: Mapping[str, Any] | pd.Series,
    now: pd.Timestamp,
    min_similar: int = 30,
    hours: tuple[float, ...] = GUIDANCE_HOURS,
    previous: pd.DataFrame | None = None,
) -> WaitGuidance:
    """Share of similar past episodes ended by 1, 2, 4, 8, 12, 24 h, falling back to broader groups.

    `episode` holds the canonical fields of the new episode (at least missing_from_type,
    reported_at, age; risk_flags if known). Episodes of `history_frame` reported after `now` are
    ignored, open ones are censored at `now`, and the episode itself (same rid) is left out.

    `previous`, the child's own earlier episodes (canonical rows, reported_at and found_at), lets
    the narrowest levels match on previous behaviour as well: past episodes whose child had as many
    earlier episodes, the last of which lasted as long (`history_frame` then needs `pid`). Without
    it (a child new to the store's history is `previous` with no rows, not None) those levels are
    skipped.
    """
    now = pd.Timestamp(now)
    past = history_frame[history_frame["reported_at"] <= now]
    if "rid" in episode and "rid" in past.columns:
        keep = (past["rid"] != episode["rid"]).to_numpy()
    else:
        keep = np.ones(len(past), dtype=bool)
    with_history = previous is not None
    spells = durations(past, now)
    # History is worked out with the episode itself still in the frame: a later episode of the
    # same child counts it among its earlier ones, as it was.
    context = episode_context(past, with_history=with_history)[keep]
    spells = spells[keep]
    usable = spells["hours"].notna().to_numpy()
    target = _target_context(episode, previous)
    levels = GUIDANCE_LEVELS if with_history else without_history()
    level, match = _similar(context, usable, target, min_similar, levels)
    chosen = spells[match]
    table = kaplan_meier(
        chosen["hours"].clip(lower=MIN_HOURS).to_numpy(), chosen["ended"].to_numpy(), hours
    )
    return WaitGuidance(level, int(match.sum()), int(chosen["ended"].sum()), table)


def _target_context(
    episode: Mapping[str, Any] | pd.Series, previous: pd.DataFrame | None
) -> pd.Series:
    """The new episode's context; with its previous behaviour when its history is given."""
    names = ("reported_at", "age", "missing_from_type", "risk_flags")
    fields = to_canonical(pd.DataFrame({k: [episode.get(k)] for k in names}))
    if previous is None:
        return episode_context(fields, with_history=False).iloc[0]
    earlier = previous[previous["reported_at"] < fields["reported_at"].iloc[0]]
    columns = [c for c in ("reported_at", "found_at", "found_by") if c in earlier.columns]
    own = pd.concat(
        [earlier[columns].assign(pid=TARGET), fields[["reported_at"]].assign(pid=TARGET)],
        ignore_index=True,
    )
    past = history(own).iloc[-1]
    context = episode_context(fields, with_history=False).iloc[0].copy()
    context["previous_band"] = band(pd.Series([past["previous_count"]]), PREVIOUS_BANDS).iloc[0]
    context["previous_duration_band"] = band(
        pd.Series([past["previous_hours"]]), PREVIOUS_DURATION_BANDS
    ).iloc[0]
    return context


def _similar(
    context: pd.DataFrame,
    usable: np.ndarray,
    target: pd.Series,
    min_similar: int,
    levels: tuple[tuple[str, ...], ...] = GUIDANCE_LEVELS,
) -> tuple[tuple[str, ...], np.ndarray]:
    """The narrowest of `levels` with `min_similar` usable matches, and the matches."""
    for level in levels:
        match = usable.copy()
        for column in level:
            match &= (context[column] == target[column]).to_numpy(dtype=bool)
        if match.sum() >= min_similar or not level:
            return level, match
    raise AssertionError("unreachable: the last level matches every usable episode")


def evaluate_wait_guidance(
    frame: pd.DataFrame,
    test_from: pd.Timestamp,
    now: pd.Timestamp | None = None,
    min_similar: int = 30,
    hours: tuple[float, ...] = GUIDANCE_HOURS,
) -> pd.DataFrame:
    """Check the triage guidance on later episodes: what it said against what happened.

    Each episode reported from `test_from` gets the guidance computed from the episodes before
    `test_from` (their later returns censored there), exactly as `wait_guidance` would have given
    it with the child's own earlier episodes (as triage passes them). Per hour: the mean guidance
    share ended and the Kaplan-Meier share observed, overall and by the level of similarity the
    guidance used.
    """
    test_from = pd.Timestamp(test_from)
    before = frame[frame["reported_at"] < test_from]
    spells = durations(before, test_from)
    context = episode_context(before)
    usable = spells["hours"].notna().to_numpy()
    test = survival_frame(frame[frame["reported_at"] >= test_from], now, episode_context(frame))
    key = list(GUIDANCE_LEVELS[0])
    predicted = np.empty((len(test), len(hours)))
    used = np.empty(len(test), dtype=object)
    for values, rows in test.groupby(key, observed=True).indices.items():
        level, match = _similar(context, usable, pd.Series(values, index=key), min_similar)
        chosen = spells[match]
        predicted[rows] = kaplan_meier(
            chosen["hours"].clip(lower=MIN_HOURS).to_numpy(), chosen["ended"].to_numpy(), hours
        )["share_ended"].to_numpy()
        used[rows] = " + ".join(level) or "all episodes"
    out = []
    for label, members in [("all", np.ones(len(test), dtype=bool))] + [
        (f"matched on {u}", used == u) for u in sorted(set(used))
    ]:
        observed = kaplan_meier(
            test["hours"].to_numpy()[members], test["ended"].to_numpy()[members], hours
        )
        out.append(
            observed.assign(
                group=label, episodes=int(members.sum()), guidance=predicted[members].mean(axis=0)
            )
        )
    return pd.concat(out, ignore_index=True)[
        ["group", "episodes", "hours", "guidance", "share_ended", "lower", "upper"]
    ]


class TimeToReturnModel:
    """Cox proportional hazards model of time to return on the episode context.

    A higher hazard means a quicker return. Fit on `survival_frame(...)` output.
    """

    def __init__(self, penalizer: float = 0.01):
        self.penalizer = penalizer

    def _design(self, episodes: pd.DataFrame) -> pd.DataFrame:
        dummies = pd.get_dummies(episodes[list(CATEGORICAL)].astype(object), dtype=float)
        design = pd.concat([dummies, episodes[list(FLAGS)].astype(float)], axis=1)
        if hasattr(self, "columns_"):
            design = design.reindex(columns=self.columns_, fill_value=0.0)
        return design

    def fit(self, episodes: pd.DataFrame) -> TimeToReturnModel:
        from lifelines import CoxPHFitter

        missing = {"hours", "ended", *CATEGORICAL, *FLAGS} - set(episodes.columns)
        if missing:
            raise ValueError(f"episodes lack columns {sorted(missing)}: use survival_frame()")
        if episodes["ended"].sum() < 10:
            raise ValueError(f"only {int(episodes['ended'].sum())} ended episodes: too few to fit")
        design = self._design(episodes)
        # One reference level per categorical (the commonest) keeps the model identifiable.
        drop = [f"{c}_{episodes[c].astype(object).mode().iloc[0]}" for c in CATEGORICAL]
        design = design.drop(columns=drop)
        # A context value seen in under MIN_LEVEL episodes cannot be estimated: it joins the
        # reference level.
        design = design.loc[:, (design.sum() >= MIN_LEVEL) & (design.std() > 0)]
        self.columns_ = list(design.columns)
        self.cox_ = CoxPHFitter(penalizer=self.penalizer)
        data = design.assign(hours=episodes["hours"].to_numpy(), ended=episodes["ended"].to_numpy())
        self.cox_.fit(data, duration_col="hours", event_col="ended")
        return self

    @property
    def summary(self) -> pd.DataFrame:
        """Hazard ratio of returning per context value against its reference, with 95% interval."""
        s = self.cox_.summary
        return pd.DataFrame(
            {
                "hazard_ratio": s["exp(coef)"],
                "lower": s["exp(coef) lower 95%"],
                "upper": s["exp(coef) upper 95%"],
                "p": s["p"],
            }
        )

    def predict_ended_by(
        self, episodes: pd.DataFrame, hours: tuple[float, ...] = CALIBRATION_HOURS
    ) -> pd.DataFrame:
        """Predicted probability that each episode has ended by each time (one column per time)."""
        surv = self.cox_.predict_survival_function(self._design(episodes), times=list(hours))
        return pd.DataFrame(
            (1 - surv.to_numpy()).T,
            index=episodes.index,
            columns=[f"ended_by_{h:g}h" for h in hours],
        )

    def concordance(self, episodes: pd.DataFrame) -> float:
        """Harrell's concordance on `episodes` (0.5 = chance), censoring handled."""
        from lifelines.utils import concordance_index

        risk = self.cox_.predict_partial_hazard(self._design(episodes)).to_numpy()
        return float(concordance_index(episodes["hours"], -risk, episodes["ended"]))


@dataclass(frozen=True)
class TimeToReturnEvaluation:
    """The Cox model fitted before a hold-out and checked on it."""

    model: TimeToReturnModel  # fitted on the episodes before the hold-out
    train_episodes: int
    test_episodes: int
    test_open: int  # hold-out episodes still open, censored
    concordance: float  # on the hold-out
    train_concordance: float
    calibration: pd.DataFrame  # group, hours, episodes, predicted, observed, lower, upper


def evaluate_time_to_return(
    frame: pd.DataFrame, test_from: pd.Timestamp, now: pd.Timestamp | None = None, groups: int = 5
) -> TimeToReturnEvaluation:
    """Fit on episodes reported before `test_from` (censored there), test on those after.

    Returns concordance on the test period, and calibration at 2/6/24 h: the mean predicted share
    ended against the Kaplan-Meier observed share, overall and per fifth of predicted speed.
    """
    test_from = pd.Timestamp(test_from)
    # Training sees only what was known at test_from: later returns are censored there.
    context = episode_context(frame)  # looks only backwards, so one pass serves both parts
    train = survival_frame(frame[frame["reported_at"] < test_from], test_from, context)
    test = survival_frame(frame[frame["reported_at"] >= test_from], now, context)
    if test.empty or train.empty:
        raise ValueError(
            f"hold-out from {test_from.date()}: {len(train):,} episodes before it and "
            f"{len(test):,} from it; both are needed"
        )
    model = TimeToReturnModel().fit(train)
    predicted = model.predict_ended_by(test, CALIBRATION_HOURS)
    rows = []
    speed = pd.qcut(predicted.iloc[:, 0].rank(method="first"), groups, labels=False)
    for label, members in [("all", np.ones(len(test), dtype=bool))] + [
        (f"fifth {g + 1}", (speed == g).to_numpy()) for g in range(groups)
    ]:
        observed = kaplan_meier(
            test["hours"].to_numpy()[members], test["ended"].to_numpy()[members], CALIBRATION_HOURS
        )
        for i, h in enumerate(CALIBRATION_HOURS):
            rows.append(
                {
                    "group": label,
                    "hours": h,
                    "episodes": int(members.sum()),
                    "predicted": float(predicted.iloc[members, i].mean()),
                    "observed": float(observed["share_ended"].iloc[i]),
                    "lower": float(observed["lower"].iloc[i]),
                    "upper": float(observed["upper"].iloc[i]),
                }
            )
    return TimeToReturnEvaluation(
        model=model,
        train_episodes=len(train),
        test_episodes=len(test),
        test_open=int((~test["ended"]).sum()),
        concordance=model.concordance(test),
        train_concordance=model.concordance(train),
        calibration=pd.DataFrame(rows),
    )


@dataclass(frozen=True)
class TimeToReturnSummary:
    """Time to return over a history: by context, the Cox model's hold-out check, the guidance's."""

    now: pd.Timestamp  # open episodes are censored here
    test_from: pd.Timestamp  # start of the hold-out
    episodes: int  # usable episodes
    open_episodes: int  # of which still open at `now`
    by_context: Mapping[str, pd.DataFrame]  # km_by_group per KM_CONTEXTS column (may be empty)
    evaluation: TimeToReturnEvaluation
    guidance: pd.DataFrame  # evaluate_wait_guidance on the same hold-out


def summarise_time_to_return(
    frame: pd.DataFrame, test_from: pd.Timestamp | None = None, now: pd.Timestamp | None = None
) -> TimeToReturnSummary:
    """Everything the time-to-return page shows.

    `now` defaults to the data's end, `test_from` to 1 January of the last report's year; a
    hold-out without episodes on either side raises ValueError.
    """
    now = data_end(frame) if now is None else pd.Timestamp(now)
    test_from = (
        pd.Timestamp(frame["reported_at"].max().year, 1, 1)
        if test_from is None
        else pd.Timestamp(test_from)
    )
    episodes = survival_frame(frame, now)
    return TimeToReturnSummary(
        now=now,
        test_from=test_from,
        episodes=len(episodes),
        open_episodes=int((~episodes["ended"]).sum()),
        by_context={c: km_by_group(episodes, c) for c in KM_CONTEXTS},
        evaluation=evaluate_time_to_return(frame, test_from, now),
        guidance=evaluate_wait_guidance(frame, test_from, now),
    )
