"""The control-room board and the home page's "Missing now": the board's order checked against an
order written out by hand on a small world, names only where a list may show them, and the home
page listing a child reported twice once."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.world import child_not_missing
from misper.app.dashboards.board import board
from misper.app.dashboards.work_queue import work_queue
from misper.app.episodes.models import ControlRoomDecision, Episode
from misper.app.users.models import Role

R = Role
NOW = datetime(2024, 6, 1, 12, 0)


def _open(session, world, rid, hours_ago, risk, *, review_in=None, child=None, **fields):
    """An open episode of force A, reported `hours_ago`; `review_in` hours: a delay decision with
    its review then (below zero: overdue)."""
    child = child or child_not_missing(session, world)
    episode = Episode(
        rid=rid,
        child_id=child.id,
        force_id=world.a.agencies["force"].id,
        links_recorded=False,
        associates_recorded=False,
        version=1,
        updated_at=NOW,
        reported_at=NOW - timedelta(hours=hours_ago),
        age=13,
        missing_from_type="care_home",
        missing_from_postcode_sector="AL1 1",
        risk_final=risk,
        **fields,
    )
    session.add(episode)
    session.flush()
    if review_in is not None:
        session.add(
            ControlRoomDecision(
                episode_id=episode.id,
                decision="delay",
                review_at=NOW + timedelta(hours=review_in),
                decided_at=episode.reported_at,
                decided_by=world.users[R.police_control_room].id,
            )
        )
        session.flush()
    return episode


def _small_world(session, world):
    """Besides the world's ep-a (medium, missing since 1 March, decision: deploy) and ep-b (force
    B's): eight open episodes of force A, one closed, one merged."""
    _open(session, world, "high-recent", 2, "high")
    _open(session, world, "high-long", 10, "high")
    _open(session, world, "high-overdue", 1, "high", review_in=-0.5)
    _open(session, world, "medium-overdue", 1, "medium", review_in=-2)
    _open(session, world, "unassessed", 3, None)
    _open(session, world, "low-review-due-later", 50, "low", review_in=2)
    _open(session, world, "no-risk", 100, "no_apparent_risk")
    _open(session, world, "found", 5, "high", found_at=NOW - timedelta(hours=1))
    kept = _open(session, world, "kept", 4, "low")
    dup = _open(
        session, world, "dup", 3, "high", child=session.get(type(world.a.child), kept.child_id)
    )
    dup.merged_into_id = kept.id
    session.flush()


def test_the_board_is_ordered_by_risk_then_an_overdue_review_then_the_longest_missing(world):
    session, w = world
    _small_world(session, w)
    rows = board(session, w.actor(R.police_control_room), NOW)
    # Written out by hand: high (overdue first, then the longest missing), medium (overdue first),
    # not assessed, low (the longest missing first), no apparent risk. Not listed: the found, the
    # merged duplicate (its child is listed by "kept"), force B's ep-b.
    assert [r.rid for r in rows] == [
        "high-overdue",
        "high-long",
        "high-recent",
        "medium-overdue",
        "ep-a",
        "unassessed",
        "low-review-due-later",
        "kept",
        "no-risk",
    ]
    by_rid = {r.rid: r for r in rows}
    assert by_rid["high-long"].hours_missing == 10.0
    assert by_rid["medium-overdue"].overdue and by_rid["medium-overdue"].review_in_hours == -2.0
    later = by_rid["low-review-due-later"]
    assert not later.overdue and later.review_in_hours == 2.0
    assert by_rid["ep-a"].review_at is None  # its decision was to deploy
    assert (later.age, later.missing_from_type, later.missing_from_postcode_sector) == (
        13,
        "care_home",
        "AL1 1",
    )
    assert not any(r.reported_twice for r in rows)


def test_the_board_names_children_only_as_a_list_may(world):
    session, w = world
    room = w.actor(R.police_control_room)
    assert [(r.pid, r.name) for r in board(session, room, NOW)] == [("child-a", None)]
    named = board(session, room, NOW, reason="Searching tonight")
    assert [r.name for r in named] == ["Child A"]
    # Care staff need no reason; they see no review times (control-room decisions are police).
    carer = board(session, w.actor(R.care_staff), NOW)
    assert [(r.rid, r.name, r.review_at) for r in carer] == [("ep-a", "Child A", None)]


def test_missing_now_lists_a_child_reported_twice_once(world):
    session, w = world
    _open(session, w, "ep-a-again", 1, None, child=w.a.child)
    panel = work_queue(session, w.actor(R.police_mispers), NOW)[0]
    assert panel.title == "Missing now" and panel.count == 1
    assert len(panel.items) == 1
    item = panel.items[0]
    assert item.href == "/triage/ep-a"  # the older report
    assert item.text.startswith("child-a:") and "2 open reports: merge them" in item.text
    # The board lists both reports, marked, so that the room merges them.
    rows = board(session, w.actor(R.police_mispers), NOW)
    assert [(r.rid, r.reported_twice) for r in rows] == [("ep-a", True), ("ep-a-again", True)]
