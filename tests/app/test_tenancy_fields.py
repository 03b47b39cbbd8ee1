"""Field ownership: who may write each field of a case record, declared once in access.py and held
for the API and the pages alike. The table below is written out by hand from the process (the
report and the return are the reporter's and the carer's to record; the investigation, risk
markers and coding are the police's), not read from the rules under test.

And no access decision is made outside the access module.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

import misper.app
from app.tenancy import A, tenancy_store  # noqa: F401  (the fixture `tenancy`)
from misper.app.episodes.models import Episode
from misper.app.episodes.schemas import CHANGE_FIELDS
from misper.app.users.models import Role
from misper.incidents.schema import BY_NAME, Kind

R = Role
CARE = frozenset({R.care_staff})
POLICE = frozenset({R.police_mispers, R.police_control_room, R.police_officer})
BOTH = CARE | POLICE
# Who may write each field an episode's change may carry.
EPISODE_WRITERS = {
    "last_seen_at": BOTH,
    "found_at": BOTH,
    "found_location_type": BOTH,
    "found_postcode_sector": BOTH,
    "found_text": BOTH,
    "risk_flags": BOTH,
    "found_by": POLICE,
    "found_how": POLICE,
    "distance_miles": POLICE,
    "out_of_uk": POLICE,
    "harm": POLICE,
    "victim_of_crime": POLICE,
    "arrested_while_missing": POLICE,
    "reason_vulnerability": POLICE,
    "reason_codes": POLICE,
    "markers": POLICE,
}
# A value each field may take (found_at after the episode's report at 2024-03-01 22:00).
VALUES = {
    "last_seen_at": "2024-03-01T21:00",
    "found_at": "2024-03-02T10:00",
    "found_postcode_sector": "AL1 3",
    "found_text": "came back by bus",
    "distance_miles": 1.5,
}


def _value(name: str):
    if name in VALUES:
        return VALUES[name]
    column = BY_NAME[name]
    if column.kind is Kind.BOOL:
        return True
    if column.kind is Kind.LIST:
        return [column.values[0]]
    return column.values[0]


def _episode(t, rid: str) -> Episode:
    t.session.expire_all()
    return t.session.scalar(select(Episode).where(Episode.rid == rid))


def test_the_table_covers_every_field_a_change_may_carry():
    assert set(EPISODE_WRITERS) == set(CHANGE_FIELDS)


def test_care_staff_cannot_write_police_fields_and_nothing_is_written(tenancy):
    t = tenancy
    carer = (A, Role.care_staff)
    for name, value in (
        ("arrested_while_missing", True),
        ("victim_of_crime", True),
        ("found_by", "self"),
        ("found_how", "returned_self"),
        ("harm", "none"),
    ):
        version = _episode(t, "ep-a").version
        answer = t.call(
            carer,
            "PATCH",
            "/api/episodes/ep-a",
            json={"version": version, "found_text": "back at the home", name: value},
        )
        assert answer.status_code == 403, (name, answer.text)
        assert answer.json() == {
            "error": {
                "code": "forbidden",
                "message": f"your role may not write episode.{name}",
                "fields": [{"field": name, "message": f"your role may not write {name}"}],
            }
        }
        episode = _episode(t, "ep-a")
        assert (episode.version, getattr(episode, name), episode.found_text) == (
            version,
            None,
            None,
        )


def test_care_staff_close_with_the_carers_fields_only(tenancy):
    t = tenancy
    _episode(t, "ep-a").missing_from_postcode_sector = "AL1 3"
    t.session.commit()
    carer = (A, Role.care_staff)
    version = _episode(t, "ep-a").version
    found = {"version": version, "found_at": "2024-03-02T10:00", "found_postcode_sector": "AL1 3"}
    refused = t.call(carer, "POST", "/api/episodes/ep-a/close", json={**found, "found_by": "self"})
    assert refused.status_code == 403
    assert refused.json()["error"]["fields"][0]["field"] == "found_by"
    assert _episode(t, "ep-a").found_at is None
    closed = t.call(carer, "POST", "/api/episodes/ep-a/close", json=found)
    assert closed.status_code == 200, closed.text
    # The distance the store works out from the two sectors is not the carer's write.
    assert closed.json()["episode"]["distance_miles"] == 0.0


def test_care_staff_report_without_the_police_risk(tenancy):
    t = tenancy
    carer = (A, Role.care_staff)
    t.world.a.episode.found_at = datetime(2024, 3, 2, 9)  # back from the world's episode
    t.session.commit()
    report = {"pid": "child-a", "reported_at": "2024-05-01T20:00", "missing_from_type": "care_home"}
    refused = t.call(carer, "POST", "/api/episodes", json={**report, "risk_initial": "low"})
    assert refused.status_code == 403
    assert refused.json()["error"]["fields"][0]["field"] == "risk_initial"
    assert t.call(carer, "POST", "/api/episodes", json=report).status_code == 201


def test_every_episode_field_by_every_role(tenancy):
    t = tenancy
    wrong = []
    for role in Role:
        for name in sorted(EPISODE_WRITERS):
            version = _episode(t, "ep-a").version
            answer = t.call(
                (A, role),
                "PATCH",
                "/api/episodes/ep-a",
                json={"version": version, name: _value(name)},
            )
            expected = 200 if role in EPISODE_WRITERS[name] else 403
            if answer.status_code != expected:
                wrong.append(f"{role.value} {name}: {answer.status_code}, expected {expected}")
    assert wrong == []


def test_the_close_page_asks_care_staff_only_their_fields_and_refuses_the_rest(tenancy):
    t = tenancy
    carer = t.browser(A, Role.care_staff)
    form = carer.get("/episodes/ep-a/close")
    assert form.status_code == 200
    assert 'name="found_at"' in form.text and 'name="found_text"' in form.text
    for police_field in (
        "found_by",
        "found_how",
        "harm",
        "victim_of_crime",
        "arrested_while_missing",
    ):
        assert f'name="{police_field}"' not in form.text
    police = t.browser(A, Role.police_mispers).get("/episodes/ep-a/close")
    assert 'name="found_by"' in police.text and 'name="arrested_while_missing"' in police.text
    sent = carer.post(
        "/episodes/ep-a/close",
        data={"version": "1", "found_at": "2024-03-02T10:00", "arrested_while_missing": "true"},
    )
    assert sent.status_code == 403
    assert _episode(t, "ep-a").found_at is None


def test_child_fields_council_only_for_the_legal_status(tenancy):
    t = tenancy
    council = (A, Role.council_social_worker)
    changed = t.call(council, "PATCH", "/api/children/child-a", json={"in_care": "accommodated"})
    assert changed.status_code == 200 and changed.json()["in_care"] == "accommodated"


# --- Access decided in one place ------------------------------------------------------------

APP = Path(misper.app.__file__).parent
# Where the roles are defined, and the module deciding who may do what with them.
ROLES_DECIDED_HERE = {APP / "access.py", APP / "users" / "models.py"}
ROLE_TEST = re.compile(
    r"\.role_? (?:not )?in\b|\.role_? (?:is|==|!=)|POLICE_ROLES|COUNCIL_ROLES"
    r"|access\.(?:CARE|POLICE|COUNCIL|RHI|CHARITY|CASE|POLICE_LEADS)\b"
)


@pytest.mark.parametrize(
    "path", sorted(p for p in APP.rglob("*.py") if p not in ROLES_DECIDED_HERE)
)
def test_no_access_decision_is_made_outside_the_access_module(path):
    found = [
        f"{path.relative_to(APP)}:{n}: {line.strip()}"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if ROLE_TEST.search(line)
    ]
    assert found == []
