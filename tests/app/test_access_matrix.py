"""Every role against every API route, on its own side's records and the other side's.

Generated from the rules: the routes come from the app and the expected answers from
`access.PERMISSIONS` (which roles may act on the kind of record) and the world (an A user's scope
holds side A's records, never side B's). A route with no request recipe below fails the test, so
a new endpoint cannot go unchecked.

Expected: a role without the permission gets 403 for own and other records alike (nothing told
about either); with it, its own record succeeds and the other side's answers 404, exactly as a
record that does not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.world import PASSWORD, World
from misper.app import access
from misper.app.auth.service import issue_token
from misper.app.children.models import Child
from misper.app.episodes.models import Episode
from misper.app.notifications.models import Notification
from misper.app.placements.models import Placement
from misper.app.users.models import POLICE_ROLES, Role, User

UNGUARDED = {("POST", "/api/auth/token"), ("POST", "/api/auth/revoke"), ("GET", "/api/me")}


@dataclass
class Recipe:
    """How to call a route for one side: returns (path params, query, json body)."""

    call: Callable
    kind: str = "record"  # record: own/other; list: markers in the answer; plain: no other side
    markers: tuple[str, str] | None = None  # (own, other) text expected in / absent from a list
    other_allowed: frozenset[Role] = frozenset()  # roles for which the other side also succeeds
    sees_all: frozenset[Role] = frozenset()  # roles whose list rightly shows both sides


def _side(w: World, side: str):
    return w.a if side == "a" else w.b


def _fresh_episode(s, w, side):
    sd = _side(w, side)
    episode = Episode(
        rid=f"fresh-{uuid.uuid4().hex[:8]}",
        child_id=sd.child.id,
        force_id=sd.agencies["force"].id,
        links_recorded=False,
        associates_recorded=False,
        version=1,
        updated_at=datetime(2024, 1, 1),
        reported_at=datetime(2024, 4, 1),
        age=14,
        missing_from_type="home",
    )
    s.add(episode)
    s.commit()
    return episode


def _fresh_placement(s, w, side):
    sd = _side(w, side)
    child = Child(
        pid=f"c-{uuid.uuid4().hex[:8]}",
        responsible_council_id=sd.agencies["council"].id,
        created_at=datetime(2024, 1, 1),
    )
    s.add(child)
    s.flush()
    placement = Placement(
        child_id=child.id,
        home_id=sd.home.id,
        start_date=date(2024, 1, 1),
        placing_council_id=sd.agencies["council"].id,
    )
    s.add(placement)
    s.commit()
    return placement


def _notification(s, w, side, role):
    from app.world import AGENCY_OF_ROLE

    agency = _side(w, side).agencies[AGENCY_OF_ROLE[role]]
    row = Notification(agency_id=agency.id, subject="x", created_at=datetime(2024, 1, 1))
    s.add(row)
    s.commit()
    return row.id


def _throwaway_user(s, w):
    user = User(
        username=f"u-{uuid.uuid4().hex[:8]}",
        display_name="x",
        role="police_officer",
        agency_id=w.a.agencies["force"].id,
        password_hash="x",
        created_at=datetime(2024, 1, 1),
    )
    s.add(user)
    s.commit()
    return user.username


def _version(s, rid):
    s.expire_all()
    return s.query(Episode).filter_by(rid=rid).one().version


def _rhi_version(s, w, side):
    s.expire_all()
    rhi = _side(w, side).rhi
    s.refresh(rhi)
    return rhi.version


REASON = {"reason": "matrix test"}
EP = lambda w, sd: _side(w, sd).episode.rid  # noqa: E731
PID = lambda w, sd: _side(w, sd).child.pid  # noqa: E731
RECIPES: dict[tuple[str, str], Recipe] = {
    ("GET", "/api/users"): Recipe(lambda s, w, sd, r: ({}, {}, None), "list"),
    ("POST", "/api/users"): Recipe(
        lambda s, w, sd, r: (
            {},
            {},
            {
                "username": f"new-{uuid.uuid4().hex[:8]}",
                "role": "police_officer",
                "agency": w.a.agencies["force"].name,
                "password": PASSWORD,
            },
        ),
        "plain",
    ),
    ("POST", "/api/users/{username}/disable"): Recipe(
        lambda s, w, sd, r: ({"username": _throwaway_user(s, w)}, {}, None), "plain"
    ),
    ("POST", "/api/users/{username}/reset"): Recipe(
        lambda s, w, sd, r: ({"username": _throwaway_user(s, w)}, {}, {}), "plain"
    ),
    ("GET", "/api/agencies"): Recipe(lambda s, w, sd, r: ({}, {}, None), "list"),
    ("POST", "/api/agencies"): Recipe(
        lambda s, w, sd, r: ({}, {}, {"name": f"agency {uuid.uuid4().hex[:8]}", "kind": "charity"}),
        "plain",
    ),
    ("GET", "/api/children"): Recipe(
        lambda s, w, sd, r: ({}, {}, None), "list", ("child-a", "child-b")
    ),
    ("POST", "/api/children"): Recipe(lambda s, w, sd, r: ({}, {}, {"name": "New"}), "plain"),
    ("GET", "/api/children/{pid}"): Recipe(lambda s, w, sd, r: ({"pid": PID(w, sd)}, REASON, None)),
    ("PATCH", "/api/children/{pid}"): Recipe(
        lambda s, w, sd, r: ({"pid": PID(w, sd)}, {}, {"ethnic_appearance": "British"})
    ),
    ("GET", "/api/children/{pid}/placements"): Recipe(
        lambda s, w, sd, r: ({"pid": PID(w, sd)}, {}, None)
    ),
    ("POST", "/api/placements"): Recipe(
        lambda s, w, sd, r: (
            {},
            {},
            {"pid": PID(w, sd), "home_id": _side(w, sd).home.id, "start_date": "2024-06-01"},
        )
    ),
    ("PATCH", "/api/placements/{placement_id}"): Recipe(
        lambda s, w, sd, r: (
            {"placement_id": _fresh_placement(s, w, sd).id},
            {},
            {"end_date": "2024-02-01"},
        )
    ),
    ("GET", "/api/homes"): Recipe(
        lambda s, w, sd, r: ({}, {}, None),
        "list",
        ("place-a", "place-b"),
        sees_all=frozenset({Role.admin}),
    ),
    ("POST", "/api/homes"): Recipe(
        lambda s, w, sd, r: (
            {},
            {},
            {
                "name": "New home",
                "place_id": f"pl-{uuid.uuid4().hex[:8]}",
                "provider_id": w.a.agencies["provider"].id,
                "host_council_id": w.a.agencies["council"].id,
                "police_force_id": w.a.agencies["force"].id,
            },
        ),
        "plain",
    ),
    ("GET", "/api/children/{pid}/philomena"): Recipe(
        lambda s, w, sd, r: ({"pid": PID(w, sd)}, {}, None)
    ),
    ("POST", "/api/children/{pid}/philomena"): Recipe(
        lambda s, w, sd, r: ({"pid": PID(w, sd)}, {}, {"description": "short hair"})
    ),
    ("GET", "/api/episodes"): Recipe(lambda s, w, sd, r: ({}, {}, None), "list", ("ep-a", "ep-b")),
    ("GET", "/api/episodes/{rid}"): Recipe(lambda s, w, sd, r: ({"rid": EP(w, sd)}, {}, None)),
    ("PATCH", "/api/episodes/{rid}"): Recipe(
        lambda s, w, sd, r: (
            {"rid": EP(w, sd)},
            {},
            {"version": _version(s, EP(w, sd)), "harm": "none"},
        )
    ),
    ("GET", "/api/episodes/{rid}/risk-assessments"): Recipe(
        lambda s, w, sd, r: ({"rid": EP(w, sd)}, {}, None)
    ),
    ("POST", "/api/episodes/{rid}/risk-assessments"): Recipe(
        lambda s, w, sd, r: ({"rid": EP(w, sd)}, {}, {"level": "high"})
    ),
    ("GET", "/api/episodes/{rid}/decisions"): Recipe(
        lambda s, w, sd, r: ({"rid": EP(w, sd)}, {}, None)
    ),
    ("POST", "/api/episodes/{rid}/decisions"): Recipe(
        lambda s, w, sd, r: ({"rid": EP(w, sd)}, {}, {"decision": "deploy"})
    ),
    ("GET", "/api/episodes/{rid}/tasks"): Recipe(
        lambda s, w, sd, r: ({"rid": EP(w, sd)}, {}, None)
    ),
    ("POST", "/api/episodes/{rid}/tasks"): Recipe(
        lambda s, w, sd, r: ({"rid": EP(w, sd)}, {}, {"description": "visit friend"})
    ),
    ("PATCH", "/api/tasks/{task_id}"): Recipe(
        lambda s, w, sd, r: ({"task_id": _side(w, sd).task.id}, {}, {"done": True})
    ),
    ("GET", "/api/episodes/{rid}/updates"): Recipe(
        lambda s, w, sd, r: ({"rid": EP(w, sd)}, {}, None)
    ),
    ("POST", "/api/episodes/{rid}/updates"): Recipe(
        lambda s, w, sd, r: ({"rid": EP(w, sd)}, {}, {"kind": "update", "text": "called"})
    ),
    ("GET", "/api/episodes/{rid}/associations"): Recipe(
        lambda s, w, sd, r: ({"rid": EP(w, sd)}, {}, None)
    ),
    ("POST", "/api/episodes/{rid}/associations"): Recipe(
        lambda s, w, sd, r: ({"rid": EP(w, sd)}, {}, {"associate_id": "adult-1", "kind": "person"})
    ),
    ("GET", "/api/episodes/{rid}/prevention-interview"): Recipe(
        lambda s, w, sd, r: ({"rid": EP(w, sd)}, {}, None)
    ),
    ("PUT", "/api/episodes/{rid}/prevention-interview"): Recipe(
        lambda s, w, sd, r: ({"rid": EP(w, sd)}, {}, {"outcome": "done"})
    ),
    ("GET", "/api/return-home-interviews"): Recipe(
        lambda s, w, sd, r: ({}, {}, None), "list", ("ep-a", "ep-b")
    ),
    ("POST", "/api/return-home-interviews"): Recipe(
        lambda s, w, sd, r: (
            {},
            {},
            {"rid": _fresh_episode(s, w, sd).rid, "provider_id": _side(w, sd).agencies["rhi"].id},
        )
    ),
    ("GET", "/api/return-home-interviews/{rhi_id}"): Recipe(
        lambda s, w, sd, r: ({"rhi_id": _side(w, sd).rhi.id}, {}, None)
    ),
    ("PATCH", "/api/return-home-interviews/{rhi_id}"): Recipe(
        lambda s, w, sd, r: (
            {"rhi_id": _side(w, sd).rhi.id},
            {},
            {"version": _rhi_version(s, w, sd), "findings": "wants to talk again"},
        )
    ),
    ("GET", "/api/referrals"): Recipe(
        lambda s, w, sd, r: ({}, {}, None), "list", ('"child-a"', '"child-b"')
    ),
    ("POST", "/api/referrals"): Recipe(
        lambda s, w, sd, r: (
            {},
            {},
            {"pid": PID(w, sd), "meeting": "marm", "reason": "repeat episodes"},
        )
    ),
    ("GET", "/api/referrals/{referral_id}"): Recipe(
        lambda s, w, sd, r: ({"referral_id": _side(w, sd).referral.id}, {}, None)
    ),
    ("PATCH", "/api/referrals/{referral_id}"): Recipe(
        lambda s, w, sd, r: (
            {"referral_id": _side(w, sd).referral.id},
            {},
            {"outcome": "safety plan"},
        )
    ),
    ("GET", "/api/notifications"): Recipe(lambda s, w, sd, r: ({}, {}, None), "list"),
    ("POST", "/api/notifications/{notification_id}/read"): Recipe(
        lambda s, w, sd, r: ({"notification_id": _notification(s, w, sd, r)}, {}, None)
    ),
    ("GET", "/api/audit"): Recipe(lambda s, w, sd, r: ({}, {}, None), "list"),
    ("GET", "/api/audit/verify"): Recipe(lambda s, w, sd, r: ({}, {}, None), "list"),
    ("GET", "/api/export"): Recipe(lambda s, w, sd, r: ({}, {}, None), "list", ("ep-a", "ep-b")),
    # Last: police reporting side B's child brings that child into their scope.
    ("POST", "/api/episodes"): Recipe(
        lambda s, w, sd, r: (
            {},
            {},
            {
                "pid": PID(w, sd),
                "reported_at": "2024-05-01T20:00",
                "missing_from_type": "care_home",
            },
        ),
        other_allowed=POLICE_ROLES,
    ),
}

from app.after_recipes import AFTER_RECIPES  # noqa: E402  (it reads Recipe and the helpers above)
from app.before_during_recipes import BEFORE_DURING_RECIPES  # noqa: E402  (likewise)

_LAST = ("POST", "/api/episodes")  # still last: it changes the police's scope
RECIPES = {
    **{k: v for k, v in RECIPES.items() if k != _LAST},
    **AFTER_RECIPES,
    **BEFORE_DURING_RECIPES,
    _LAST: RECIPES[_LAST],
}


# The charity's routes (issue 6, task C): a partnership recorded by the administrator; a charity
# worker sees its partner force's emerging-frequent list ("force a"), never side B's.
def _fresh_partnership(s, w, side) -> int:
    from misper.app.agencies.models import Agency
    from misper.app.charity.models import CharityPartnership

    charity = Agency(name=f"charity {uuid.uuid4().hex[:8]}", kind="charity")
    s.add(charity)
    s.flush()
    row = CharityPartnership(
        charity_id=charity.id,
        force_id=_side(w, side).agencies["force"].id,
        recorded_at=datetime(2024, 1, 1),
    )
    s.add(row)
    s.commit()
    return row.id


def _fresh_charity_body(s, w, side) -> dict:
    from misper.app.agencies.models import Agency

    charity = Agency(name=f"charity {uuid.uuid4().hex[:8]}", kind="charity")
    s.add(charity)
    s.commit()
    return {"charity_id": charity.id, "force_id": _side(w, side).agencies["force"].id}


CHARITY_RECIPES: dict[tuple[str, str], Recipe] = {
    ("GET", "/api/charity-partnerships"): Recipe(
        lambda s, w, sd, r: ({}, {}, None),
        "list",
        ('"charity a"', '"charity b"'),
        sees_all=frozenset({Role.admin}),
    ),
    ("POST", "/api/charity-partnerships"): Recipe(
        lambda s, w, sd, r: ({}, {}, _fresh_charity_body(s, w, sd)), "plain"
    ),
    ("DELETE", "/api/charity-partnerships/{partnership_id}"): Recipe(
        lambda s, w, sd, r: ({"partnership_id": _fresh_partnership(s, w, sd)}, {}, None), "plain"
    ),
    ("GET", "/api/emerging-frequent"): Recipe(
        lambda s, w, sd, r: ({}, {}, None), "list", ('"force a"', '"force b"')
    ),
}
RECIPES = {
    **{k: v for k, v in RECIPES.items() if k != _LAST},
    **CHARITY_RECIPES,
    _LAST: RECIPES[_LAST],
}


def permission_of(route: APIRoute) -> tuple[str, str] | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dependency = stack.pop()
        if hasattr(dependency.call, "permission"):
            return dependency.call.permission
        stack.extend(dependency.dependencies)
    return None


def _flat(routes):
    # FastAPI keeps included routers whole; their routes already carry the router's prefix.
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            yield from _flat(original.routes)
        else:
            yield route


def api_routes(app):
    for route in _flat(app.routes):
        if isinstance(route, APIRoute) and route.path.startswith("/api"):
            for method in route.methods:
                yield method, route.path, route


@pytest.fixture(scope="module")
def matrix(world_store):
    from misper.app.main import create_app

    session, world, url = world_store
    tokens = {role: issue_token(session, world.users[role], "bearer") for role in Role}
    session.commit()
    app = create_app(url)
    with TestClient(app) as client:
        yield app, client, session, world, tokens
    app.state.engine.dispose()


def test_every_route_is_guarded_and_has_a_recipe(matrix):
    app = matrix[0]
    routes = {(m, p): r for m, p, r in api_routes(app)}
    # Open to every signed-in caller (the caller's own account): no role or scope to test.
    unguarded = {
        key for key, route in routes.items() if permission_of(route) in (None, ("signed_in", None))
    }
    assert unguarded == UNGUARDED
    assert set(routes) - UNGUARDED == set(RECIPES)


def _call(client, method, path, params, query, body, token):
    url = path.format(**params)
    return client.request(
        method, url, params=query, json=body, headers={"Authorization": f"Bearer {token}"}
    )


def _ordered():
    return list(RECIPES)  # dict order: reads and writes as listed, the scope-changing one last


def test_access_matrix(matrix):
    app, client, session, world, tokens = matrix
    routes = {(m, p): r for m, p, r in api_routes(app)}
    failures = []
    for key in _ordered():
        method, path = key
        resource, action = permission_of(routes[key])
        recipe = RECIPES[key]
        for role in Role:
            permitted = access.allowed(role, resource, action)
            sides = ("a",) if recipe.kind in ("plain", "list") else ("a", "b")
            for side in sides:
                params, query, body = recipe.call(session, world, side, role)
                response = _call(client, method, path, params, query, body, tokens[role])
                if not permitted:
                    expected = {403}
                elif side == "a" or role in recipe.other_allowed:
                    expected = {200, 201}
                else:
                    expected = {404}
                if response.status_code not in expected:
                    failures.append(
                        f"{role.value} {method} {path} side {side}: "
                        f"{response.status_code} not {sorted(expected)} "
                        f"{response.text[:160]}"
                    )
                elif permitted and recipe.markers and role not in recipe.sees_all:
                    own, other = recipe.markers
                    if own not in response.text or other in response.text:
                        failures.append(
                            f"{role.value} {method} {path}: list shows "
                            f"{'no ' + own if own not in response.text else other}"
                        )
                if response.status_code in (403, 404):
                    assert "child-b" not in response.text and "ep-b" not in response.text
    assert not failures, "\n".join(failures)


def test_every_guarded_route_needs_a_login(matrix):
    app, client, session, world, _tokens = matrix
    for method, path, route in api_routes(app):
        if (method, path) in UNGUARDED:
            continue
        params, query, body = RECIPES[(method, path)].call(session, world, "a", Role.admin)
        response = client.request(method, path.format(**params), params=query, json=body)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "unauthenticated"
        bad = client.request(
            method,
            path.format(**params),
            params=query,
            json=body,
            headers={"Authorization": "Bearer not-a-token"},
        )
        assert bad.status_code == 401, (method, path)
