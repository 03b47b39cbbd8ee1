"""Repeat early warning: the chance that a child has at least K more episodes within D days.

Features are only what was known when the episode was reported (see `features`); the label counts
the same child's later reports. A logistic regression on standardised features keeps each
prediction explainable: the reasons given are the features that pushed that child's score up most.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from misper.analysis.lists import indicator
from misper.incidents.schema import BY_NAME, REASON_CODES, RISK_FLAGS
from misper.insight.episodes import count_after, count_before, history, nonempty

WINDOWS_DAYS = (30, 90, 365)
IN_CARE = ("full_care", "accommodated")
PRECISION_SHARES = (0.05, 0.10)


def _one_hot(frame: pd.DataFrame, column: str, label: str) -> pd.DataFrame:
    values = frame[column].astype("string").fillna("unknown")
    return pd.DataFrame(
        {
            f"{label}: {v}": (values == v).to_numpy(dtype=float)
            for v in BY_NAME[column].values
            if v != "unknown"
        },
        index=frame.index,
    )


def _multi_hot(
    frame: pd.DataFrame, column: str, values: tuple[str, ...], label: str
) -> pd.DataFrame:
    matrix, _ = indicator(frame[column], values)
    return pd.DataFrame(
        matrix.astype(float), columns=[f"{label}: {v}" for v in values], index=frame.index
    )


def _earlier_with(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Per episode, how many of the child's earlier episodes had a non-empty list in `column`."""
    order = np.lexsort((frame["reported_at"].to_numpy(), pd.factorize(frame["pid"])[0]))
    ordered = frame.iloc[order]
    marked = nonempty(ordered[column]).astype(float)
    earlier = marked.groupby(ordered["pid"].to_numpy()).cumsum() - marked
    return np.asarray(earlier.loc[frame.index], dtype=float)


