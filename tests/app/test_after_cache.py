"""The dashboards' cached frame: any write to what the export reads shows on the next load; a change
of scope shows at once; the frequent list reads the database, never the export."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.after_world import build
from app.forms import FormClient
from misper.app.dashboards import cache
from misper.app.dashboards import service as dash
from misper.app.placements.models import Placement


@pytest.fixture
def store(sessions, monkeypatch):
    exports = []
    real = dash.export_frame

    def counted(*args, **kwargs):
        exports.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(dash, "export_frame", counted)
    cache.clear()
    session = sessions()
    world = build(session)
    yield session, world, exports
    session.rollback()
    session.close()
    cache.clear()


def test_a_new_episode_shows_on_the_next_load_and_the_frequent_list_never_exports(store):
    session, world, exports = store
    now = datetime.now()
    mispers = world.actors["mispers"]
    for k, days in enumerate((40, 20)):
        world.episode(session, "local", now - timedelta(days=days), rid=f"e{k}")
    session.flush()
    frequent, _ = dash.frequent_and_emerging(session, mispers, now)
    assert frequent.empty  # two episodes: not yet frequent
    world.episode(session, "local", now - timedelta(days=1), rid="e2")
    session.flush()
    frequent, rising = dash.frequent_and_emerging(session, mispers, now)
    assert frequent["pid"].tolist() == ["P-local"] and frequent["last_year"].tolist() == [3]
    assert len(exports) == 0  # counted by the database, not from the whole store's frame


def test_an_update_of_an_episode_or_an_interview_gives_a_new_version(store):
    session, world, _exports = store
    episode = world.episode(session, "local", datetime(2024, 3, 1, 22), rid="e1")
    session.flush()
    before = cache.store_version(session)
    episode.harm = "none"
    session.flush()
    after_episode = cache.store_version(session)
    assert after_episode != before
    from misper.app.interviews.models import ReturnHomeInterview

    rhi = ReturnHomeInterview(episode_id=episode.id, shared_with_police=False)
    session.add(rhi)
    session.flush()
    added = cache.store_version(session)
    rhi.offered = True
    session.flush()
    assert len({before, after_episode, added, cache.store_version(session)}) == 4
    assert cache.store_version(session) == cache.store_version(session)  # stable when nothing moves


def test_a_change_of_scope_shows_at_once_though_the_frame_is_cached(store):
    session, world, exports = store
    care = world.actors["care"]
    world.episode(session, "local", datetime(2024, 3, 1, 22), rid="e1", from_home=False)
    session.flush()
    assert dash.scoped_frame(session, care).empty  # "local" lives at home, not in Oak House
    session.add(
        Placement(
            child_id=world.children["local"].id,
            home_id=world.home.id,
            placing_council_id=world.agencies["placing"].id,
            start_date=date(2024, 3, 5),
        )
    )
    session.flush()
    assert dash.scoped_frame(session, care)["rid"].tolist() == ["e1"]
    assert len(exports) == 2  # a placement is not in the version; the scope is asked every time
    assert dash.scoped_frame(session, care)["rid"].tolist() == ["e1"] and len(exports) == 2


def test_over_http_a_new_episode_changes_the_page(database_url, sessions):

    from misper.app.auth.service import hasher
    from misper.app.main import create_app

    cache.clear()
    session = sessions()
    world = build(session, hasher.hash("pw-for-the-test"))
    now = datetime.now()
    for k, days in enumerate((40, 20)):
        world.episode(session, "local", now - timedelta(days=days), rid=f"e{k}")
    session.commit()
    app = create_app(database_url)
    try:
        with FormClient(app) as client:
            client.post("/login", data={"username": "mispers", "password": "pw-for-the-test"})
            assert "P-local" not in client.get("/dashboards/frequent").text
            world.episode(session, "local", now - timedelta(hours=5), rid="e2")
            session.commit()  # written by another session, as by another request or process
            page = client.get("/dashboards/frequent").text
            assert "P-local" in page
    finally:
        app.state.engine.dispose()
        session.close()
        cache.clear()
