"""Closing an episode, the return home interview it creates, its 72-hour clock at the edges,
overdue notifications (once each), the host council taking it on, findings and sharing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from misper.app.episodes.closing import close_episode, distance_miles
from misper.app.errors import Conflict, Invalid, NotFound
from misper.app.interviews import return_home
from misper.app.interviews.models import ReturnHomeInterview
from misper.app.notifications.models import Notification

FOUND = datetime(2024, 3, 2, 10, 0)


def notes(session, agency) -> list[str]:
    return list(
        session.scalars(
            select(Notification.subject)
            .where(Notification.agency_id == agency.id)
            .order_by(Notification.id)
        )
    )


def close(session, world, rid, found_at=FOUND, **found):
    return close_episode(
        session,
        world.actors["mispers"],
        rid,
        1,
        {"found_at": found_at, "found_by": "police", "found_how": "police_targeted", **found},
        [],
        [],
    )


def test_closing_creates_the_interview_for_the_placing_council_with_the_clock(store):
    session, world = store
    world.episode(session, "away", datetime(2024, 3, 1, 22), rid="e1")
    episode, pid, rhi, referral = close(session, world, "e1", found_postcode_sector="SG1 1")
    [row] = return_home.list_with_clock(session, world.actors["coord.placing"], FOUND)
    assert (row["id"], row["council_id"], row["out_of_area"]) == (
        rhi.id,
        world.agencies["placing"].id,
        True,
    )
    assert row["due_at"] == FOUND + timedelta(hours=72)
    assert row["state"] == "due"
    assert episode.distance_miles == distance_miles("AL1 3", "SG1 1") > 5  # St Albans to Stevenage
    assert referral is None
    assert any("due by 05 Mar 2024 10:00" in s for s in notes(session, world.agencies["placing"]))
    assert any("take on by agreement" in s for s in notes(session, world.agencies["host"]))


def test_a_child_not_placed_is_owed_by_its_responsible_council_not_out_of_area(store):
    session, world = store
    world.episode(session, "local", datetime(2024, 3, 1, 22), rid="e1")
    close(session, world, "e1")
    [row] = return_home.list_with_clock(session, world.actors["coord.placing"], FOUND)
    assert (row["council_id"], row["out_of_area"]) == (world.agencies["placing"].id, False)
    assert notes(session, world.agencies["host"]) == []


def test_closing_twice_or_without_found_time_is_refused(store):
    session, world = store
    world.episode(session, "away", datetime(2024, 3, 1, 22), rid="e1")
    with pytest.raises(Invalid):
        close_episode(session, world.actors["mispers"], "e1", 1, {}, [], [])
    close(session, world, "e1")
    with pytest.raises(Conflict):
        close_episode(session, world.actors["mispers"], "e1", 2, {"found_at": FOUND}, [], [])


def test_another_force_cannot_close_it(store):
    session, world = store
    world.episode(session, "away", datetime(2024, 3, 1, 22), rid="e1")
    with pytest.raises(NotFound):
        close_episode(session, world.actors["other.force"], "e1", 1, {"found_at": FOUND}, [], [])


@pytest.mark.parametrize(
    "after, raised",
    [
        (timedelta(hours=71, minutes=59), 0),
        (timedelta(hours=72), 0),
        (timedelta(hours=72, minutes=1), 1),
    ],
)
def test_overdue_at_the_edge_of_72_hours(store, after, raised):
    session, world = store
    world.episode(session, "away", datetime(2024, 3, 1, 22), rid="e1")
    close(session, world, "e1")
    assert return_home.raise_overdue(session, FOUND + after) == raised
    overdue = [s for s in notes(session, world.agencies["placing"]) if "overdue" in s]
    assert len(overdue) == raised


def test_overdue_is_notified_once_to_council_and_provider(store):
    session, world = store
    world.episode(session, "away", datetime(2024, 3, 1, 22), rid="e1")
    _, _, rhi, _ = close(session, world, "e1")
    return_home.arrange(
        session,
        world.actors["coord.placing"],
        rhi.id,
        "independent_provider",
        world.agencies["rhi"].id,
        None,
    )
    late = FOUND + timedelta(hours=80)
    assert return_home.raise_overdue(session, late) == 1
    assert return_home.raise_overdue(session, late + timedelta(days=1)) == 0
    for agency in ("placing", "rhi"):
        assert len([s for s in notes(session, world.agencies[agency]) if "overdue" in s]) == 1
    [row] = return_home.list_with_clock(session, world.actors["rhi"], late, "overdue")
    assert row["id"] == rhi.id


def test_completed_or_declined_interviews_are_never_overdue(store):
    session, world = store
    coord = world.actors["coord.placing"]
    for rid in ("e1", "e2"):
        world.episode(
            session, "away" if rid == "e1" else "local", datetime(2024, 3, 1, 22), rid=rid
        )
        close(session, world, rid)
    done, declined = session.scalars(select(ReturnHomeInterview).order_by(ReturnHomeInterview.id))
    return_home.record(
        session,
        coord,
        done.id,
        1,
        {"offered": True, "accepted": True, "completed_at": FOUND + timedelta(hours=10)},
        None,
        None,
        FOUND + timedelta(hours=11),
    )
    return_home.record(
        session,
        coord,
        declined.id,
        1,
        {"offered": True, "accepted": False},
        None,
        None,
        FOUND + timedelta(hours=11),
    )
    assert return_home.raise_overdue(session, FOUND + timedelta(days=5)) == 0
    states = {
        r["id"]: r["state"]
        for r in return_home.list_with_clock(session, coord, FOUND + timedelta(days=5))
    }
    assert states == {done.id: "completed_on_time", declined.id: "declined"}


@pytest.mark.parametrize(
    "after, expected",
    [
        (timedelta(hours=72), "completed_on_time"),
        (timedelta(hours=72, minutes=1), "completed_late"),
    ],
)
def test_completion_on_the_edge(store, after, expected):
    session, world = store
    world.episode(session, "away", datetime(2024, 3, 1, 22), rid="e1")
    _, _, rhi, _ = close(session, world, "e1")
    return_home.record(
        session,
        world.actors["coord.placing"],
        rhi.id,
        1,
        {"offered": True, "accepted": True, "completed_at": FOUND + after},
        None,
        None,
        FOUND + timedelta(days=4),
    )
    assert (
        return_home.read(session, world.actors["coord.placing"], rhi.id, FOUND + timedelta(days=4))[
            "state"
        ]
        == expected
    )


def test_the_order_of_the_process_is_kept(store):
    session, world = store
    coord = world.actors["coord.placing"]
    world.episode(session, "away", datetime(2024, 3, 1, 22), rid="e1")
    _, _, rhi, _ = close(session, world, "e1")
    with pytest.raises(Invalid, match="offered before"):
        return_home.record(session, coord, rhi.id, 1, {"accepted": True}, None, None, FOUND)
    session.rollback()


def test_completion_before_the_child_was_found_is_refused(store):
    session, world = store
    world.episode(session, "away", datetime(2024, 3, 1, 22), rid="e1")
    _, _, rhi, _ = close(session, world, "e1")
    with pytest.raises(Invalid) as caught:
        return_home.record(
            session,
            world.actors["coord.placing"],
            rhi.id,
            1,
            {"offered": True, "accepted": True, "completed_at": FOUND - timedelta(minutes=1)},
            None,
            None,
            FOUND + timedelta(days=1),
        )
    assert caught.value.fields[0]["field"] == "completed_at"


def test_host_council_takes_it_on_by_recorded_agreement(store):
    session, world = store
    world.episode(session, "away", datetime(2024, 3, 1, 22), rid="e1")
    _, _, rhi, _ = close(session, world, "e1")
    host, placing = world.actors["coord.host"], world.actors["coord.placing"]
    with pytest.raises(Conflict):  # the host may not act before it has agreed to take it on
        return_home.arrange(session, host, rhi.id, "social_worker", None, "J. Smith")
    return_home.take_on(session, host, rhi.id, "Agreed by phone with Placing's coordinator")
    row = return_home.read(session, host, rhi.id, FOUND)
    assert row["council_id"] == world.agencies["host"].id
    assert row["host_agreement"].startswith("Agreed by phone")
    assert any("taken on by the host" in s for s in notes(session, world.agencies["placing"]))
    with pytest.raises(Conflict):  # and the placing council no longer owes it
        return_home.arrange(session, placing, rhi.id, "social_worker", None, "A. Jones")
    return_home.arrange(session, host, rhi.id, "social_worker", None, "J. Smith")
    assert return_home.read(session, host, rhi.id, FOUND)["interviewer_kind"] == "social_worker"


def test_findings_reach_the_police_only_as_ticked_and_feed_the_episode(store):
    session, world = store
    world.episode(session, "away", datetime(2024, 3, 1, 22), rid="e1")
    episode, _, rhi, _ = close(session, world, "e1")
    coord, police = world.actors["coord.placing"], world.actors["mispers"]
    return_home.arrange(
        session, coord, rhi.id, "independent_provider", world.agencies["rhi"].id, None
    )
    worker = world.actors["rhi"]
    findings = {
        "reason_codes": ["friends_partner"],
        "who_with": ["older boyfriend"],
        "where": ["SG1 1"],
        "exploitation_indicators": ["cse"],
        "free_text": "private",
    }
    return_home.record(
        session,
        worker,
        rhi.id,
        2,
        {"offered": True, "accepted": True, "completed_at": FOUND + timedelta(hours=30)},
        findings,
        None,
        FOUND + timedelta(hours=31),
    )
    with pytest.raises(NotFound):  # nothing shared yet: the police do not see it at all
        return_home.read(session, police, rhi.id, FOUND)
    return_home.record(
        session,
        worker,
        rhi.id,
        3,
        {},
        None,
        ["reason_codes", "exploitation_indicators"],
        FOUND + timedelta(hours=32),
    )
    seen = return_home.read(session, police, rhi.id, FOUND + timedelta(hours=32))["findings"]
    assert seen == {
        "shared": ["reason_codes", "exploitation_indicators"],
        "reason_codes": ["friends_partner"],
        "who_with": None,
        "where": None,
        "exploitation_indicators": ["cse"],
        "free_text": None,
    }
    assert return_home.read(session, coord, rhi.id, FOUND)["findings"]["free_text"] == "private"
    session.refresh(episode)
    assert episode.reason_codes == ["friends_partner"] and episode.risk_flags == ["cse"]
    assert any("shared with the police" in s for s in notes(session, world.agencies["force"]))
