"""Requests that once answered 500: each now keeps what it should or is refused with a 4xx naming
the field, on SQLite and PostgreSQL. A record a request names in a `*_id` field that does not exist
(or that the caller may not see) is refused as that field's error, never by the database."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, IntegrityError

from app.forms import FormClient
from app.world import PASSWORD, child_not_missing
from misper.app.auth.service import issue_token
from misper.app.episodes.models import Episode
from misper.app.escalation.models import Meeting, MeetingAction
from misper.app.flowchart.models import CarerCheck
from misper.app.groups.models import Group
from misper.app.interviews.models import ReturnHomeInterview
from misper.app.users.models import Role

R = Role
ABSENT = 999_999  # an id no record of the world has
REPORT = {"reported_at": "2024-05-01T20:00", "missing_from_type": "care_home"}


@pytest.fixture(scope="module")
def store(world_store):
    from misper.app.main import create_app

    session, world, url = world_store
    tokens = {role: issue_token(session, world.users[role], "bearer") for role in Role}
    meeting = Meeting(
        referral_id=world.a.referral.id,
        held_at=datetime(2024, 3, 5, 10),
        recorded_by=world.users[R.council_missing_coordinator].id,
    )
    session.add(meeting)
    session.commit()
    app = create_app(url)
    client = TestClient(app, raise_server_exceptions=False)

    def call(role, method, path, **kwargs):
        headers = {"Authorization": f"Bearer {tokens[role]}"}
        return client.request(method, path, headers=headers, **kwargs)

    yield call, app, session, world, meeting.id
    app.state.engine.dispose()


def _count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _fields(response) -> list[str]:
    return [f["field"] for f in response.json()["error"]["fields"]]


# --- A report giving the postcode sector the child went missing from ---------------------------


@pytest.mark.parametrize(
    ("role", "body", "sector"),
    [
        # Police report a child of their own force (pid: one not missing already, made by the
        # test), missing from home in the sector they give.
        (R.police_mispers, {"pid": None, "missing_from_type": "home"}, "AL2 4"),
        # Police report a child the store does not hold for them (a parent's call).
        (
            R.police_mispers,
            {"child": {"name": "New Child"}, "missing_from_type": "street", "age": 13},
            "AL3 9",
        ),
        # Care staff report a child of their home; the sector they give is kept as given.
        (R.care_staff, {"pid": None}, "AL1 5"),
    ],
)
def test_a_report_keeps_the_postcode_sector_it_gives(store, role, body, sector):
    call, _app, session, world, _meeting = store
    if "pid" in body:
        body = {**body, "pid": _not_missing(session, world)}
    response = call(
        role,
        "POST",
        "/api/episodes",
        json={**REPORT, **body, "missing_from_postcode_sector": sector},
    )
    assert response.status_code == 201, response.text
    assert response.json()["missing_from_postcode_sector"] == sector
    rid = response.json()["rid"]
    session.expire_all()
    stored = session.scalar(select(Episode).where(Episode.rid == rid))
    assert stored.missing_from_postcode_sector == sector


def test_a_care_home_report_without_a_sector_takes_the_homes(store):
    call, _app, session, world, _meeting = store
    pid = _not_missing(session, world)
    response = call(R.care_staff, "POST", "/api/episodes", json={**REPORT, "pid": pid})
    assert response.status_code == 201, response.text
    assert response.json()["missing_from_postcode_sector"] == "AL1 1"  # Home a's (world.py)


# --- Times the store does not keep, with an offset -------------------------------------------


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:00-05:00"])
def test_a_time_beyond_the_years_kept_is_refused_even_with_an_offset(store, when):
    """Converting year 1 or 9999 to the store's local time overflowed before its year was
    checked."""
    call, *_ = store
    refused = call(
        R.police_mispers,
        "POST",
        "/api/episodes",
        json={**REPORT, "pid": "child-a", "missing_from_type": "home", "reported_at": when},
    )
    assert refused.status_code == 422, refused.text
    assert _fields(refused) == ["body.reported_at"]


# --- A change setting to null what the store always holds --------------------------------------


def test_an_interview_change_may_leave_out_but_not_null_whether_it_is_shared(store):
    """Null reached the column, which holds yes or no, and the database refused it."""
    call, _app, session, world, _meeting = store
    session.expire_all()
    rhi = session.get(ReturnHomeInterview, world.a.rhi.id)
    path = f"/api/return-home-interviews/{rhi.id}"
    body = {"version": rhi.version, "findings": "wants to talk again"}
    refused = call(
        R.council_missing_coordinator, "PATCH", path, json={**body, "shared_with_police": None}
    )
    assert refused.status_code == 422, refused.text
    assert _fields(refused) == ["body.shared_with_police"]
    kept = call(R.council_missing_coordinator, "PATCH", path, json=body)
    assert kept.status_code == 200, kept.text
    assert kept.json()["shared_with_police"] is True  # as it was (world.py)


# --- Records named by id in a request's body ---------------------------------------------------


def test_a_meeting_action_for_an_unknown_agency_is_refused_on_that_field(store):
    call, _app, session, world, meeting = store
    before = _count(session, MeetingAction)
    refused = call(
        R.council_missing_coordinator,
        "POST",
        f"/api/meetings/{meeting}/actions",
        json={"description": "Visit the school", "owner_agency_id": ABSENT},
    )
    assert refused.status_code == 422, refused.text
    assert _fields(refused) == ["owner_agency_id"]
    assert str(ABSENT) not in refused.text
    assert _count(session, MeetingAction) == before
    # Any agency of the store may own an action: the other area's council here.
    kept = call(
        R.council_missing_coordinator,
        "POST",
        f"/api/meetings/{meeting}/actions",
        json={"description": "Ask B", "owner_agency_id": world.b.agencies["council"].id},
    )
    assert kept.status_code == 201, kept.text
    assert kept.json()["owner_agency_id"] == world.b.agencies["council"].id


def _group(session, world, side) -> int:
    sd = world.a if side == "a" else world.b
    group = Group(
        force_id=sd.agencies["force"].id,
        name=f"group {uuid.uuid4().hex[:8]}",
        created_by=world.users[R.police_mispers].id,
        created_at=datetime(2024, 1, 1),
    )
    session.add(group)
    session.commit()
    return group.id


def _closed_episode(session, world) -> Episode:
    """A closed episode of side A's child with no return home interview yet."""
    found = datetime(2024, 4, 2, 10)
    episode = Episode(
        rid=f"closed-{uuid.uuid4().hex[:8]}",
        child_id=world.a.child.id,
        force_id=world.a.agencies["force"].id,
        links_recorded=False,
        associates_recorded=False,
        version=1,
        updated_at=found,
        reported_at=datetime(2024, 4, 1, 22),
        found_at=found,
        age=14,
        missing_from_type="home",
    )
    session.add(episode)
    session.commit()
    return episode


