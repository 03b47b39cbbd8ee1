"""The demo's live work: children missing now, triaged and decided, a carer's check under way."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from misper.app.db import make_engine, session_factory
from misper.app.episodes.models import ControlRoomDecision, Episode
from misper.app.flowchart.models import CarerCheck
from misper.app.notifications.models import Notification
from misper.app.tasks.models import Task


def test_the_demo_store_has_children_missing_now(tmp_path):
    from misper.demo.store import create_demo_store
    from misper.synth import generate

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    create_demo_store(url, generate(incidents=300, seed=0).incidents, move_to_today=True)
    engine = make_engine(url)
    session = session_factory(engine)()
    open_ = list(session.scalars(select(Episode).where(Episode.found_at.is_(None))))
    assert len(open_) == 3 and all(e.reported_at < datetime.now() for e in open_)
    assert sorted(e.risk_final for e in open_) == ["high", "low", "medium"]
    latest = {
        e.risk_final: session.scalars(
            select(ControlRoomDecision)
            .where(ControlRoomDecision.episode_id == e.id)
            .order_by(ControlRoomDecision.id.desc())
        ).first()
        for e in open_
    }
    assert latest["medium"].decision == "delay" and latest["medium"].review_at < datetime.now()
    assert latest["high"].decision == "deploy"
    # The delayed report's review has fallen due and the force was told once.
    assert (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.subject.like("Review due%"))
        )
        == 1
    )
    # The high-risk episode has its level's tasks, one of them done.
    high = next(e for e in open_ if e.risk_final == "high")
    statuses = list(session.scalars(select(Task.status).where(Task.episode_id == high.id)))
    assert len(statuses) > 1 and statuses.count("done") == 1
    # The home's report came through the flowchart; a second child's check is still under way.
    checks = list(session.scalars(select(CarerCheck)))
    assert {c.episode_id is None for c in checks} == {True, False}
    reported = next(c for c in checks if c.episode_id is not None)
    assert reported.episode_id == next(e.id for e in open_ if e.risk_final == "medium")
    # Rival groups: the resident of the home and the child at home are linked to rival groups.
    from misper.app.groups.models import GroupAffiliation
    from misper.app.groups.service import rival_links

    linked = list(session.scalars(select(GroupAffiliation.child_id)))
    assert len(linked) == 2 and rival_links(session, linked[0], linked[1]) == 1
    session.close()
    engine.dispose()
