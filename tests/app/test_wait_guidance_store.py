"""Wait guidance on triage, from the store's synthetic history, against lifelines' Kaplan-Meier."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from misper.app.access import Actor
from misper.app.agencies.models import Agency
from misper.app.interchange.service import import_frame
from misper.app.triage import service as triage
from misper.app.users.models import Role, User
from misper.insight.survival import (
    GUIDANCE_LEVELS,
    PREVIOUS_BANDS,
    PREVIOUS_DURATION_BANDS,
    episode_context,
)


@pytest.fixture(scope="module")
def synthetic():
    from misper.synth import generate

    return generate(incidents=600, seed=11).incidents


def _control_room(session) -> Actor:
    force = Agency(name="Hertfordshire Constabulary", kind="police")
    session.add(force)
    session.flush()
    user = User(
        username="control",
        display_name="control",
        role=Role.police_control_room.value,
        agency_id=force.id,
        password_hash="x",
        created_at=datetime(2024, 1, 1),
    )
    session.add(user)
    session.flush()
    return Actor(user.id, user.username, Role.police_control_room, force.id, "police")


def _lifelines_share(hours: np.ndarray, ended: np.ndarray, at: float) -> tuple[float, float, float]:
    from lifelines import KaplanMeierFitter

    fit = KaplanMeierFitter().fit(hours, ended)
    survival = float(fit.survival_function_at_times(at).iloc[0])
    band = fit.confidence_interval_survival_function_
    row = band[band.index <= at].iloc[-1]
    return 1 - survival, 1 - float(row.iloc[1]), 1 - float(row.iloc[0])


def _band(values: pd.Series, bands) -> pd.Series:
    labels = pd.Series("unknown", index=values.index, dtype=object)
    for edge, label in bands:
        labels[values >= edge] = label
    return labels


def _previous_behaviour(frame: pd.DataFrame) -> pd.DataFrame:
    """How many earlier episodes each child had, and how long the last lasted if it had ended."""
    ordered = frame.sort_values(["pid", "reported_at"], kind="stable")
    by_child = ordered.groupby("pid", sort=False)
    count = by_child.cumcount()
    before_found, before_reported = by_child["found_at"].shift(), by_child["reported_at"].shift()
    last = ((before_found - before_reported) / pd.Timedelta(hours=1)).where(
        before_found <= ordered["reported_at"]
    )
    last = last.where(last >= 0)
    return pd.DataFrame(
        {
            "previous_band": _band(count, PREVIOUS_BANDS),
            "previous_duration_band": _band(last, PREVIOUS_DURATION_BANDS),
        },
        index=ordered.index,
    ).loc[frame.index]


# Where the target lies in the data and how many similar episodes are needed: a repeat child whose
# guidance falls back to broad groups, a first-timer matched on previous behaviour, and a repeat
# child matched on it (one earlier episode, and its length).
@pytest.mark.parametrize(
    "position, min_similar, narrowest", [(-40, 30, False), (-100, 30, True), (-10, 10, True)]
)
def test_triage_guidance_matches_lifelines_and_says_how_many_it_rests_on(
    sessions, synthetic, position, min_similar, narrowest
):
    session = sessions()
    actor = _control_room(session)
    import_frame(session, actor, synthetic, actor.agency_id)
    session.flush()
    frame = synthetic[synthetic["record_type"] == "missing_report"].sort_values("reported_at")
    target = frame.iloc[position]  # late in the data: a long history to compare with
    now = target["reported_at"]
    view = triage.triage(
        session, actor, target["rid"], now=now.to_pydatetime(), min_similar=min_similar
    )
    guidance = view.guidance

    # The independent computation: from the generator's frame, not the store's export, with the
    # children's previous behaviour worked out here by shifting each child's episodes.
    known = synthetic[synthetic["reported_at"] <= now]
    past = known[known["rid"] != target["rid"]]
    found = past["found_at"]
    ended = found.notna() & (found <= now)
    hours = (found.where(ended, now) - past["reported_at"]) / pd.Timedelta(hours=1)
    context = episode_context(past, with_history=False).join(_previous_behaviour(known))
    mine = episode_context(synthetic.loc[[target.name]], with_history=False).iloc[0]
    mine = pd.concat([mine, _previous_behaviour(known).loc[target.name]])

    def matches(level):
        keep = hours.notna() & (hours >= 0)
        for column in level:
            keep &= context[column] == mine[column]
        return keep

    match = matches(guidance.matched_on)
    assert guidance.similar == int(match.sum()) and guidance.ended == int(ended[match].sum())
    assert guidance.similar >= min_similar or guidance.matched_on == ()
    assert (guidance.matched_on == GUIDANCE_LEVELS[0]) is narrowest
    # It chose the narrowest group with enough episodes: every narrower one had too few.
    for level in GUIDANCE_LEVELS[: GUIDANCE_LEVELS.index(guidance.matched_on)]:
        assert matches(level).sum() < min_similar
    h = hours[match].clip(lower=1 / 60).to_numpy()
    for row in guidance.table.itertuples():
        share, lower, upper = _lifelines_share(h, ended[match].to_numpy(), row.hours)
        assert row.share_ended == pytest.approx(share, abs=1e-9)
        assert row.lower == pytest.approx(lower, abs=1e-6)
        assert row.upper == pytest.approx(upper, abs=1e-6)
    # The history shown beside it counts the child's own earlier episodes.
    own = synthetic[(synthetic["pid"] == target["pid"]) & (synthetic["reported_at"] < now)]
    assert view.history.count == len(own)
    session.rollback()
    session.close()