def _not_missing(session, world) -> str:
    """The pid of a child of side A's home who is not missing (child A is: reported once)."""
    pid = child_not_missing(session, world).pid
    session.commit()
    return pid


def _interview_owed(call, session, world) -> int:
    """A return home interview side A's council owes: an episode reported and closed by side
    A's force, as the API does it."""
    report = {**REPORT, "pid": _not_missing(session, world), "missing_from_type": "home"}
    rid = call(R.police_mispers, "POST", "/api/episodes", json=report).json()["rid"]
    closed = call(
        R.police_mispers,
        "POST",
        f"/api/episodes/{rid}/close",
        json={"version": 1, "found_at": "2024-05-02T09:00"},
    )
    assert closed.status_code == 200, closed.text
    return closed.json()["return_home_interview_id"]


# Every body field of the API naming a record by id: (role, method, the call that succeeds with
# the field's own value (path, body), field, a record that exists but that this field may not
# name for this caller, or None where any record may). `c` is the test's `call`, `s` its session,
# `w` the world, `m` a meeting on side A's referral.
BODY_IDS = [
    (
        R.police_mispers,
        lambda c, s, w, m: (f"/api/groups/{_group(s, w, 'a')}/rivals", {}),
        "rival_id",
        "B's group",
    ),
    (
        R.police_mispers,
        lambda c, s, w, m: ("/api/children/child-a/groups", {}),
        "group_id",
        "B's group",
    ),
    (
        R.council_missing_coordinator,
        lambda c, s, w, m: ("/api/return-home-interviews", {"rid": _closed_episode(s, w).rid}),
        "provider_id",
        "council",
    ),
    (
        R.council_missing_coordinator,
        lambda c, s, w, m: (
            f"/api/rhi-clock/{_interview_owed(c, s, w)}/arrange",
            {"interviewer_kind": "independent_provider"},
        ),
        "provider_id",
        "council",
    ),
    (
        R.council_missing_coordinator,
        lambda c, s, w, m: (f"/api/meetings/{m}/actions", {"description": "Visit the school"}),
        "owner_agency_id",
        None,
    ),
    (
        R.council_missing_coordinator,
        lambda c, s, w, m: ("/api/placements", {"pid": "child-a", "start_date": "2024-06-01"}),
        "home_id",
        None,
    ),
    *(
        (
            R.admin,
            lambda c, s, w, m: (
                "/api/homes",
                {
                    "name": "New home",
                    "place_id": f"pl-{uuid.uuid4().hex[:8]}",
                    "provider_id": w.a.agencies["provider"].id,
                    "host_council_id": w.a.agencies["council"].id,
                    "police_force_id": w.a.agencies["force"].id,
                },
            ),
            field,
            wrong,
        )
        for field, wrong in (
            ("provider_id", "council"),
            ("host_council_id", "force"),
            ("police_force_id", "council"),
        )
    ),
    *(
        (
            R.admin,
            lambda c, s, w, m: (
                "/api/charity-partnerships",
                {"charity_id": w.a.agencies["charity"].id, "force_id": w.b.agencies["force"].id},
            ),
            field,
            "council",
        )
        for field in ("charity_id", "force_id")
    ),
]
CASES = [
    pytest.param(role, made, field, named, id=f"{field} {named} {i}")
    for i, (role, made, field, other) in enumerate(BODY_IDS)
    for named in ("absent", other)
    if named is not None
]


