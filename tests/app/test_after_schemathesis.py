"""Property-based fuzzing of the after-episode routes in the published OpenAPI: no server error,
no answer outside its schema, as a council coordinator (`test_schemathesis` fuzzes every route as
the missing persons team)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from app import test_access_matrix  # noqa: F401  (first: it imports the after recipes itself)
from app.after_recipes import AFTER_RECIPES
from app.test_schemathesis import CHECKS, EXAMPLES
from misper.app.auth.service import issue_token
from misper.app.users.models import Role

AFTER_PATHS = {path for _method, path in AFTER_RECIPES}


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
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures, fuzzed = [], set()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path not in AFTER_PATHS:
            continue
        fuzzed.add((operation.method.upper(), operation.path))
        for token in tokens:
            @given(case=operation.as_strategy())
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case):
                case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:1500])
    assert fuzzed == set(AFTER_RECIPES)
    assert not failures, "\n\n".join(failures)
