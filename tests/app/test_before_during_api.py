"""The before and during routes over HTTP: the carer's flowchart with the agreed wait, triage with
its history and wait guidance, task progress, the placement check with rival groups; a message per
field on bad input, 404 outside scope, 403 for roles without the permission."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.world import build_world
from misper.app.audit.models import AuditEvent
from misper.app.auth.service import issue_token
from misper.app.episodes.models import Episode
from misper.app.flowchart.models import CarerCheck
from misper.app.groups.models import Group, GroupAffiliation, GroupRivalry
from misper.app.placements.out_of_area import UNSEEN
from misper.app.users.models import Role
from misper.process.config import load_task_library
from misper.process.tasks import tasks_for

R = Role


@pytest.fixture
def api(database_url, sessions):
    from misper.app.main import create_app

    session = sessions()
    world = build_world(session)
    tokens = {role: issue_token(session, world.users[role], "bearer") for role in Role}
    session.commit()
    app = create_app(database_url)
    with TestClient(app) as client:

        def call(role, method, path, **kwargs):
            return client.request(
                method, path, headers={"Authorization": f"Bearer {tokens[role]}"}, **kwargs
            )

        yield call, session, world
    app.state.engine.dispose()
    session.close()


def _fields(response) -> set[str]:
    assert response.status_code == 422, response.text
    return {f["field"] for f in response.json()["error"]["fields"]}


def _minute(value: datetime) -> str:
    return value.isoformat(timespec="minutes")


def test_carer_check_over_http_waits_as_agreed_then_reports(api):
    call, session, w = api
    w.a.episode.found_at = datetime(2024, 3, 2, 9)  # back from the world's episode: reportable
    session.commit()
    assert _fields(
        call(
            R.care_staff,
            "POST",
            "/api/children/child-a/philomena",
            json={"agreed_wait_minutes": 1441},
        )
    ) == {"body.agreed_wait_minutes"}
    saved = call(
        R.care_staff,
        "POST",
        "/api/children/child-a/philomena",
        json={"description": "tall", "agreed_wait_minutes": 30},
    )
    assert saved.status_code == 201 and saved.json()["agreed_wait_minutes"] == 30
    assert saved.json()["content"]["description"] == "tall"

    back = datetime.now().replace(second=0, microsecond=0) - timedelta(minutes=10)
    assert _fields(
        call(
            R.care_staff,
            "POST",
            "/api/checks",
            json={"pid": "child-a", "expected_back": _minute(back + timedelta(hours=2))},
        )
    ) == {"expected_back"}
    assert _fields(
        call(
            R.care_staff,
            "POST",
            "/api/checks",
            json={
                "pid": "child-a",
                "child": {"name": "x", "date_of_birth": "2010-01-01"},
                "expected_back": _minute(back),
            },
        )
    ) == {"child"}
    assert (
        call(
            R.care_staff,
            "POST",
            "/api/checks",
            json={"pid": "child-b", "expected_back": _minute(back)},
        ).status_code
        == 404
    )
    started = call(
        R.care_staff, "POST", "/api/checks", json={"pid": "child-a", "expected_back": _minute(back)}
    )
    assert started.status_code == 201, started.text
    check = started.json()
    assert (check["outcome"], check["wait_minutes"], check["wait_agreed"]) == (
        "keep_trying",
        30,
        True,
    )
    assert check["until"].startswith(_minute(back + timedelta(minutes=30)))
    assert "risk plan, 30 minutes" in check["reasons"][0]
    steps = f"/api/checks/{check['id']}/steps"

    assert _fields(
        call(
            R.care_staff,
            "POST",
            steps,
            json={"step": "call_child", "result": "maybe", "at": "soon"},
        )
    ) == {"body.result", "body.at"}
    assert _fields(
        call(
            R.care_staff,
            "POST",
            steps,
            json={"step": "pray", "result": "no_contact", "at": _minute(back)},
        )
    ) == {"step"}
    assert _fields(
        call(
            R.care_staff,
            "POST",
            steps,
            json={
                "step": "call_child",
                "result": "no_contact",
                "at": _minute(datetime.now() + timedelta(hours=1)),
            },
        )
    ) == {"at"}
    answered = call(
        R.care_staff,
        "POST",
        steps,
        json={
            "step": "call_child",
            "result": "no_contact",
            "at": _minute(back + timedelta(minutes=2)),
            "note": "voicemail",
        },
    )
    assert answered.status_code == 201
    assert [(s["step"], s["note"]) for s in answered.json()["steps"]] == [
        ("call_child", "voicemail")
    ]
    assert "Call or message the child's phone" not in answered.json()["steps_left"]

    concerns = f"/api/checks/{check['id']}/concerns"
    assert _fields(call(R.care_staff, "PUT", concerns, json={"concerns": ["aliens"]})) == {
        "concerns.0"
    }
    raised = call(R.care_staff, "PUT", concerns, json={"concerns": ["needs_medication"]})
    assert raised.json()["outcome"] == "report_now"

    # Council staff may read the check of a child of theirs, not change it.
    assert call(R.council_social_worker, "GET", f"/api/checks/{check['id']}").status_code == 200
    assert (
        call(
            R.council_social_worker,
            "POST",
            steps,
            json={"step": "search_home", "result": "no_contact", "at": _minute(back)},
        ).status_code
        == 403
    )
    reported = call(R.care_staff, "POST", f"/api/checks/{check['id']}/report")
    assert reported.status_code == 201, reported.text
    body = reported.json()
    assert body["pid"] == "child-a" and body["check"]["episode_rid"] == body["rid"]
    assert body["check"]["profile_version"] == 2
    episode = session.scalar(select(Episode).where(Episode.rid == body["rid"]))
    assert (
        "Call or message the child's phone: No contact, not found (voicemail)"
        in episode.circumstances_text
    )
    assert call(R.care_staff, "POST", f"/api/checks/{check['id']}/report").status_code == 409
    assert (
        call(
            R.care_staff,
            "POST",
            steps,
            json={"step": "search_home", "result": "no_contact", "at": _minute(back)},
        ).status_code
        == 409
    )
    # The control room reads it; a check on another side's child is as absent.
    assert (
        call(R.police_control_room, "GET", f"/api/checks/{check['id']}").json()["outcome"]
        == "report_now"
    )
    other = CarerCheck(
        child_id=w.b.child.id,
        agency_id=w.b.agencies["provider"].id,
        started_by=w.users[R.care_staff].id,
        started_at=back,
        expected_back=back,
        concerns=[],
    )
    session.add(other)
    session.commit()
    assert call(R.police_control_room, "GET", f"/api/checks/{other.id}").status_code == 404
    session.expire_all()
    readers = set(
        session.scalars(
            select(AuditEvent.actor_role).where(
                AuditEvent.entity == "carer_check",
                AuditEvent.action == "read",
                AuditEvent.entity_id == str(check["id"]),
            )
        )
    )
    assert readers == {"care_staff", "council_social_worker", "police_control_room"}


def _earlier_episodes(session, w, count=5):
    for i in range(count):
        start = datetime(2023, 12, 1, 22) + timedelta(days=i)
        session.add(
            Episode(
                rid=f"old-{i}",
                child_id=w.a.child.id,
                force_id=w.a.agencies["force"].id,
                links_recorded=False,
                associates_recorded=False,
                version=1,
                updated_at=start,
                reported_at=start,
                found_at=start + timedelta(hours=1),
                found_by="self",
                age=14,
                missing_from_type="care_home",
            )
        )
    session.commit()


def test_triage_over_http_shows_history_and_guidance_and_assesses_with_factors(api):
    call, session, w = api
    _earlier_episodes(session, w)
    assert call(R.care_staff, "GET", "/api/episodes/ep-a/triage").status_code == 403
    assert call(R.police_control_room, "GET", "/api/episodes/ep-b/triage").status_code == 404
    seen = call(R.police_control_room, "GET", "/api/episodes/ep-a/triage")
    assert seen.status_code == 200, seen.text
    view = seen.json()
    assert view["profile"]["content"] == {"description": "tall"}
    assert view["profile"]["agreed_wait_minutes"] is None
    assert view["history"]["count"] == 5 and view["history"]["median_hours"] == 1.0
    assert view["history"]["found_by"] == {"self": 5}
    guidance = view["guidance"]
    # Too few alike at every level: all the force's 5 earlier episodes, each back within 1 hour.
    assert (guidance["matched_on"], guidance["similar"], guidance["ended"]) == ([], 5, 5)
    assert [r["hours"] for r in guidance["table"]] == [1, 2, 4, 8, 12, 24]
    assert [r["share_ended"] for r in guidance["table"]] == [1.0] * 6
    assert [a["level"] for a in view["assessments"]] == ["medium"]

    url = "/api/episodes/ep-a/triage/risk-assessments"
    assert _fields(
        call(
            R.police_control_room,
            "POST",
            url,
            json={"level": "severe", "factors": ["cse", "bogus"]},
        )
    ) == {"body.level", "body.factors.1"}
    assert _fields(
        call(R.police_control_room, "POST", url, json={"level": "medium", "factors": ["cse"]})
    ) == {"rationale"}
    assert (
        call(
            R.council_missing_coordinator, "POST", url, json={"level": "medium", "rationale": "x"}
        ).status_code
        == 403
    )
    assessed = call(
        R.police_control_room,
        "POST",
        url,
        json={"level": "medium", "factors": ["cse"], "rationale": "known to an exploiting group"},
    )
    assert assessed.status_code == 201, assessed.text
    assert assessed.json()["assessment"]["factors"] == ["cse"]
    generated = {t["description"] for t in assessed.json()["tasks"] if t["risk_level"] == "medium"}
    assert generated == set(tasks_for("medium", load_task_library()))
    again = call(R.police_control_room, "GET", "/api/episodes/ep-a/triage").json()
    assert again["assessments"][-1]["factors"] == ["cse"]
    assert len(again["tasks"]) == len(generated) + 1  # and the world's hand-keyed task


def test_task_progress_over_http_assign_complete_not_needed_and_review(api):
    call, session, w = api
    call(
        R.police_mispers,
        "POST",
        "/api/episodes/ep-a/triage/risk-assessments",
        json={"level": "low", "rationale": "usual pattern"},
    )
    tasks = call(R.police_officer, "GET", "/api/episodes/ep-a/task-progress").json()
    low = [t for t in tasks if t["risk_level"] == "low"]
    first, second = low[0]["id"], low[1]["id"]
    assert call(R.care_staff, "GET", "/api/episodes/ep-a/task-progress").status_code == 403
    assert call(R.police_officer, "GET", "/api/episodes/ep-b/task-progress").status_code == 404
    assert _fields(
        call(R.police_mispers, "POST", f"/api/tasks/{first}/assign", json={"username": "nobody"})
    ) == {"assigned_to"}
    assigned = call(
        R.police_mispers, "POST", f"/api/tasks/{first}/assign", json={"username": "police_officer"}
    )
    assert assigned.json()["assigned_to"] == w.users[R.police_officer].id
    assert _fields(call(R.police_officer, "POST", f"/api/tasks/{first}/complete", json={})) == {
        "body.contributed"
    }
    done = call(
        R.police_officer, "POST", f"/api/tasks/{first}/complete", json={"contributed": True}
    )
    assert (done.json()["status"], done.json()["contributed"]) == ("done", True)
    assert (
        call(
            R.police_officer, "POST", f"/api/tasks/{first}/complete", json={"contributed": False}
        ).status_code
        == 409
    )
    assert _fields(
        call(R.police_officer, "POST", f"/api/tasks/{second}/not-needed", json={"reason": ""})
    ) == {"body.reason"}
    assert _fields(
        call(R.police_officer, "POST", f"/api/tasks/{second}/not-needed", json={"reason": "   "})
    ) == {"reason"}
    skipped = call(
        R.police_officer,
        "POST",
        f"/api/tasks/{second}/not-needed",
        json={"reason": "the home searched already"},
    )
    assert (skipped.json()["status"], skipped.json()["reason"]) == (
        "not_needed",
        "the home searched already",
    )
    other_task = w.b.task.id
    assert (
        call(
            R.police_officer,
            "POST",
            f"/api/tasks/{other_task}/complete",
            json={"contributed": True},
        ).status_code
        == 404
    )
    assert call(R.police_officer, "GET", "/api/task-review").json() == []  # the episode is open
    session.execute(
        Episode.__table__.update()
        .where(Episode.rid == "ep-a")
        .values(found_at=datetime(2024, 3, 2, 9))
    )
    session.commit()
    review = {
        r["task"]: r
        for r in call(R.police_officer, "GET", "/api/task-review").json()
        if r["risk_level"] == "low"
    }
    helped = review[low[0]["description"]]
    assert (helped["done"], helped["contributed"], helped["contributed_share"]) == (1, 1, 1.0)
    unneeded = review[low[1]["description"]]
    assert (unneeded["not_needed"], unneeded["contributed_share"]) == (1, None)


def test_a_task_gives_one_answer_whichever_route_changed_it(api):
    """Completed through its progress, then unticked on the episode's task list: both lists say it
    is open again (the tick was the later word); ticked again, both say done. A task marked not
    needed cannot be ticked."""
    call, _session, _w = api
    call(
        R.police_mispers,
        "POST",
        "/api/episodes/ep-a/triage/risk-assessments",
        json={"level": "low", "rationale": "usual pattern"},
    )
    listed = call(R.police_officer, "GET", "/api/episodes/ep-a/task-progress").json()
    first, second = [t["id"] for t in listed if t["risk_level"] == "low"][:2]

    def answers(task_id: int) -> tuple[dict, dict]:
        """The task in the progress list and in the episode's task list."""
        progress = call(R.police_officer, "GET", "/api/episodes/ep-a/task-progress").json()
        tasks = call(R.police_officer, "GET", "/api/episodes/ep-a/tasks").json()
        return (
            next(t for t in progress if t["id"] == task_id),
            next(t for t in tasks if t["id"] == task_id),
        )

    call(R.police_officer, "POST", f"/api/tasks/{first}/complete", json={"contributed": True})
    progress, task = answers(first)
    assert (progress["status"], progress["contributed"], task["done"]) == ("done", True, True)
    unticked = call(R.police_officer, "PATCH", f"/api/tasks/{first}", json={"done": False})
    assert unticked.status_code == 200 and unticked.json()["done"] is False
    progress, task = answers(first)
    assert (progress["status"], task["done"]) == ("open", False)
    assert (progress["contributed"], progress["closed_at"]) == (None, None)
    ticked = call(R.police_officer, "PATCH", f"/api/tasks/{first}", json={"done": True})
    assert ticked.status_code == 200 and ticked.json()["done"] is True
    progress, task = answers(first)
    assert (progress["status"], progress["contributed"], task["done"]) == ("done", None, True)
    page = call(R.police_officer, "GET", "/triage/ep-a").text  # whether it helped: not said
    assert f'id="task-{first}" class="task task-done"' in page
    assert "(did not help)" not in page and "(helped find the child)" not in page
    again = call(
        R.police_officer, "POST", f"/api/tasks/{first}/complete", json={"contributed": True}
    )
    assert again.status_code == 409  # done already, by either route
    call(R.police_officer, "POST", f"/api/tasks/{second}/not-needed", json={"reason": "searched"})
    refused = call(R.police_officer, "PATCH", f"/api/tasks/{second}", json={"done": True})
    assert refused.status_code == 409
    progress, task = answers(second)
    assert (progress["status"], task["done"]) == ("not_needed", False)


