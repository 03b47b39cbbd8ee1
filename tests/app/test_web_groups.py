"""The police's groups page: record groups, a rivalry and a child's link; refused field by field;
for police roles only."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.forms import FormClient
from app.world import PASSWORD, build_world
from misper.app.main import create_app
from misper.app.users.models import POLICE_ROLES, Role


@pytest.fixture
def client_for(database_url, sessions):
    with sessions() as session:
        build_world(session)
        session.commit()
    app = create_app(database_url)

    def login(role: Role) -> TestClient:
        client = FormClient(app, follow_redirects=False)
        assert (
            client.post("/login", data={"username": role.value, "password": PASSWORD}).status_code
            == 303
        )
        return client

    return login


def _option(html: str, name: str) -> str:
    return re.search(rf'<option value="(\d+)"[^>]*>{re.escape(name)}</option>', html).group(1)


def test_police_record_groups_a_rivalry_and_a_link(client_for):
    police = client_for(Role.police_mispers)
    assert police.post("/groups", data={"name": "Northside", "area": "AL1"}).status_code == 303
    assert police.post("/groups", data={"name": "Southside"}).status_code == 303
    again = police.post("/groups", data={"name": "Northside"})
    assert again.status_code == 422 and "already recorded a group of this name" in again.text
    page = police.get("/groups").text
    north, south = _option(page, "Northside"), _option(page, "Southside")
    same = police.post("/groups/rivalries", data={"group_id": north, "rival_id": north})
    assert same.status_code == 422 and "cannot be its own rival" in same.text
    assert (
        police.post("/groups/rivalries", data={"group_id": north, "rival_id": south}).status_code
        == 303
    )
    linked = police.post(
        "/groups/links",
        data={"pid": "child-a", "link_group_id": south, "note": "seen with members"},
    )
    assert linked.status_code == 303
    row = re.search(
        r"<tr><td>Southside</td><td></td><td>(.*?)</td><td>(\d+)</td></tr>",
        police.get("/groups").text,
    )
    assert row.groups() == ("Northside", "1")


def test_links_are_refused_by_field_keeping_what_was_typed(client_for):
    police = client_for(Role.police_officer)
    police.post("/groups", data={"name": "Eastside"})
    group = _option(police.get("/groups").text, "Eastside")
    for data, field, message in (
        ({"pid": "", "link_group_id": group}, "pid", "enter the child"),
        ({"pid": "child-b", "link_group_id": group}, "pid", "no child with this id"),
        ({"pid": "child-a", "link_group_id": ""}, "link_group_id", "choose a group"),
        ({"pid": "child-a", "link_group_id": "999999"}, "link_group_id", "no group of your force"),
    ):
        refused = police.post("/groups/links", data={**data, "note": "kept note"})
        assert refused.status_code == 422, data
        assert f'id="{field}-error"' in refused.text and message in refused.text
        assert "kept note" in refused.text


@pytest.mark.parametrize("role", [r for r in Role if r not in POLICE_ROLES])
def test_groups_are_police_intelligence(client_for, role):
    client = client_for(role)
    assert client.get("/groups").status_code == 403
    assert client.post("/groups", data={"name": "X"}).status_code == 403
