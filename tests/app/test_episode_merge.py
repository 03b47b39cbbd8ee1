"""One report per episode: a child already missing is not reported again (the API answers 409
naming the open episode, the pages lead to it), except where the reporter may not see it; and two
open reports of one child are merged into the older, everything recorded on the other moved,
audited, refused with a plain message for two children or a closed episode.

The world (world.py): side A's child "child-a" is missing since 22:00 on 1 March 2024 (episode
"ep-a", force A), with one risk assessment (medium), one decision, one task, one sighting and one
linked report ("ep-elsewhere")."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.forms import FormClient
from app.world import PASSWORD, build_world, child_not_missing
from misper.app.audit.models import AuditEvent
from misper.app.auth.service import issue_token
from misper.app.episodes.models import (
    ControlRoomDecision,
    Episode,
    EpisodeLink,
    EpisodeUpdate,
    RiskAssessment,
)
from misper.app.escalation.automatic import history
from misper.app.interchange.service import export_frame
from misper.app.tasks.models import Task
from misper.app.users.models import Role

R = Role
REPORT = {"reported_at": "2024-03-02T08:00", "missing_from_type": "care_home"}


@pytest.fixture
def reporting(database_url, sessions):
    """The world on a store of the test's own; (call, session, world, app)."""
    from misper.app.main import create_app

    session = sessions()
    world = build_world(session)
    tokens = {role: issue_token(session, world.users[role], "bearer") for role in Role}
    session.commit()
    app = create_app(database_url)
    with TestClient(app) as client:

        def call(role, method, path, **kwargs):
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            return client.request(method, path, headers=headers, **kwargs)

        yield call, session, world, app
    app.state.engine.dispose()
    session.close()


def _episode(session, world, rid, reported_at, *, child=None, force="a", **fields) -> Episode:
    side = getattr(world, force)
    episode = Episode(
        rid=rid,
        child_id=(child or world.a.child).id,
        force_id=side.agencies["force"].id,
        links_recorded=False,
        associates_recorded=False,
        version=1,
        updated_at=reported_at,
        reported_at=reported_at,
        age=14,
        missing_from_type="care_home",
        **fields,
    )
    session.add(episode)
    session.flush()
    return episode


def _count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _signed_in(app, role) -> FormClient:
    client = FormClient(app, follow_redirects=False)
    assert client.post("/login", data={"username": role.value, "password": PASSWORD}).status_code
    return client


# --- One report per episode ----------------------------------------------------------------------


def test_a_child_already_missing_reported_again_answers_409_naming_the_open_episode(reporting):
    call, session, _world, _app = reporting
    for role, where in ((R.care_staff, "care_home"), (R.police_mispers, "home")):
        again = call(
            role,
            "POST",
            "/api/episodes",
            json={**REPORT, "pid": "child-a", "missing_from_type": where},
        )
        assert again.status_code == 409, again.text
        error = again.json()["error"]
        assert error["code"] == "already_open" and error["rid"] == "ep-a"
        assert "already reported missing at 22:00 on 01 Mar 2024" in error["message"]
    assert _count(session, Episode) == 2  # the world's two, nothing added


def test_a_child_found_since_may_be_reported_again(reporting):
    call, session, world, _app = reporting
    world.a.episode.found_at = datetime(2024, 3, 2, 7)
    session.commit()
    reported = call(R.care_staff, "POST", "/api/episodes", json={**REPORT, "pid": "child-a"})
    assert reported.status_code == 201, reported.text
    assert _count(session, Episode, Episode.found_at.is_(None)) == 2  # the new one and child B's


def test_an_open_episode_the_reporter_may_not_see_is_never_named(reporting):
    """Child A is back from force A's episode but missing in force B's records: force A cannot
    see B's episode, so its report goes ahead and its answer says nothing of B's."""
    call, session, world, _app = reporting
    world.a.episode.found_at = datetime(2024, 3, 2, 7)
    _episode(session, world, "ep-in-b", datetime(2024, 3, 2, 6), force="b")
    session.commit()
    reported = call(
        R.police_mispers,
        "POST",
        "/api/episodes",
        json={**REPORT, "pid": "child-a", "missing_from_type": "home"},
    )
    assert reported.status_code == 201, reported.text
    assert "ep-in-b" not in reported.text


