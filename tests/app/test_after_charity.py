"""The missing-persons charity: it sees the emerging-frequent list of the forces it partners (the
administrator records the partnership), with pseudonymous ids and why, never names or dates of
birth or anything else of a case; each read is audited."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from app.after_world import build
from app.forms import FormClient
from misper.app.access import Actor
from misper.app.agencies.models import Agency
from misper.app.audit.service import _PENDING
from misper.app.auth.service import issue_token
from misper.app.charity import service as charity
from misper.app.errors import Conflict, Forbidden, Invalid, NotFound
from misper.app.users.models import Role, User

NOW = datetime(2024, 6, 30, 12, 0)


@pytest.fixture
def store(sessions):
    session = sessions()
    world = build(session)
    agency = Agency(name="Missing People", kind="charity")
    session.add(agency)
    session.flush()
    users = {}
    for name, role, agency_id in (
        ("charity", Role.charity_worker, agency.id),
        ("admin", Role.admin, world.agencies["placing"].id),
    ):
        users[name] = User(
            username=name,
            display_name=name,
            role=role.value,
            agency_id=agency_id,
            password_hash="x",
            created_at=datetime(2024, 1, 1),
        )
    session.add_all(users.values())
    session.flush()
    actors = {
        name: Actor(
            u.id, name, Role(u.role), u.agency_id, "charity" if name == "charity" else "council"
        )
        for name, u in users.items()
    }
    # Child "away": three episodes in the last 30 days, none before (rising); "local" in the other
    # force, as often, which a charity partnering only the first force must not see.
    for k, days in enumerate((2, 9, 20)):
        world.episode(session, "away", NOW - timedelta(days=days), rid=f"a{k}")
        other = world.episode(session, "local", NOW - timedelta(days=days), rid=f"o{k}")
        other.force_id = world.agencies["other_force"].id
    session.flush()
    yield session, world, agency, actors
    session.rollback()
    session.close()


def test_a_charity_sees_its_partner_forces_list_with_ids_and_why_only(store):
    session, world, agency, actors = store
    assert charity.emerging_for_charity(session, actors["charity"], NOW) == []  # no partner yet
    charity.add_partnership(session, actors["admin"], agency.id, world.agencies["force"].id)
    [entry] = charity.emerging_for_charity(session, actors["charity"], NOW)
    assert (entry["force_id"], entry["force"]) == (world.agencies["force"].id, "force agency")
    [child] = entry["children"]
    assert child == {
        "pid": "P-away",
        "recent": 3,
        "baseline": 0,
        "why": "3 episodes in the last 30 days against 0 in the 90 days before "
        "(new to the list of repeats)",
    }
    [event] = [e for e in session.info[_PENDING] if e.entity == "emerging_frequent"][-1:]
    assert event.actor_id == actors["charity"].user_id
    assert json.loads(event.detail)["pids"] == ["P-away"]


def test_the_list_counts_only_childrens_missing_reports_in_the_window(store):
    session, world, agency, actors = store
    charity.add_partnership(session, actors["admin"], agency.id, world.agencies["force"].id)
    world.episode(session, "away", NOW - timedelta(days=1), rid="adult").age = 18
    world.episode(session, "away", NOW + timedelta(days=1), rid="future")
    session.flush()
    [entry] = charity.emerging_for_charity(session, actors["charity"], NOW)
    assert entry["children"][0]["recent"] == 3


def test_ending_the_partnership_ends_what_the_charity_sees(store):
    session, world, agency, actors = store
    row, *_ = charity.add_partnership(
        session, actors["admin"], agency.id, world.agencies["force"].id
    )
    charity.end_partnership(session, actors["admin"], row.id)
    assert charity.emerging_for_charity(session, actors["charity"], NOW) == []
    with pytest.raises(NotFound):
        charity.end_partnership(session, actors["admin"], row.id)


def test_partnerships_are_the_administrators_and_checked(store):
    session, world, agency, actors = store
    force = world.agencies["force"].id
    with pytest.raises(Forbidden):
        charity.add_partnership(session, actors["charity"], agency.id, force)
    with pytest.raises(Forbidden):
        charity.add_partnership(session, world.actors["mispers"], agency.id, force)
    with pytest.raises(Invalid) as not_charity:
        charity.add_partnership(session, actors["admin"], world.agencies["rhi"].id, force)
    assert not_charity.value.fields[0]["field"] == "charity_id"
    with pytest.raises(Invalid) as not_force:
        charity.add_partnership(session, actors["admin"], agency.id, world.agencies["host"].id)
    assert not_force.value.fields[0]["field"] == "force_id"
    charity.add_partnership(session, actors["admin"], agency.id, force)
    with pytest.raises(Conflict):
        charity.add_partnership(session, actors["admin"], agency.id, force)
    # The charity sees its own partnerships; no case role sees any, nor the charity's list.
    assert [r[1:] for r in charity.list_partnerships(session, actors["charity"])] == [
        ("Missing People", "force agency")
    ]
    with pytest.raises(Forbidden):
        charity.emerging_for_charity(session, world.actors["mispers"], NOW)


def test_over_http_the_charity_gets_no_names_and_no_case_pages(database_url, sessions):
    from misper.app.auth.service import hasher
    from misper.app.main import create_app

    session = sessions()
    world = build(session, hasher.hash("pw-for-the-test"))
    agency = Agency(name="Missing People", kind="charity")
    session.add(agency)
    session.flush()
    user = User(
        username="charity",
        display_name="charity",
        role="charity_worker",
        agency_id=agency.id,
        password_hash=hasher.hash("pw-for-the-test"),
        created_at=datetime(2024, 1, 1),
    )
    session.add(user)
    now = datetime.now()
    for k, days in enumerate((1, 5, 12)):
        world.episode(session, "away", now - timedelta(days=days), rid=f"h{k}")
    session.flush()
    charity.add_partnership(session, None, agency.id, world.agencies["force"].id)
    token = issue_token(session, user, "bearer")
    session.commit()
    app = create_app(database_url)
    try:
        with FormClient(app) as client:
            auth = {"Authorization": f"Bearer {token}"}
            answer = client.get("/api/emerging-frequent", headers=auth)
            assert answer.status_code == 200
            assert answer.json()[0]["children"][0]["pid"] == "P-away"
            assert "Child away" not in answer.text and "2010-01-01" not in answer.text
            for path in (
                "/api/children",
                "/api/episodes",
                "/api/dashboards/frequently-missing",
                "/api/children/P-away/timeline",
            ):
                assert client.get(path, headers=auth).status_code == 403, path
            client.post("/login", data={"username": "charity", "password": "pw-for-the-test"})
            page = client.get("/emerging-frequent")
            assert page.status_code == 200
            assert "P-away" in page.text and "Child away" not in page.text
            assert "/children/P-away" not in page.text  # no link into a record it may not open
            assert client.get("/dashboards/frequent").status_code == 403
            assert client.get("/charity-partnerships").status_code == 403
    finally:
        app.state.engine.dispose()
        session.close()


def test_the_administrator_records_and_ends_partnerships_on_its_page(database_url, sessions):
    from misper.app.auth.service import hasher
    from misper.app.main import create_app

    session = sessions()
    world = build(session)
    agency = Agency(name="Missing People", kind="charity")
    session.add(agency)
    session.flush()
    session.add(
        User(
            username="admin",
            display_name="admin",
            role="admin",
            agency_id=world.agencies["placing"].id,
            password_hash=hasher.hash("pw-for-the-test"),
            created_at=datetime(2024, 1, 1),
        )
    )
    session.commit()
    app = create_app(database_url)
    try:
        with FormClient(app) as client:
            client.post("/login", data={"username": "admin", "password": "pw-for-the-test"})
            force = world.agencies["force"].id
            bad = client.post("/charity-partnerships", data={"charity_id": str(agency.id)})
            assert bad.status_code == 422 and "force_id" in bad.text
            wrong = client.post(
                "/charity-partnerships",
                data={"charity_id": str(world.agencies["rhi"].id), "force_id": str(force)},
            )
            assert wrong.status_code == 422 and "not an agency of kind charity" in wrong.text
            added = client.post(
                "/charity-partnerships", data={"charity_id": str(agency.id), "force_id": str(force)}
            )
            assert added.status_code == 200 and "End this partnership" in added.text
            [row] = charity.list_partnerships(session, Actor(0, "t", Role.admin, 0, "council"))
            assert client.post(f"/charity-partnerships/{row[0].id}/end").status_code == 200
            session.expire_all()
            assert charity.list_partnerships(session, Actor(0, "t", Role.admin, 0, "council")) == []
    finally:
        app.state.engine.dispose()
        session.close()
