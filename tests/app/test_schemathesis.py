"""Property-based fuzzing of the published OpenAPI: no server error, no answer outside its schema.

Runs as the missing persons team (the role that reaches the most routes) against the two-sided
world; the access matrix covers the other roles.
"""

from __future__ import annotations

import pytest

from app.fuzzing import fuzz
from misper.app.auth.service import issue_token
from misper.app.users.models import Role


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
    # Revoking the fuzzer's own token would turn the rest into 401s.
    fuzzed, failures = fuzz(app, [token], lambda _method, path: path != "/api/auth/revoke")
    assert len(fuzzed) > 50  # every route of the API, not a few that happened to load
    assert not failures, "\n\n".join(failures)
