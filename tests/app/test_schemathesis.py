"""Property-based fuzzing of the published OpenAPI: no server error, no answer outside its schema.

Runs as the missing persons team (the role that reaches the most routes) against the two-sided
world; the access matrix covers the other roles.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance,
                                               response_schema_conformance,
                                               status_code_conformance)

from misper.app.auth.service import issue_token
from misper.app.users.models import Role

EXAMPLES = 8
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          content_type_conformance]


@pytest.fixture(scope="module")
def fuzz_target(world_store):
    from misper.app.main import create_app

    session, world, url = world_store
    token = issue_token(session, world.users[Role.police_mispers], "bearer")
    session.commit()
    app = create_app(url)
    yield app, token
    app.state.engine.dispose()


def test_api_never_fails_or_breaks_its_schema(fuzz_target):
    app, token = fuzz_target
    bearer = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/auth/revoke":
            continue  # revoking the fuzzer's own token would turn the rest into 401s

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(headers=bearer, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # every operation's failure, not the first
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:1500])
    assert not failures, "\n\n".join(failures)
