"""Property-based fuzzing of the before and during routes in the published OpenAPI as the roles
that use them besides the missing persons team (`test_schemathesis` fuzzes every route as that
team): care staff (the carer's flowchart) and a council coordinator (the placement check)."""

from __future__ import annotations

import pytest

from app import test_access_matrix  # noqa: F401  (first: it imports the recipes itself)
from app.before_during_recipes import BEFORE_DURING_RECIPES
from app.fuzzing import fuzz
from misper.app.auth.service import issue_token
from misper.app.users.models import Role


@pytest.fixture(scope="module")
def fuzz_target(world_store):
    from misper.app.main import create_app

    session, world, url = world_store
    tokens = [
        issue_token(session, world.users[role], "bearer")
        for role in (Role.care_staff, Role.council_missing_coordinator)
    ]
    session.commit()
    app = create_app(url)
    yield app, tokens
    app.state.engine.dispose()


def test_before_during_routes_never_fail_or_break_their_schema(fuzz_target):
    app, tokens = fuzz_target
    paths = {path for _method, path in BEFORE_DURING_RECIPES}
    fuzzed, failures = fuzz(app, tokens, lambda _method, path: path in paths)
    assert fuzzed == set(BEFORE_DURING_RECIPES)
    assert not failures, "\n\n".join(failures)