@pytest.mark.parametrize(("role", "made", "field", "named"), CASES)
def test_every_body_id_naming_no_usable_record_is_a_field_error(store, role, made, field, named):
    call, _app, session, world, meeting = store
    path, body = made(call, session, world, meeting)
    if named == "absent":
        body[field] = ABSENT
    elif named == "B's group":
        body[field] = _group(session, world, "b")  # another force's
    else:  # an agency of the wrong kind
        body[field] = world.a.agencies[named].id
    response = call(role, "POST", path, json=body)
    assert response.status_code == 422, response.text
    assert _fields(response) == [field]


# --- The update form's way back ----------------------------------------------------------------


@pytest.fixture(scope="module")
def browsers(store):
    """A signed-in browser per role the page tests use, signed in once: the store lets one address
    try to sign in only so often."""
    _call, app, *_ = store
    signed_in = {}
    for role in (R.care_staff, R.police_mispers, R.analyst):
        client = FormClient(app, follow_redirects=False, raise_server_exceptions=False)
        answer = client.post("/login", data={"username": role.value, "password": PASSWORD})
        assert answer.status_code == 303
        signed_in[role] = client
    return signed_in


@pytest.mark.parametrize(
    "back",
    [
        "/checks/abc",
        "/checks/",
        "/checks/²",  # a digit to str.isdigit, not to int()
        "/checks/99999999999999999999999",  # beyond any database integer
        "/checks/3000000000",  # beyond a 32-bit one (PostgreSQL's integer)
        f"/checks/{ABSENT}",
    ],
)
def test_a_refused_update_going_back_to_no_check_answers_not_found(browsers, back):
    response = browsers[R.care_staff].post(
        "/episodes/ep-a/updates", data={"kind": "update", "text": " ", "back": back}
    )
    assert response.status_code == 404, response.text[:300]


@pytest.mark.parametrize("value", ["abc", "²", "99999999999999999999999", "3000000000", "-1"])
@pytest.mark.parametrize(
    ("path", "field", "data"),
    [
        ("/groups/rivalries", "group_id", {"rival_id": "1"}),
        ("/groups/rivalries", "rival_id", {"group_id": "1"}),
        ("/groups/links", "link_group_id", {"pid": "child-a"}),
    ],
)
def test_a_groups_form_with_no_group_id_is_refused_on_that_field(
    browsers, path, field, data, value
):
    response = browsers[R.police_mispers].post(path, data={**data, field: value})
    assert response.status_code == 422, response.text[:300]
    assert f'<a href="#{field}">choose a group</a>' in response.text  # the error summary


# --- Times typed into the pages' forms, read as the API reads them ----------------------------

# Years the store does not keep (year 1 was stored, and then broke the check's page).
BAD_TIMES = ["0001-01-01T00:00", "9999-12-31T23:59"]


@pytest.mark.parametrize("value", BAD_TIMES)
def test_a_carers_check_with_a_time_the_store_does_not_keep_is_refused(store, browsers, value):
    _call, _app, session, _world, _meeting = store
    carer = browsers[R.care_staff]
    before = _count(session, CarerCheck)
    refused = carer.post("/children/child-a/not-here", data={"expected_back": value})
    assert refused.status_code == 422, refused.text[:300]
    assert "Enter the time expected back as a date and time" in refused.text
    assert _count(session, CarerCheck) == before
    started = carer.post("/children/child-a/not-here", data={"expected_back": "2024-03-01 21:00"})
    assert started.status_code == 303
    step = carer.post(
        started.headers["location"] + "/steps",
        data={"step": "searched_room", "result": "not_found", "at": value},
    )
    assert step.status_code == 422, step.text[:300]
    assert carer.get(started.headers["location"]).status_code == 200