def test_the_carers_report_leads_to_the_open_episode_and_says_when(reporting):
    _call, session, _world, app = reporting
    carer = _signed_in(app, R.care_staff)
    started = carer.post("/children/child-a/not-here", data={"expected_back": "2024-03-01T21:00"})
    assert started.status_code == 303, started.text
    check = started.headers["location"]
    reported = carer.post(f"{check}/report")
    assert reported.status_code == 303
    assert reported.headers["location"] == "/episodes/ep-a?reported_again=true"
    page = carer.get(reported.headers["location"])
    assert page.status_code == 200
    assert "child-a was already reported missing at 22:00 on 01 Mar 2024" in page.text
    assert _count(session, Episode) == 2
    assert carer.get("/episodes/ep-a").text.count("already reported missing") == 0


# --- Merging two reports of one absence ----------------------------------------------------------


def _duplicate(session, world, rid="ep-dup") -> Episode:
    """A second open report of child A's absence, made an hour after the first (force A), with a
    risk assessment (high, the latest), a decision, a task, a sighting, the same linked report as
    ep-a and one more."""
    dup = _episode(
        session,
        world,
        rid,
        datetime(2024, 3, 1, 23, 0),
        circumstances_text="Second call, from the school.",
        narratives_count=1,
        tasks_count=1,
    )
    user = world.users[R.police_control_room]
    session.add_all(
        [
            RiskAssessment(
                episode_id=dup.id,
                level="high",
                assessed_at=datetime(2024, 3, 1, 23, 30),
                assessed_by=user.id,
            ),
            ControlRoomDecision(
                episode_id=dup.id,
                decision="deploy",
                decided_at=datetime(2024, 3, 1, 23, 5),
                decided_by=user.id,
            ),
            Task(
                episode_id=dup.id,
                description="Check the station",
                status="open",
                created_at=datetime(2024, 3, 1, 23, 10),
                created_by=user.id,
            ),
            EpisodeUpdate(
                episode_id=dup.id,
                kind="sighting",
                text="seen at the park",
                at=datetime(2024, 3, 1, 23, 20),
                created_by=user.id,
                agency_id=world.a.agencies["force"].id,
            ),
            EpisodeLink(episode_id=dup.id, linked_rid="ep-elsewhere", position=0),
            EpisodeLink(episode_id=dup.id, linked_rid="ep-friend", position=1),
        ]
    )
    session.commit()
    return dup


