"""Property-based fuzzing of the after-episode routes in the published OpenAPI: no server error,
no answer outside its schema, as a council coordinator (`test_schemathesis` fuzzes every route as
the missing persons team)."""

from __future__ import annotations

import pytest

from app import test_access_matrix  # noqa: F401  (first: it imports the after recipes itself)
from app.after_recipes import AFTER_RECIPES
from app.fuzzing import fuzz
from misper.app.auth.service import issue_token
from misper.app.users.models import Role


@pytest.fixture(scope="module")
def fuzz_target(world_store):
    from misper.app.main import create_app

    session, world, url = world_store
    tokens = [issue_token(session, world.users[Role.council_missing_coordinator], "bearer")]
    session.commit()
    app = create_app(url)
    yield app, tokens
    app.state.engine.dispose()


def test_after_routes_never_fail_or_break_their_schema(fuzz_target):
    app, tokens = fuzz_target
    paths = {path for _method, path in AFTER_RECIPES}
    fuzzed, failures = fuzz(app, tokens, lambda _method, path: path in paths)
    assert fuzzed == set(AFTER_RECIPES)
    assert not failures, "\n\n".join(failures)
