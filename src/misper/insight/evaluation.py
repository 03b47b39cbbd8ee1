"""Did it work: interrupted time series of incidents around a change in practice, with a comparison.

Method: segmented quasi-Poisson regression (Bernal, Cummins & Gasparrini 2017) of counts per week or
month on time, a level step and a trend change at the intervention, and two Fourier pairs for the
season, with the days in each period as exposure. With a comparison group the model becomes a
difference in differences: a fixed effect per period (which absorbs season and shared shocks), one
per group, and the step and trend change of the treated group only (fitted as the equivalent
logistic model of the treated group's share of each period's incidents).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from misper.incidents.schema import MISSING_FROM_TYPES

FREQUENCIES = {"week": "W-SUN", "month": "M"}
HARMONICS = 2


def select_group(frame: pd.DataFrame, group: str) -> pd.Series:
    """Rows of a group named as a missing_from_type (`care_home`, `home`, ...) or `place:ID`."""
    if group.startswith("place:"):
        if "missing_from_place_id" not in frame.columns:
            raise ValueError("group place:... needs the column missing_from_place_id, absent here")
        return (frame["missing_from_place_id"] == group.removeprefix("place:")).fillna(False)
    if group not in MISSING_FROM_TYPES:
        raise ValueError(
            f"group {group!r}: expected one of {', '.join(MISSING_FROM_TYPES)} or place:ID"
        )
    return (frame["missing_from_type"] == group).fillna(False).astype(bool)


def incident_counts(
    frame: pd.DataFrame,
    freq: str = "week",
    rows: pd.Series | None = None,
    span: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> pd.DataFrame:
    """Incidents per whole week (Monday-Sunday) or calendar month inside the data's span.

    Periods cut by the start or end of the data are left out: a half week would look like a drop.
    Returns columns `start`, `days`, `incidents`.
    """
    if freq not in FREQUENCIES:
        raise ValueError(f"freq {freq!r}: expected one of {', '.join(FREQUENCIES)}")
    first, last = span or (frame["reported_at"].min(), frame["reported_at"].max())
    periods = pd.period_range(first, last, freq=FREQUENCIES[freq])
    whole = periods[
        (periods.start_time >= first.normalize())
        & (periods.end_time <= last.normalize() + pd.Timedelta(days=1))
    ]
    chosen = frame["reported_at"] if rows is None else frame.loc[rows.to_numpy(), "reported_at"]
    counts = chosen.dt.to_period(FREQUENCIES[freq]).value_counts()
    return pd.DataFrame(
        {
            "start": whole.start_time,
            "days": ((whole.end_time - whole.start_time).days + 1).astype(float),
            "incidents": counts.reindex(whole, fill_value=0).to_numpy(),
        }
    )


def _season(start: pd.Series) -> pd.DataFrame:
    angle = 2 * np.pi * start.dt.dayofyear.to_numpy() / 365.25
    return pd.DataFrame(
        {
            f"{fn.__name__}{k}": fn(k * angle)
            for k in range(1, HARMONICS + 1)
            for fn in (np.sin, np.cos)
        }
    )


class InterruptedTimeSeries:
    """Level and trend change of incident rates at `intervention`, optionally against another."""

    def __init__(self, intervention: str | pd.Timestamp, confidence: float = 0.95):
        self.intervention = intervention
        self.confidence = confidence

    def fit(
        self, counts: pd.DataFrame, comparison: pd.DataFrame | None = None
    ) -> InterruptedTimeSeries:
        import statsmodels.api as sm

        when = pd.Timestamp(self.intervention)
        post = (counts["start"] >= when).to_numpy()
        if post.sum() < 3 or (~post).sum() < 3:
            raise ValueError(
                f"intervention {when.date()}: need at least 3 periods on each side, "
                f"have {(~post).sum()} before and {post.sum()} after"
            )
        years = ((counts["start"] - counts["start"].iloc[0]).dt.days / 365.25).to_numpy()
        after = np.where(post, (counts["start"] - when).dt.days / 365.25, 0.0)
        design = pd.DataFrame({"level_change": post.astype(float), "trend_change": after})
        if comparison is None:
            design = pd.concat(
                [pd.DataFrame({"const": 1.0, "trend": years}), _season(counts["start"]), design],
                axis=1,
            )
            model = sm.GLM(
                counts["incidents"].to_numpy(),
                design,
                family=sm.families.Poisson(),
                exposure=counts["days"].to_numpy(),
            )
        else:
            if (
                not comparison["start"]
                .reset_index(drop=True)
                .equals(counts["start"].reset_index(drop=True))
            ):
                raise ValueError("the comparison series must cover the same periods")
            # Poisson with a fixed effect per period is, conditioning on each period's total, a
            # logistic model of the treated share: same estimates, three parameters instead of
            # one per period.
            design.insert(0, "treated", 1.0)
            shares = np.column_stack([counts["incidents"], comparison["incidents"]])
            model = sm.GLM(shares, design, family=sm.families.Binomial())
        # Quasi-likelihood: the scale is the Pearson chi-square over its degrees of freedom,
        # widening the intervals for the overdispersion repeat children cause; t intervals for few
        # periods. (statsmodels' scale="X2" is wrong for two-column binomial counts: done by hand.)
        first = model.fit()
        self.result_ = model.fit(scale=first.pearson_chi2 / first.df_resid, use_t=True)
        self.design_ = design
        self.counts_ = counts.reset_index(drop=True)
        self.comparison_ = None if comparison is None else comparison.reset_index(drop=True)
        self.dispersion_ = float(self.result_.scale)
        # Children's bursts make neighbouring periods alike; the intervals assume they are not, so
        # the lag-1 autocorrelation of the residuals is reported for the analyst to judge.
        residuals = np.asarray(self.result_.resid_pearson)
        self.autocorrelation_ = float(np.corrcoef(residuals[:-1], residuals[1:])[0, 1])
        alpha = 1 - self.confidence
        ci = self.result_.conf_int(alpha)
        self.effects_ = pd.DataFrame(
            {
                "rate_ratio": np.exp(self.result_.params[["level_change", "trend_change"]]),
                "lower": np.exp(ci.loc[["level_change", "trend_change"], 0]),
                "upper": np.exp(ci.loc[["level_change", "trend_change"], 1]),
                "p": self.result_.pvalues[["level_change", "trend_change"]],
            }
        )
        self.effects_.index = ["level change at the intervention", "trend change per year after"]
        return self

    @property
    def summary(self) -> pd.DataFrame:
        return self.effects_

    @property
    def counterfactual_(self) -> pd.DataFrame:
        """Per period of the studied group: observed, fitted, and expected had nothing changed."""
        without = self.design_.assign(level_change=0.0, trend_change=0.0)
        if self.comparison_ is None:
            exposure = self.counts_["days"].to_numpy()
            fitted = self.result_.predict(self.design_, exposure=exposure)
            expected = self.result_.predict(without, exposure=exposure)
        else:
            # The period effect's estimate is total * (1 - share): the comparison's expected count.
            share = np.asarray(self.result_.predict(self.design_))
            share0 = np.asarray(self.result_.predict(without))
            total = (self.counts_["incidents"] + self.comparison_["incidents"]).to_numpy()
            fitted = total * share
            expected = total * (1 - share) * share0 / (1 - share0)
        return pd.DataFrame(
            {
                "start": self.counts_["start"],
                "observed": self.counts_["incidents"],
                "fitted": np.asarray(fitted),
                "counterfactual": np.asarray(expected),
            }
        )

    @property
    def post_change_(self) -> float:
        """Relative change of the fitted total after the intervention against the counterfactual."""
        c = self.counterfactual_
        after = c["start"] >= pd.Timestamp(self.intervention)
        return float(c.loc[after, "fitted"].sum() / c.loc[after, "counterfactual"].sum() - 1)


def evaluate_intervention(
    frame: pd.DataFrame,
    intervention: str | pd.Timestamp,
    group: str | None = None,
    comparison: str | None = None,
    freq: str = "week",
) -> InterruptedTimeSeries:
    """The interrupted time series of `group` (all incidents if None), against any `comparison`."""
    span = (frame["reported_at"].min(), frame["reported_at"].max())
    rows = None if group is None else select_group(frame, group)
    counts = incident_counts(frame, freq, rows, span)
    control = None
    if comparison is not None:
        others = select_group(frame, comparison)
        both = int((others & (True if rows is None else rows)).sum())
        if both:
            raise ValueError(
                f"the comparison {comparison!r} shares {both:,} incidents with the "
                f"group {group or 'all incidents'!r}: they must be apart"
            )
        control = incident_counts(frame, freq, others, span)
    return InterruptedTimeSeries(intervention).fit(counts, control)