def features(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Feature table (one row per episode, same index) and the optional columns skipped, and why."""
    if frame["age"].isna().any():
        raise ValueError(
            f"age is empty in {int(frame['age'].isna().sum())} incidents (a required "
            "column): load the file through misper.incidents.load to find them"
        )
    past = history(frame)
    out = {
        "older (age)": frame["age"].astype("float64"),
        "first episode": (past["previous_count"] == 0).astype(float),
        "many previous episodes (log count)": np.log1p(past["previous_count"].astype(float)),
        # Decays from 1 (previous episode just now) towards 0; 0 for a first episode.
        "recent previous episode": np.exp(-past["hours_since_previous"] / (24 * 30)).fillna(0),
        "previous episode still open": past["previous_open"].astype(float),
        "long previous episode (log hours)": np.log1p(past["previous_hours"].fillna(0)),
    }
    for days in WINDOWS_DAYS:
        out[f"episodes in previous {days} days"] = count_before(frame, days).astype(float)
    for who in ("self", "police", "parent_carer", "care_staff"):
        out[f"last found by: {who}"] = (past["previous_found_by"] == who).astype(float)
    table = [pd.DataFrame(out, index=frame.index), _one_hot(frame, "missing_from_type", "from")]
    skipped = {}
    optional: dict[str, Callable[[], pd.DataFrame]] = {
        "gender": lambda: _one_hot(frame, "gender", "gender"),
        "in_care": lambda: _one_hot(frame, "in_care", "in care"),
        "risk_flags": lambda: _multi_hot(frame, "risk_flags", RISK_FLAGS, "flag"),
        "reason_codes": lambda: _multi_hot(frame, "reason_codes", REASON_CODES, "reason"),
        "reason_vulnerability": lambda: pd.DataFrame(
            {"reason is a vulnerability": nonempty(frame["reason_vulnerability"]).astype(float)},
            index=frame.index,
        ),
        # Children going missing together is known when they are reported; associates named
        # later (e.g. where found) are only used from earlier episodes.
        "linked_rids": lambda: pd.DataFrame(
            {
                "missing with other children now": nonempty(frame["linked_rids"]).astype(float),
                "earlier episodes with other children": _earlier_with(frame, "linked_rids"),
            },
            index=frame.index,
        ),
        "associate_ids": lambda: pd.DataFrame(
            {"earlier episodes with associates named": _earlier_with(frame, "associate_ids")},
            index=frame.index,
        ),
    }
    for column, build in optional.items():
        if column in frame.columns:
            table.append(build())
        else:
            skipped[column] = f"column {column} absent from the input"
    return pd.concat(table, axis=1), skipped


def labels(frame: pd.DataFrame, k: int = 3, days: int = 90) -> pd.DataFrame:
    """`repeat`: at least `k` further episodes within `days`; `known`: the window ended in the data.

    The data's reports run to the last `reported_at`; a window reaching past it is not yet known.
    """
    later = count_after(frame, days)
    known = frame["reported_at"] + pd.Timedelta(days=days) <= frame["reported_at"].max()
    return pd.DataFrame(
        {"later": later, "repeat": later >= k, "known": known.to_numpy()}, index=frame.index
    )


class RepeatEarlyWarning:
    """Logistic regression of 'at least k more episodes within `days`' on the episode features."""

    def __init__(self, k: int = 3, days: int = 90, regularisation: float = 1.0):
        self.k = k
        self.days = days
        self.regularisation = regularisation

    def fit(self, x: pd.DataFrame, y: pd.Series) -> RepeatEarlyWarning:
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(y, dtype=bool)
        if y.all() or not y.any():
            raise ValueError("the training episodes need both outcomes (repeat and not)")
        self.features_ = list(x.columns)
        self.mean_ = x.mean().to_numpy()
        self.scale_ = x.std().replace(0, 1).to_numpy()
        self.model_ = LogisticRegression(C=self.regularisation, max_iter=2000)
        self.model_.fit((x.to_numpy() - self.mean_) / self.scale_, y)
        return self

    def _scaled(self, x: pd.DataFrame) -> np.ndarray:
        values = x.reindex(columns=self.features_, fill_value=0.0).to_numpy(dtype=float)
        return np.asarray((values - self.mean_) / self.scale_, dtype=float)

    def predict_proba(self, x: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.model_.predict_proba(self._scaled(x))[:, 1], dtype=float)

    def reasons(self, x: pd.DataFrame, top: int = 3) -> list[str]:
        """The features present or above average that raised each score most (highest first).

        A feature that raises a score by being absent (e.g. 'not a first episode') is left out: a
        reason must be something the child's record shows.
        """
        scaled = self._scaled(x)
        push = np.where(scaled > 0, scaled * self.model_.coef_[0], 0.0)
        names = np.array(self.features_)
        best = np.argsort(-push, axis=1)[:, :top]
        return ["; ".join(names[j] for j in row if push[i, j] > 0) for i, row in enumerate(best)]

    @property
    def summary(self) -> pd.DataFrame:
        """Odds ratio per standard deviation of each feature."""
        return pd.DataFrame(
            {"odds_ratio_per_sd": np.exp(self.model_.coef_[0])}, index=self.features_
        ).sort_values("odds_ratio_per_sd", ascending=False)


def precision_at(y: np.ndarray, score: np.ndarray, share: float) -> float:
    """Share with the outcome among the top `share` by score; ties at the cut count at the mean."""
    y = np.asarray(y, dtype=float)
    score = np.asarray(score, dtype=float)
    m = max(1, int(np.ceil(share * len(y))))
    cut = np.sort(score)[::-1][m - 1]
    above, tied = score > cut, score == cut
    return float((y[above].sum() + (m - above.sum()) * y[tied].mean()) / m)


def scores(y: np.ndarray, score: np.ndarray, probability: np.ndarray | None) -> dict[str, float]:
    """AUC, precision at the top 5% and 10%, and Brier score (of `probability`)."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    y = np.asarray(y, dtype=bool)
    out: dict[str, float] = {
        "episodes": len(y),
        "repeat": int(y.sum()),
        "auc": float(roc_auc_score(y, score)) if 0 < y.sum() < len(y) else float("nan"),
    }
    for share in PRECISION_SHARES:
        out[f"precision_top_{share:.0%}"] = precision_at(y, score, share)
    out["brier"] = (
        float(brier_score_loss(y, probability)) if probability is not None else float("nan")
    )
    return out


def _rate_by_value(train_values: pd.Series, train_y: np.ndarray, values: pd.Series) -> np.ndarray:
    """A baseline's probability: the training rate of the outcome at the same baseline value."""
    rates = pd.Series(train_y, dtype=float).groupby(train_values.to_numpy()).mean()
    return np.asarray(values.map(rates).fillna(float(np.mean(train_y))), dtype=float)


@dataclass(frozen=True)
class EarlyWarningEvaluation:
    """The model checked on a temporal split, against the baselines."""

    model: RepeatEarlyWarning  # trained on the episodes before the test period
    k: int
    days: int
    test_from: pd.Timestamp
    train_episodes: int
    test_episodes: int
    scores: pd.DataFrame  # one row per score (model, then each baseline): AUC, precision, Brier
    beaten_by: tuple[str, ...]  # the baselines with an AUC at least the model's
    skipped: Mapping[str, str]  # optional features or groupings left out, with why
    reliability: pd.DataFrame  # mean_predicted, observed per tenth of the test episodes
    by_group: pd.DataFrame  # scores per gender and ethnic appearance

    @property
    def verdict(self) -> str:
        if not self.beaten_by:
            return "The model beats both baselines on ROC AUC."
        return f"The model does NOT beat {', '.join(self.beaten_by)} on ROC AUC."


def evaluate_early_warning(
    frame: pd.DataFrame,
    k: int = 3,
    days: int = 90,
    test_from: pd.Timestamp | None = None,
    min_group: int = 10,
) -> EarlyWarningEvaluation:
    """Train on episodes whose label window closed before `test_from`, test on the rest.

    `test_from` defaults to 1 January of the year of the last report. Returns the model, a table of
    scores (model and the two baselines), the reliability curve, and scores per gender and ethnic
    appearance (groups with fewer than `min_group` repeat or non-repeat episodes are left out).
    """
    from sklearn.calibration import calibration_curve

    end = frame["reported_at"].max()
    test_from = pd.Timestamp(test_from) if test_from is not None else pd.Timestamp(end.year, 1, 1)
    x, skipped = features(frame)
    target = labels(frame, k, days)
    window = pd.Timedelta(days=days)
    train = (frame["reported_at"] + window < test_from).to_numpy()
    test = ((frame["reported_at"] >= test_from) & target["known"]).to_numpy()
    if test.sum() == 0:
        raise ValueError(
            f"no test episodes: none reported from {test_from.date()} with {days} days "
            f"of data after them (data ends {end.date()})"
        )
    y_train, y_test = target["repeat"].to_numpy()[train], target["repeat"].to_numpy()[test]
    model = RepeatEarlyWarning(k, days).fit(x[train], y_train)
    p = model.predict_proba(x[test])
    previous = pd.Series(history(frame)["previous_count"].clip(upper=20).to_numpy())
    in_care = (
        frame["in_care"].isin(IN_CARE).to_numpy().astype(float)
        if "in_care" in frame.columns
        else None
    )
    rows = {"model": scores(y_test, p, p)}
    rows["baseline: previous episodes"] = scores(
        y_test, previous[test].to_numpy(), _rate_by_value(previous[train], y_train, previous[test])
    )
    if in_care is not None:
        rows["baseline: in care"] = scores(
            y_test,
            in_care[test],
            _rate_by_value(pd.Series(in_care[train]), y_train, pd.Series(in_care[test])),
        )
    table = pd.DataFrame(rows).T
    observed, predicted = calibration_curve(y_test, p, n_bins=10, strategy="quantile")
    by_group: list[dict[str, object]] = []
    for column in ("gender", "ethnic_appearance"):
        if column not in frame.columns:
            skipped.setdefault(column, f"column {column} absent: no scores by {column}")
            continue
        values = frame[column].astype("string").fillna("unknown").to_numpy()[test]
        for value in sorted(set(values)):
            member = values == value
            positives = int(y_test[member].sum())
            if min(positives, int(member.sum()) - positives) < min_group:
                continue
            measured = scores(y_test[member], p[member], p[member])
            measured["previous_episodes_auc"] = scores(
                y_test[member], previous[test].to_numpy()[member], None
            )["auc"]
            if in_care is not None:
                measured["in_care_auc"] = scores(y_test[member], in_care[test][member], None)["auc"]
            baseline = max(measured["previous_episodes_auc"], measured.get("in_care_auc", 0.0))
            by_group.append(
                {
                    **measured,
                    "beats_baselines": bool(measured["auc"] > baseline),
                    "by": column,
                    "group": value,
                    "mean_predicted": float(p[member].mean()),
                    "observed_rate": positives / int(member.sum()),
                }
            )
    beaten_by = tuple(
        str(name) for name in table.index[1:] if table.loc["model", "auc"] <= table.loc[name, "auc"]
    )
    return EarlyWarningEvaluation(
        model=model,
        k=k,
        days=days,
        test_from=test_from,
        train_episodes=int(train.sum()),
        test_episodes=int(test.sum()),
        scores=table,
        beaten_by=beaten_by,
        skipped=skipped,
        reliability=pd.DataFrame({"mean_predicted": predicted, "observed": observed}),
        by_group=pd.DataFrame(by_group),
    )


def rank_children(
    frame: pd.DataFrame, k: int = 3, days: int = 90, top_reasons: int = 3, active_only: bool = True
) -> tuple[pd.DataFrame, RepeatEarlyWarning]:
    """Each child's chance of k more episodes in `days` from their latest episode, highest first.

    The model is trained on every episode whose window has closed; each child is scored at their
    most recent episode, with the reasons that raised the score most. With `active_only` only
    children whose latest episode is within `days` of the data's end are listed: for the others
    the window has passed and the answer is already known.
    """
    x, _ = features(frame)
    target = labels(frame, k, days)
    known = target["known"].to_numpy()
    model = RepeatEarlyWarning(k, days).fit(x[known], target["repeat"].to_numpy()[known])
    latest = frame.sort_values("reported_at").groupby("pid", observed=True).tail(1)
    if active_only:
        latest = latest[~target.loc[latest.index, "known"].to_numpy()]
    p = model.predict_proba(x.loc[latest.index])
    counts = frame.groupby("pid", observed=True).size()
    ranked = (
        pd.DataFrame(
            {
                "pid": latest["pid"].to_numpy(),
                "probability": p,
                "episodes": counts.reindex(latest["pid"]).to_numpy(),
                "latest_rid": latest["rid"].to_numpy(),
                "latest_reported_at": latest["reported_at"].to_numpy(),
                "reasons": model.reasons(x.loc[latest.index], top_reasons),
            }
        )
        .sort_values("probability", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    return ranked, model