def test_placement_check_over_http_tells_the_council_of_a_rival_group_and_no_more(api):
    call, session, w = api
    url = "/api/placement-check"
    query = {"pid": "child-a", "home_id": w.b.home.id}
    assert call(R.council_missing_coordinator, "GET", url, params=query).json()["links"] == []
    assert _fields(call(R.council_missing_coordinator, "GET", url, params={"pid": "child-a"})) == {
        "query.home_id"
    }
    assert (
        call(
            R.council_missing_coordinator, "GET", url, params={"pid": "child-a", "home_id": 99999}
        ).status_code
        == 404
    )
    assert call(R.care_staff, "GET", url, params=query).status_code == 403

    # The police record a group, link child A to it; side B's force records its rival.
    made = call(R.police_mispers, "POST", "/api/groups", json={"name": "Northside", "area": "AL1"})
    assert made.status_code == 201, made.text
    north = made.json()["id"]
    assert (
        call(R.police_mispers, "POST", "/api/groups", json={"name": "Northside"}).status_code == 409
    )
    assert _fields(call(R.police_mispers, "POST", "/api/groups", json={"name": ""})) == {
        "body.name"
    }
    linked = call(
        R.police_officer,
        "POST",
        "/api/children/child-a/groups",
        json={"group_id": north, "note": "stop and search with members"},
    )
    assert linked.status_code == 201 and linked.json()["group_name"] == "Northside"
    assert (
        call(
            R.police_officer, "POST", "/api/children/child-b/groups", json={"group_id": north}
        ).status_code
        == 404
    )
    south = Group(
        force_id=w.b.agencies["force"].id,
        name="Southside",
        created_by=w.users[R.admin].id,
        created_at=datetime(2024, 1, 1),
    )
    session.add(south)
    session.flush()
    session.add_all(
        [
            GroupRivalry(
                group_id=north,
                rival_id=south.id,
                created_by=w.users[R.admin].id,
                created_at=datetime(2024, 1, 1),
            ),
            GroupAffiliation(
                child_id=w.b.child.id,
                group_id=south.id,
                created_by=w.users[R.admin].id,
                created_by_agency_id=w.b.agencies["force"].id,
                created_at=datetime(2024, 1, 1),
            ),
        ]
    )
    session.commit()
    assert _fields(
        call(R.police_mispers, "POST", f"/api/groups/{north}/rivals", json={"rival_id": south.id})
    ) == {"rival_id"}  # not this force's group
    assert (
        call(
            R.police_mispers, "POST", f"/api/groups/{south.id}/rivals", json={"rival_id": north}
        ).status_code
        == 404
    )
    [own] = call(R.police_mispers, "GET", "/api/groups").json()
    assert (own["name"], own["rival_ids"]) == ("Northside", [south.id])

    answer = call(R.council_missing_coordinator, "GET", url, params=query)
    assert answer.json()["links"] == [
        {"other": UNSEEN, "shared_associates": 0, "missing_together": 0, "rival_groups": 1}
    ]
    assert "side" not in answer.text.lower() and "stop and search" not in answer.text
    # What the police hold is not for the council or care staff.
    for role in (R.council_missing_coordinator, R.care_staff):
        assert call(role, "GET", "/api/children/child-a/groups").status_code == 403
        assert call(role, "GET", "/api/groups").status_code == 403
    [held] = call(R.police_officer, "GET", "/api/children/child-a/groups").json()
    assert held["note"] == "stop and search with members"
    # Each read and change is in the audit log, against the child.
    session.expire_all()
    logged = set(
        session.execute(
            select(AuditEvent.actor_role, AuditEvent.action, AuditEvent.entity).where(
                AuditEvent.child_id == w.a.child.id
            )
        ).all()
    )
    assert {
        ("police_officer", "create", "group_affiliation"),
        ("police_officer", "read", "group_affiliation"),
        ("council_missing_coordinator", "check", "placement"),
    } <= logged


def test_a_repeat_childs_guidance_matches_on_previous_behaviour_and_the_page_says_so(api):
    call, session, w = api
    # 45 earlier 1-hour episodes: the 35 from the 11th on had 10 or more before them and the last
    # under 2 hours, as ep-a has (45 before it): enough (30) to match on previous behaviour.
    _earlier_episodes(session, w, count=45)
    guidance = call(R.police_control_room, "GET", "/api/episodes/ep-a/triage").json()["guidance"]
    assert guidance["matched_on"] == [
        "missing_from_type",
        "hour_band",
        "age_band",
        "exploitation_flag",
        "previous_band",
        "previous_duration_band",
    ]
    assert guidance["similar"] == 35
    page = call(R.police_control_room, "GET", "/triage/ep-a")
    assert page.status_code == 200
    assert (
        "alike in where from, time of day, age band, exploitation flags, number of earlier "
        "episodes, how long the last one lasted"
    ) in page.text