def test_a_time_typed_with_an_offset_is_kept_as_the_stores_local_time(store, browsers):
    """Compared with the store's local times as it came, it was a server error."""
    _call, _app, session, _world, _meeting = store
    started = browsers[R.care_staff].post(
        "/children/child-a/not-here", data={"expected_back": "2024-03-01T21:30+05:00"}
    )
    assert started.status_code == 303, started.text[:300]
    check_id = int(started.headers["location"].rsplit("/", 1)[1])
    session.expire_all()
    assert session.get(CarerCheck, check_id).expected_back == datetime(2024, 3, 1, 16, 30)
    assert browsers[R.care_staff].get(started.headers["location"]).status_code == 200


@pytest.mark.parametrize(
    ("expected_back", "date_of_birth"),
    [*((v, "2010-05-31") for v in BAD_TIMES), ("2024-03-01 21:00", "0001-01-01")],
)
def test_a_report_of_a_new_child_with_a_time_the_store_does_not_keep_is_refused(
    store, browsers, expected_back, date_of_birth
):
    _call, _app, session, _world, _meeting = store
    before = _count(session, CarerCheck)
    refused = browsers[R.police_mispers].post(
        "/not-here",
        data={"name": "New", "date_of_birth": date_of_birth, "expected_back": expected_back},
    )
    assert refused.status_code == 422, refused.text[:300]
    assert _count(session, CarerCheck) == before


@pytest.mark.parametrize("value", [*BAD_TIMES, "2024-03-01T21:30+05:00"])  # the last: past
def test_a_control_room_decision_with_a_review_time_the_store_does_not_keep_is_refused(
    browsers, value
):
    refused = browsers[R.police_mispers].post(
        "/triage/ep-a/decision", data={"decision": "delay", "review_at": value, "rationale": "x"}
    )
    assert refused.status_code == 422, refused.text[:300]


@pytest.mark.parametrize("path", ["/dashboards/hotspots", "/dashboards/care-homes"])
def test_a_dashboards_period_the_store_does_not_keep_is_refused_beside_the_date(browsers, path):
    page = browsers[R.police_mispers].get(path, params={"end": "0001-01-02"})
    assert page.status_code == 422, page.text[:300]
    assert '<p class="field-error" id="end-error">' in page.text
    assert 'value="0001-01-02"' in page.text  # as typed


@pytest.mark.parametrize("path", ["/dashboards/hotspots", "/dashboards/care-homes"])
def test_a_dashboards_period_given_with_an_offset_is_read_in_local_time(browsers, path):
    page = browsers[R.police_mispers].get(
        path, params={"start": "2024-01-01T00:00+05:00", "end": "2024-06-01"}
    )
    assert page.status_code == 200, page.text[:300]
    assert 'value="2023-12-31"' in page.text  # 05:00 ahead: the evening before in London


def test_a_tampered_authenticator_key_with_a_wrong_password_is_refused_with_a_new_key(browsers):
    """The wrong password was named, then the page drew the tampered key and failed."""
    refused = browsers[R.analyst].post(
        "/account/second-factor", data={"secret": "-1", "password": "wrong", "code": "123456"}
    )
    assert refused.status_code == 422, refused.text[:300]
    assert "this is not your password" in refused.text
    assert 'value="-1"' not in refused.text


# --- The last resort: a change the database itself refuses --------------------------------------


@pytest.mark.parametrize(
    ("error", "status"),
    [(IntegrityError, 409), (DataError, 422)],
)
def test_a_change_the_database_refuses_is_a_client_error_that_echoes_nothing(
    world_store, error, status
):
    """Whatever a request's own checks missed (a record named that does not exist, a duplicate
    made by two requests at once, a value beyond a column) is refused as such, not a server
    error, and the database's message (which holds the values) is not shown."""
    from misper.app.main import create_app

    _session, _world, url = world_store
    app = create_app(url)

    def refused():
        raise error(
            "INSERT INTO children (name) VALUES (?)",
            {"name": "Secret Child"},
            Exception("constraint failed: Secret Child"),
        )

    app.add_api_route("/api/refused", refused)
    app.add_api_route("/refused", refused)
    client = TestClient(app, raise_server_exceptions=False)
    api = client.get("/api/refused")
    assert api.status_code == status
    assert api.json()["error"]["code"] == "database_refused"
    assert "nothing was changed" in api.json()["error"]["message"]
    page = client.get("/refused", headers={"accept": "text/html"})
    assert page.status_code == status and page.headers["content-type"].startswith("text/html")
    for answer in (api, page):
        assert "Secret" not in answer.text and "INSERT" not in answer.text
    app.state.engine.dispose()
