"""API behaviour: field errors, optimistic locking, failed requests changing nothing, log-in."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.world import PASSWORD
from misper.app.audit.models import AuditEvent
from misper.app.auth.service import MAX_FAILURES, hasher, issue_token
from misper.app.episodes.models import Episode
from misper.app.interviews.models import ReturnHomeInterview
from misper.app.users.models import Role, User


@pytest.fixture(scope="module")
def api(world_store):
    from misper.app.main import create_app

    session, world, url = world_store
    tokens = {role: issue_token(session, world.users[role], "bearer") for role in Role}
    session.commit()
    app = create_app(url)
    with TestClient(app) as client:

        def call(role, method, path, **kwargs):
            return client.request(
                method, path, headers={"Authorization": f"Bearer {tokens[role]}"}, **kwargs
            )

        yield call, client, session, world
    app.state.engine.dispose()


def _audit_count(session):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AuditEvent))


def test_invalid_body_gets_one_message_per_field(api):
    call, _client, _session, _world = api
    response = call(
        Role.police_mispers,
        "POST",
        "/api/episodes",
        json={
            "pid": "child-a",
            "reported_at": "yesterday",
            "missing_from_type": "moon",
            "age": 300,
            "surprise": 1,
        },
    )
    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["error"]["fields"]}
    assert fields == {"body.reported_at", "body.missing_from_type", "body.age", "body.surprise"}
    assert "moon" not in response.text  # values are not echoed back


def test_bad_query_and_path_values_are_field_errors(api):
    call, *_ = api
    response = call(Role.police_mispers, "GET", "/api/episodes", params={"limit": 0, "risk": "x"})
    assert response.status_code == 422
    assert {f["field"] for f in response.json()["error"]["fields"]} == {"query.limit", "query.risk"}
    assert (
        call(Role.rhi_worker, "GET", "/api/return-home-interviews/99999999999").status_code == 422
    )
    nul = call(Role.police_mispers, "GET", "/api/episodes/ep%00a")
    assert nul.status_code == 422 and nul.json()["error"]["fields"][0]["field"] == "url"


def test_out_of_scope_and_absent_answer_alike(api):
    call, *_ = api
    absent = call(Role.police_mispers, "GET", "/api/episodes/no-such-rid")
    other = call(Role.police_mispers, "GET", "/api/episodes/ep-b")
    assert absent.status_code == other.status_code == 404
    assert absent.json() == other.json()
    forbidden_absent = call(Role.care_staff, "GET", "/api/episodes/no-such-rid/decisions")
    forbidden_other = call(Role.care_staff, "GET", "/api/episodes/ep-b/decisions")
    assert forbidden_absent.status_code == forbidden_other.status_code == 403
    assert forbidden_absent.json() == forbidden_other.json()


def test_second_editor_is_told_and_nothing_is_overwritten(api):
    call, _client, session, _world = api
    version = call(Role.police_officer, "GET", "/api/episodes/ep-a").json()["version"]
    first = call(
        Role.police_officer,
        "PATCH",
        "/api/episodes/ep-a",
        json={"version": version, "found_by": "police"},
    )
    second = call(  # a field the carer may write (found_by is the police's: 403 whatever)
        Role.care_staff,
        "PATCH",
        "/api/episodes/ep-a",
        json={"version": version, "found_text": "back at the home"},
    )
    assert first.status_code == 200 and first.json()["version"] == version + 1
    assert second.status_code == 409 and second.json()["error"]["code"] == "conflict"
    session.expire_all()
    assert session.scalar(select(Episode.found_by).where(Episode.rid == "ep-a")) == "police"


def test_a_failed_request_leaves_the_database_as_it_was(api):
    call, _client, session, world = api
    before = _audit_count(session)
    rhi = call(Role.rhi_worker, "GET", f"/api/return-home-interviews/{world.a.rhi.id}").json()
    after_read = _audit_count(session)
    response = call(
        Role.rhi_worker,
        "PATCH",
        f"/api/return-home-interviews/{world.a.rhi.id}",
        json={
            "version": rhi["version"],
            "accepted": False,
            "completed_at": "2024-03-05T10:00",
            "findings": "should not stay",
        },
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "completed_at"
    session.expire_all()
    stored = session.get(ReturnHomeInterview, world.a.rhi.id)
    assert (stored.findings, stored.accepted, stored.version) == (None, None, rhi["version"])
    assert after_read == before + 1 and _audit_count(session) == after_read


def test_reading_a_childs_record_needs_a_reason_from_police_and_is_audited(api):
    call, _client, session, world = api
    refused = call(Role.police_officer, "GET", "/api/children/child-a")
    assert refused.status_code == 422 and refused.json()["error"]["fields"][0]["field"] == "reason"
    assert call(Role.council_social_worker, "GET", "/api/children/child-a").status_code == 200
    ok = call(
        Role.police_officer,
        "GET",
        "/api/children/child-a",
        params={"reason": "episode ep-a enquiries"},
    )
    assert ok.status_code == 200 and ok.json()["name"] == "Child A"
    session.expire_all()
    event = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert (event.action, event.entity, event.child_id, event.reason, event.actor_role) == (
        "read",
        "child",
        world.a.child.id,
        "episode ep-a enquiries",
        "police_officer",
    )


def test_rhi_provider_sees_the_minimum_about_the_child(api):
    call, _client, _session, world = api
    listed = call(Role.rhi_worker, "GET", "/api/return-home-interviews").json()
    assert [r["child"] for r in listed if r["id"] == world.a.rhi.id] == [
        {"pid": "child-a", "name": "Child A"}
    ]
    assert "date_of_birth" not in str(listed)


def test_login_lock_out_and_reset(api):
    call, client, session, world = api
    username = world.users[Role.council_missing_coordinator].username  # of the admin's agency
    good = client.post("/api/auth/token", json={"username": username, "password": PASSWORD})
    assert good.status_code == 200
    token = good.json()["access_token"]
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["role"] == "council_missing_coordinator" and "Episodes" in me["menu"]
    for _ in range(MAX_FAILURES):
        assert (
            client.post(
                "/api/auth/token", json={"username": username, "password": "wrong password!"}
            ).status_code
            == 401
        )
    locked = client.post("/api/auth/token", json={"username": username, "password": PASSWORD})
    assert locked.status_code == 401
    unknown = client.post("/api/auth/token", json={"username": "nobody", "password": PASSWORD})
    assert unknown.json() == locked.json()  # a locked account and a stranger look the same
    reset = call(Role.admin, "POST", f"/api/users/{username}/reset")
    assert reset.status_code == 200
    code = reset.json()["reset_code"]
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    # Unlocked, but the code leads only to choosing a password (on the web), not to a token.
    answer = client.post("/api/auth/token", json={"username": username, "password": code})
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "sign_in_setup_required"
    user = session.get(User, world.users[Role.council_missing_coordinator].id)
    session.refresh(user)
    user.password_hash, user.must_change_password = hasher.hash(PASSWORD), False
    session.commit()  # as the user would, choosing a password; later tests sign in with it


def test_revoked_token_stops_working(api):
    _call, client, _session, world = api
    token = client.post(
        "/api/auth/token", json={"username": "analyst", "password": PASSWORD}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    assert client.post("/api/auth/revoke", headers=headers).status_code == 200
    assert client.get("/api/me", headers=headers).status_code == 401


def test_police_report_a_new_child_and_care_staff_only_their_own(api):
    call, *_ = api
    new = call(
        Role.police_mispers,
        "POST",
        "/api/episodes",
        json={
            "child": {"name": "New Child", "date_of_birth": "2010-02-03"},
            "reported_at": "2024-06-01T21:30",
            "missing_from_type": "street",
            "risk_initial": "high",
        },
    )
    assert new.status_code == 201
    body = new.json()
    assert (body["age"], body["risk_initial"], body["risk_final"], body["is_open"]) == (
        14,
        "high",
        "high",
        True,
    )
    care = call(
        Role.care_staff,
        "POST",
        "/api/episodes",
        json={
            "pid": body["pid"],
            "reported_at": "2024-06-01T21:30",
            "missing_from_type": "care_home",
        },
    )
    assert care.status_code == 404


def test_analyst_export_has_no_names_or_free_text(api):
    call, *_ = api
    response = call(Role.analyst, "GET", "/api/export")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    header = response.text.splitlines()[0].replace('"', "").split(",")
    assert "rid" in header and "circumstances_text" not in header and "child_name" not in header
    assert "Child A" not in response.text
