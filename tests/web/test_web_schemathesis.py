"""Property-based API test: schemathesis generates requests from the OpenAPI spec and runs
them in-process against the ASGI app with a DPO API token (bounded examples, < 60 s),
on SQLite and on PostgreSQL.

Checks: no 5xx anywhere, and every response body matches its documented schema.
"""

from __future__ import annotations

from collections.abc import Callable

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import response_schema_conformance

from sphere.accounts import Role


def test_api_conforms_to_its_openapi_spec(app: FastAPI, make_token: Callable[..., str]) -> None:
    # On both backends: PostgreSQL refuses what SQLite lets through (an over-long value
    # for a VARCHAR column, a NUL byte in text), and that must be a 422, never a 500.
    headers = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case) -> None:  # noqa: ANN001
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.path}: {response.status_code}")
            elif response.status_code == 200:
                case.validate_response(response, checks=[response_schema_conformance])

        check()
    assert failures == []
