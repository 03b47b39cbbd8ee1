"""The demo's after-episode seeding: synthetic times moved to end today, homes and placements from
the episodes, interviews opened for recent finds, the overdue check run once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import func, select

from app.after_world import build
from misper.app.episodes.models import Episode
from misper.app.interviews.models import ReturnHomeInterview
from misper.app.placements.models import Home, Placement
from misper.demo.follow_up import ending_today, seed_after_stage


def _on_the_clock(session) -> int:
    """Interviews whose 72-hour clock runs."""
    return session.scalar(
        select(func.count())
        .select_from(ReturnHomeInterview)
        .where(ReturnHomeInterview.found_at.is_not(None))
    )


def test_ending_today_moves_every_time_by_whole_days():
    frame = pd.DataFrame(
        {
            "reported_at": pd.to_datetime(["2022-01-01 10:00", "2022-12-19 15:19"]),
            "found_at": pd.to_datetime(["2022-01-01 12:00", None]),
        }
    )
    # 1,443 days after 19 Dec 2022: 2 Dec 15:19 would lie after now (03:00), so 1 Dec.
    moved = ending_today(frame, datetime(2026, 12, 2, 3, 0))
    assert moved["reported_at"].tolist() == [
        pd.Timestamp("2025-12-14 10:00"),
        pd.Timestamp("2026-12-01 15:19"),
    ]
    assert moved["found_at"].iloc[0] == pd.Timestamp("2025-12-14 12:00")
    assert pd.isna(moved["found_at"].iloc[1])


def test_seeding_places_children_and_opens_recent_interviews(database_url, sessions):
    session = sessions()
    world = build(session)
    now = datetime.now()
    for k, days in enumerate((100, 10, 3)):
        episode = world.episode(
            session, "local", now - timedelta(days=days), rid=f"e{k}", from_home=False
        )
        episode.missing_from_type, episode.missing_from_place_id = "care_home", "H-SYN"
        episode.found_at = episode.reported_at + timedelta(hours=4)
    session.commit()
    counts = seed_after_stage(
        database_url,
        now,
        recent_days=45,
        username="mispers",
        homes=("provider agency", "host agency", "force agency", "placing agency"),
    )
    session.expire_all()
    assert counts["homes"] == 1 and counts["interviews"] == 2  # found 10 and 3 days ago
    home = session.scalar(select(Home).where(Home.place_id == "H-SYN"))
    [placement] = session.scalars(select(Placement).where(Placement.home_id == home.id))
    assert placement.end_date is None
    assert placement.start_date == (now - timedelta(days=100)).date() - timedelta(days=30)
    assert _on_the_clock(session) == 2
    # Overdue only if left untouched and 72 hours past: the one found 10 days ago at most.
    assert counts["overdue"] <= 1
    session.close()


def recent_found(frame: pd.DataFrame) -> pd.Series:
    return frame["found_at"] >= frame["reported_at"].max().normalize() - pd.Timedelta(days=44)


def test_the_demo_store_has_the_after_stage_populated(tmp_path):
    from misper.app.db import make_engine, session_factory
    from misper.app.notifications.models import Notification
    from misper.demo.store import create_demo_store
    from misper.synth import generate

    frame = generate(incidents=100, seed=0).incidents
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    _logins, summary = create_demo_store(url, frame, move_to_today=True)
    engine = make_engine(url)
    session = session_factory(engine)()
    # Every imported interview of a found episode has its clock, not only the recent ones.
    found = session.scalar(
        select(func.count())
        .select_from(ReturnHomeInterview)
        .join(Episode, Episode.id == ReturnHomeInterview.episode_id)
        .where(Episode.found_at.is_not(None))
    )
    assert found > int(recent_found(frame).sum()) >= 1
    assert _on_the_clock(session) == found
    assert session.scalar(select(func.count()).select_from(Home)) > 1  # the synthetic homes
    overdue = session.scalar(
        select(func.count()).select_from(Notification).where(Notification.subject.like("%overdue%"))
    )
    assert overdue >= 1
    session.close()
    engine.dispose()