def test_merging_keeps_the_older_moves_the_others_records_and_is_audited(reporting):
    call, session, world, _app = reporting
    dup = _duplicate(session, world)
    merged = call(
        R.police_control_room, "POST", "/api/episodes/ep-dup/merge", json={"other_rid": "ep-a"}
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["episode"]["rid"] == "ep-a" and body["merged_rid"] == "ep-dup"
    assert body["moved"] == {
        "risk_assessments": 1,
        "decisions": 1,
        "updates": 1,
        "tasks": 1,
        "carer_checks": 0,
        "referrals": 0,
        "notifications": 0,
        "links": 1,  # ep-friend; ep-elsewhere was on ep-a already
        "associates": 0,
    }
    kept = world.a.episode.id
    assert _count(session, RiskAssessment, RiskAssessment.episode_id == kept) == 2
    assert _count(session, ControlRoomDecision, ControlRoomDecision.episode_id == kept) == 2
    assert _count(session, Task, Task.episode_id == kept) == 2
    # The world's sighting, the moved one, and the note of the merge.
    updates = session.scalars(
        select(EpisodeUpdate.text)
        .where(EpisodeUpdate.episode_id == kept)
        .order_by(EpisodeUpdate.id)
    ).all()
    assert len(updates) == 3 and "seen at the park" in updates
    assert "Second call, from the school." in updates[-1] and "ep-dup" in updates[-1]
    assert sorted(
        session.scalars(select(EpisodeLink.linked_rid).where(EpisodeLink.episode_id == kept))
    ) == ["ep-elsewhere", "ep-friend"]
    session.expire_all()
    stored = session.get(Episode, kept)
    assert stored.risk_final == "high"  # assessed last, on the other report
    assert stored.is_open and (stored.tasks_count, stored.narratives_count) == (2, 3)
    duplicate = session.get(Episode, dup.id)  # kept, not deleted
    assert duplicate.merged_into_id == kept and not duplicate.is_open
    assert duplicate.found_at is None  # nobody found the child: it is not a closed episode
    # Audited: the merge on the kept episode, its other side on the duplicate.
    events = session.execute(
        select(AuditEvent.action, AuditEvent.entity_id, AuditEvent.detail).where(
            AuditEvent.entity == "episode", AuditEvent.action.in_(("merge", "merged_into"))
        )
    ).all()
    assert sorted((a, e) for a, e, _ in events) == [
        ("merge", str(kept)),
        ("merged_into", str(dup.id)),
    ]
    assert json.loads(events[0].detail)["merged"] == "ep-dup"
    # Counted once: in the lists, the exports and the escalation rules.
    listed = call(R.police_mispers, "GET", "/api/episodes", params={"open": "true"}).json()
    assert [e["rid"] for e in listed["items"]] == ["ep-a"]
    assert "ep-dup" not in set(export_frame(session)["rid"])
    assert len(history(session, world.a.child.id)) == 1
    timeline = call(R.police_mispers, "GET", "/api/children/child-a/timeline").json()
    assert [e["ref"] for e in timeline if e["kind"] == "episode"] == ["ep-a"]
    # The duplicate still reads, marked.
    assert call(R.police_mispers, "GET", "/api/episodes/ep-dup").json()["is_open"] is False


def test_merging_refuses_two_children_a_closed_episode_and_changes_nothing(reporting):
    call, session, world, _app = reporting
    _duplicate(session, world)
    other = child_not_missing(session, world)
    _episode(session, world, "ep-other-child", datetime(2024, 3, 1, 20), child=other)
    _episode(session, world, "ep-closed", datetime(2024, 2, 1, 20), found_at=datetime(2024, 2, 2))
    session.commit()
    merge = "/api/episodes/ep-a/merge"

    def refused(other_rid, status):
        answer = call(R.police_mispers, "POST", merge, json={"other_rid": other_rid})
        assert answer.status_code == status, answer.text
        return answer.json()["error"]

    error = refused("ep-other-child", 422)
    assert error["fields"][0]["field"] == "other_rid"
    assert "different children" in error["fields"][0]["message"]
    assert "is closed" in refused("ep-closed", 409)["message"]
    assert refused("ep-a", 422)["fields"][0]["field"] == "other_rid"  # itself
    assert refused("ep-b", 404)["message"] == "episode not found"  # another force's
    officer = call(R.police_officer, "POST", merge, json={"other_rid": "ep-dup"})
    assert officer.status_code == 403
    assert _count(session, Episode, Episode.merged_into_id.is_not(None)) == 0
    assert _count(session, RiskAssessment, RiskAssessment.episode_id == world.a.episode.id) == 1
    # Once merged, the duplicate cannot be merged again.
    assert call(R.police_mispers, "POST", merge, json={"other_rid": "ep-dup"}).status_code == 200
    assert "merged into another episode" in refused("ep-dup", 409)["message"]


def test_the_episode_page_offers_the_merge_and_shows_a_refusal_by_the_field(reporting):
    _call, session, world, app = reporting
    _duplicate(session, world)
    _episode(session, world, "ep-closed", datetime(2024, 2, 1, 20), found_at=datetime(2024, 2, 2))
    session.commit()
    room = _signed_in(app, R.police_control_room)
    page = room.get("/episodes/ep-a").text
    assert "Merge with ep-dup (reported 23:00 on 01 Mar 2024)" in page
    assert "ep-closed" not in page  # only open reports are offered
    assert "Merge with" not in _signed_in(app, R.police_officer).get("/episodes/ep-a").text
    refused = room.post("/episodes/ep-a/merge", data={"other_rid": "ep-closed"})
    assert refused.status_code == 422
    assert 'id="other_rid"' in refused.text and "is closed" in refused.text
    done = room.post("/episodes/ep-dup/merge", data={"other_rid": "ep-a"})
    assert done.status_code == 303 and done.headers["location"] == "/episodes/ep-a#updates"
    shown = room.get("/episodes/ep-dup").text
    assert 'This report was merged into\nepisode <a href="/episodes/ep-a">ep-a</a>' in shown
    assert "Merge with" not in room.get("/episodes/ep-a").text  # nothing left to merge
