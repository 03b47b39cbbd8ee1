"""The 72-hour clock of a return home interview starts from the found time on every path: made by
the older assign endpoint before or after the episode closed, the episode closed by closing or by a
change, an import; tested at its edges (71h59 vs 72h01). The backfill of migration 0006:
test_migrations.py."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from misper.app.episodes.closing import close_episode
from misper.app.episodes.models import Episode
from misper.app.episodes.service import update_episode
from misper.app.interviews import return_home
from misper.app.interviews.models import ReturnHomeInterview
from misper.app.interviews.service import assign_rhi
from misper.app.notifications.models import Notification

FOUND = datetime(2024, 3, 2, 10, 0)
JUST_BEFORE = FOUND + timedelta(hours=71, minutes=59)
JUST_AFTER = FOUND + timedelta(hours=72, minutes=1)


def _clock(session, rid) -> ReturnHomeInterview | None:
    """The episode's interview if its clock runs."""
    return session.scalar(
        select(ReturnHomeInterview)
        .join(Episode, Episode.id == ReturnHomeInterview.episode_id)
        .where(Episode.rid == rid, ReturnHomeInterview.found_at.is_not(None))
    )


def _clocks(session) -> list[ReturnHomeInterview]:
    return list(
        session.scalars(
            select(ReturnHomeInterview).where(ReturnHomeInterview.found_at.is_not(None))
        )
    )


def _state_at(session, world, when) -> str:
    [row] = return_home.list_with_clock(session, world.actors["coord.placing"], when)
    return row["state"]


def test_assigned_before_closing_the_clock_starts_when_the_episode_closes(store):
    session, world = store
    world.episode(session, "away", datetime(2024, 3, 1, 22), rid="e1")
    assign_rhi(session, world.actors["coord.placing"], "e1", world.agencies["rhi"].id)
    assert _clock(session, "e1") is None  # not found yet: no clock
    close_episode(session, world.actors["mispers"], "e1", 1, {"found_at": FOUND}, [], [])
    clock = _clock(session, "e1")
    assert (clock.found_at, clock.due_at) == (FOUND, FOUND + timedelta(hours=72))
    assert (clock.council_id, clock.out_of_area) == (world.agencies["placing"].id, True)
    assert _state_at(session, world, JUST_BEFORE) == "due"
    assert _state_at(session, world, JUST_AFTER) == "overdue"
    assert return_home.raise_overdue(session, JUST_BEFORE) == 0
    assert return_home.raise_overdue(session, JUST_AFTER) == 1
    assert return_home.raise_overdue(session, JUST_AFTER + timedelta(hours=1)) == 0  # once


def test_closed_by_a_change_and_assigned_after_the_clock_runs_from_the_found_time(store):
    session, world = store
    world.episode(session, "local", datetime(2024, 3, 1, 22), rid="e1")
    world.episode(session, "local", datetime(2024, 3, 1, 23), rid="e2")
    assign_rhi(session, world.actors["coord.placing"], "e2", world.agencies["rhi"].id)
    for rid in ("e1", "e2"):  # a change, not the closing route: e2's interview already exists
        update_episode(session, world.actors["mispers"], rid, 1, {"found_at": FOUND})
    assert _clock(session, "e1") is None  # no interview yet, so no clock
    assert _clock(session, "e2").due_at == FOUND + timedelta(hours=72)
    assign_rhi(session, world.actors["coord.placing"], "e1", world.agencies["rhi"].id)
    assert _clock(session, "e1").found_at == FOUND  # at creation, from when the child was found
    subjects = list(
        session.scalars(
            select(Notification.subject).where(
                Notification.agency_id == world.agencies["placing"].id
            )
        )
    )
    assert sum("due by 05 Mar 2024 10:00" in s for s in subjects) == 2  # each told once


