"""One way to fuzz the published OpenAPI with schemathesis: every chosen operation, as each given
token, with the same checks; every operation's failure is collected, not only the first."""

from __future__ import annotations

from collections.abc import Callable

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = 8
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


def fuzz(
    app, tokens: list[str], wanted: Callable[[str, str], bool]
) -> tuple[set[tuple[str, str]], list[str]]:
    """(the (method, path) fuzzed, the failures) over the operations `wanted(method, path)` keeps."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    fuzzed, failures = set(), []
    for result in schema.get_all_operations():
        operation = result.ok()
        method = operation.method.upper()
        if not wanted(method, operation.path):
            continue
        fuzzed.add((method, operation.path))
        for token in tokens:
            headers = {"Authorization": f"Bearer {token}"}

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{method} {operation.path}: {exc}"[:1500])
    return fuzzed, failures
