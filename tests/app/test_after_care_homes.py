"""Care-home feedback on hand-made cases at their edges: 2 hours by own return, resident-months,
interviews within 72 hours; and the frequently missing list's 90-day and year windows."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from misper.app.dashboards import service as dash
from misper.app.episodes.closing import close_episode
from misper.app.interviews import return_home
from misper.app.placements.models import Placement

START, END = datetime(2024, 3, 1), datetime(2024, 5, 1)  # 61 days


def closed(session, world, rid, reported, after, how):
    world.episode(session, "away", reported, rid=rid)
    return close_episode(
        session,
        world.actors["mispers"],
        rid,
        1,
        {"found_at": reported + after, "found_how": how},
        [],
        [],
    )


def test_care_home_figures_at_their_edges(store):
    session, world = store
    day = datetime(2024, 3, 10, 20)
    closed(session, world, "e1", day, timedelta(hours=1, minutes=59), "returned_self")  # counts
    closed(
        session, world, "e2", day + timedelta(days=1), timedelta(hours=2), "returned_self"
    )  # counts
    closed(
        session,
        world,
        "e3",
        day + timedelta(days=2),
        timedelta(hours=2, minutes=1),
        "returned_self",
    )  # too long
    closed(session, world, "e4", day + timedelta(days=3), timedelta(hours=1), "police_targeted")
    world.episode(session, "away", datetime(2024, 5, 1), rid="outside")  # the period excludes it
    # A second resident for half the period: 61 + 30 resident-days.
    session.add(
        Placement(
            child_id=world.children["local"].id,
            home_id=world.home.id,
            placing_council_id=world.agencies["placing"].id,
            start_date=date(2024, 3, 1),
            end_date=date(2024, 3, 30),
        )
    )
    session.flush()
    coord = world.actors["coord.placing"]
    rhis = {r["rid"]: r["id"] for r in return_home.list_with_clock(session, coord, END)}
    for rid, hours in (("e1", 71), ("e2", 73)):  # one on time, one late; e3, e4 never done
        found = {
            "e1": day + timedelta(hours=1, minutes=59),
            "e2": day + timedelta(days=1, hours=2),
        }[rid]
        return_home.record(
            session,
            coord,
            rhis[rid],
            1,
            {"offered": True, "accepted": True, "completed_at": found + timedelta(hours=hours)},
            None,
            None,
            END,
        )
    [row] = dash.care_home_feedback(session, world.actors["mispers"], START, END).to_dict("records")
    assert row["episodes"] == 4
    assert row["short_own_return_share"] == 0.5
    assert row["resident_months"] == round(91 / (365.25 / 12), 1)
    assert row["episodes_per_resident_month"] == round(4 / (91 / (365.25 / 12)), 2)
    assert (row["interviews"], row["interviews_on_time_share"]) == (4, 0.25)
    assert row["profile_completeness"] == 0.0  # the one current resident has no profile


def test_care_staff_of_another_provider_see_no_home(store):
    session, world = store
    assert dash.care_home_feedback(session, world.actors["care"], START, END)["home"].tolist() == [
        "Oak House"
    ]
    assert dash.care_home_feedback(session, world.actors["other.force"], START, END).empty


@pytest.mark.parametrize("days_ago, in_90", [(89, 3), (91, 2)])
def test_frequently_missing_windows(store, days_ago, in_90):
    session, world = store
    now = datetime(2024, 12, 31, 12)
    for k, ago in enumerate((days_ago, 30, 1, 400)):
        world.episode(session, "away", now - timedelta(days=ago), rid=f"e{k}")
    frame = dash.scoped_frame(session, world.actors["mispers"])
    [row] = dash.frequently_missing(frame, now, {"P-away": "MARM referred"}).to_dict("records")
    assert (row["last_90_days"], row["last_year"], row["escalation"]) == (in_90, 3, "MARM referred")