def test_a_corrected_found_time_moves_the_clock(store):
    session, world = store
    world.episode(session, "local", datetime(2024, 3, 1, 22), rid="e1")
    close_episode(session, world.actors["mispers"], "e1", 1, {"found_at": FOUND}, [], [])
    update_episode(
        session, world.actors["mispers"], "e1", 2, {"found_at": FOUND - timedelta(hours=2)}
    )
    assert _clock(session, "e1").due_at == FOUND + timedelta(hours=70)
    assert _state_at(session, world, FOUND + timedelta(hours=70, minutes=1)) == "overdue"


def test_the_clocks_bookkeeping_leaves_the_interviews_version_alone(store):
    """The clock lives on the interview's row, but starting, moving and marking it overdue is not an
    edit of the interview: a coordinator's form stays current; recording on it counts."""
    session, world = store
    world.episode(session, "local", datetime(2024, 3, 1, 22), rid="e1")
    close_episode(session, world.actors["mispers"], "e1", 1, {"found_at": FOUND}, [], [])
    update_episode(session, world.actors["mispers"], "e1", 2, {"found_at": FOUND})  # unchanged
    update_episode(
        session, world.actors["mispers"], "e1", 3, {"found_at": FOUND - timedelta(hours=1)}
    )
    assert return_home.raise_overdue(session, JUST_AFTER) == 1
    rhi = _clock(session, "e1")
    assert (rhi.due_at, rhi.overdue_notified_at, rhi.version) == (
        FOUND + timedelta(hours=71),
        JUST_AFTER,
        1,
    )
    coordinator = world.actors["coord.placing"]
    return_home.record(session, coordinator, rhi.id, 1, {"offered": True}, None, None, JUST_AFTER)
    assert rhi.version == 2


def _canonical_rows(found: list[datetime]):
    """Three synthetic children's rows found at the given times, interview offered, not done."""
    from misper.synth import generate

    frame = generate(incidents=100, seed=3).incidents
    frame = frame[frame["age"] < 18].head(len(found)).copy()
    frame["found_at"] = found
    frame["reported_at"] = [f - timedelta(hours=2) for f in found]
    frame["last_seen_at"] = frame["reported_at"]
    frame["rhi_offered"], frame["rhi_accepted"], frame["rhi_completed_at"] = True, None, None
    return frame


def test_an_import_starts_clocks_quietly_and_the_worker_raises_what_falls_due(store):
    from misper.app.interchange.service import import_frame

    session, world = store
    now = datetime.now()
    early, late = now - timedelta(hours=72, minutes=1), now - timedelta(hours=71, minutes=59)
    frame = _canonical_rows([early, late])
    import_frame(session, None, frame, world.agencies["force"].id)
    clocks = {c.found_at: c for c in _clocks(session)}
    assert set(clocks) == {early, late}
    assert clocks[early].due_at == early + timedelta(hours=72)
    # History is not news: the one already past its target is marked, not announced.
    assert clocks[early].overdue_notified_at is not None
    assert clocks[late].overdue_notified_at is None
    assert session.scalar(select(Notification.id)) is None
    assert return_home.raise_overdue(session, now) == 0
    assert return_home.raise_overdue(session, now + timedelta(minutes=2)) == 1
    session.refresh(clocks[late])
    assert clocks[late].overdue_notified_at == now + timedelta(minutes=2)
    # Importing the same file again starts nothing twice.
    import_frame(session, None, frame, world.agencies["force"].id)
    assert len(_clocks(session)) == 2


def test_years_of_history_cannot_push_this_weeks_overdue_interview_off_the_list(store):
    session, world = store
    for k, found in enumerate((FOUND - timedelta(days=400), FOUND - timedelta(days=300), FOUND)):
        world.episode(session, "local", found - timedelta(hours=3), rid=f"e{k}")
        close_episode(session, world.actors["mispers"], f"e{k}", 1, {"found_at": found}, [], [])
    coordinator = world.actors["coord.placing"]
    [newest] = return_home.list_with_clock(
        session, coordinator, JUST_AFTER, "overdue", limit=1, newest_first=True
    )
    assert (newest["rid"], newest["state"]) == ("e2", "overdue")
    assert [
        r["rid"] for r in return_home.list_with_clock(session, coordinator, JUST_BEFORE, "overdue")
    ] == ["e0", "e1"]
