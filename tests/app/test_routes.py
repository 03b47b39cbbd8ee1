"""Every route of the app, API and pages, declares who may use it, and the pages open for exactly
the roles written out below.

The table of pages was written from the process each role works in (README, "The case system,
by role"), not read from `access.PERMISSIONS`: a change to the rules that lets a role into a page
it should not open, or locks a role out of its own, fails here.
"""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from app.forms import FormClient
from misper.app.auth.service import issue_token
from misper.app.users.models import Role

R = Role
EVERYONE = frozenset(Role)
CARE = {R.care_staff}
POLICE = {R.police_mispers, R.police_control_room, R.police_officer}
COUNCIL = {R.council_social_worker, R.council_missing_coordinator}
CASE = CARE | POLICE | COUNCIL

# Who may open each page that needs no record named in its address.
PAGES: dict[str, set[Role] | frozenset[Role]] = {
    "/": EVERYONE,
    "/notifications": EVERYONE,
    "/children": CASE,
    "/episodes": CASE,
    "/dashboards": CASE,
    "/not-here": CARE | POLICE,
    "/control-room": POLICE,
    "/task-review": POLICE,
    "/groups": POLICE,
    "/placement-check": COUNCIL,
    "/interviews": COUNCIL | POLICE | {R.rhi_worker},
    "/referrals": COUNCIL | {R.police_mispers},
    # Another force's requests for its children's records and break-glass openings: the holding
    # force's missing persons team answers and reviews them.
    "/record-requests": {R.police_mispers},
    "/break-glass": {R.police_mispers},
    "/exports": {R.analyst},
    "/users": {R.admin},
    "/account/password": EVERYONE,  # each their own
    "/account/second-factor": EVERYONE,
    "/account/notifications": EVERYONE,  # how each is emailed their own notices
    "/audit": {R.admin},
    "/charity-partnerships": {R.admin},
    "/emerging-frequent": {R.charity_worker},
}
# Routes anyone may call: signing in and out, and the API's own description.
PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/login/code"),  # the second step: its cookie, from the first, says who
    ("POST", "/logout"),
    ("POST", "/api/auth/token"),
    ("POST", "/api/auth/revoke"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
}


def permission_of(route: APIRoute) -> tuple[str, str | None] | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dependency = stack.pop()
        if hasattr(dependency.call, "permission"):
            return dependency.call.permission
        stack.extend(dependency.dependencies)
    return None


def flat(routes):
    # FastAPI keeps included routers whole; their routes already carry the router's prefix.
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            yield from flat(original.routes)
        else:
            yield route


def every_route(app) -> dict[tuple[str, str], object]:
    found: dict[tuple[str, str], object] = {}
    for route in flat(app.routes):
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                found.setdefault((method, route.path), route)
    return found


@pytest.fixture(scope="module")
def app_client(world_store):
    from misper.app.main import create_app

    session, world, url = world_store
    tokens = {role: issue_token(session, world.users[role], "bearer") for role in Role}
    session.commit()
    app = create_app(url)
    with FormClient(app, follow_redirects=False) as client:  # pages' posts as forms send them
        yield app, client, tokens
    app.state.engine.dispose()


def test_every_route_declares_who_may_use_it(app_client):
    app = app_client[0]
    routes = every_route(app)
    undeclared = sorted(
        key
        for key, route in routes.items()
        if key not in PUBLIC
        and not (isinstance(route, APIRoute) and permission_of(route) is not None)
    )
    assert undeclared == []
    pages = {path for (method, path) in routes if method == "GET" and not path.startswith("/api")}
    assert set(PAGES) <= pages


@pytest.mark.parametrize("path", sorted(PAGES))
def test_a_page_opens_for_exactly_its_roles(app_client, path):
    _app, client, tokens = app_client
    html = {"Accept": "text/html"}
    assert client.get(path, headers=html).headers.get("location") == "/login"
    wrong = []
    for role in Role:
        answer = client.get(path, headers={**html, "Authorization": f"Bearer {tokens[role]}"})
        expected = 200 if role in PAGES[path] else 403
        if answer.status_code != expected:
            wrong.append(f"{role.value}: {answer.status_code}, expected {expected}")
        elif expected == 403 and "Not for your role" not in answer.text:
            wrong.append(f"{role.value}: refused without the error page")
    assert wrong == []


def test_pages_naming_a_record_send_a_stranger_to_sign_in(app_client):
    app, client, _tokens = app_client
    for (method, path), route in every_route(app).items():
        if path.startswith(("/api", "/static")) or (method, path) in PUBLIC or "{" not in path:
            continue
        url = path.replace("{part:path}", "outcome")
        url = url.format(**{name: "1" for name in route.param_convertors})
        answer = client.request(method, url, headers={"Accept": "text/html"})
        assert (answer.status_code, answer.headers.get("location")) == (303, "/login"), url
