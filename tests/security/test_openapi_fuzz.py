"""Schemathesis against each service's own OpenAPI document, in-process: generated requests, valid
and invalid, never get a server error, and every answer is one the document declares (status code,
content type, body schema). The intake and the ledger run on PostgreSQL, the router and the
notifier on SQLite. Bounded (MAX_EXAMPLES per operation, no deadline) to fit in `make test`.
"""
from __future__ import annotations

import pytest
import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import security_apps

pytestmark = pytest.mark.integration
MAX_EXAMPLES = 30
DATABASE = {"referral-intake": "pg_schema_url", "router": "sqlite_url", "notifier": "sqlite_url",
            "ledger": "pg_schema_url"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Operations a provider performs on its own referrals: called with a provider's token, the rest as admin.
PROVIDER_PATHS = ("/v1/provider-referrals",)


@pytest.fixture(params=security_apps.SERVICES)
def openapi(request, tokens, tmp_path):
    path, _ = tokens
    service = security_apps.build(request.param, request.getfixturevalue(DATABASE[request.param]), path, tmp_path)
    try:
        yield schemathesis.openapi.from_asgi("/openapi.json", security_apps.Served(service))
    finally:
        shutdown_lifespans()  # the service's engine disposed on the loop that used it


def test_every_operation_keeps_to_its_document(openapi, tokens):
    """Each operation in turn, with data that fits its document and data that does not."""
    _, by_role = tokens
    failures, operations = [], [result.ok() for result in openapi.get_all_operations()]
    assert operations
    for operation in operations:
        role = "provider:pops" if operation.path.startswith(PROVIDER_PATHS) else "admin"
        headers = {"Authorization": f"Bearer {by_role[role]}"}
        # /readyz answers its documented 503 here: the router's and notifier's broker is not started.
        checks = CHECKS[1:] if operation.path == "/readyz" else CHECKS
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(mode))
            # Derandomised: CI sees the same cases every run; widen MAX_EXAMPLES to explore further.
            @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                      database=None, derandomize=True)
            def keeps_to_it(case):
                case.call_and_validate(headers=headers, checks=checks)
            try:
                keeps_to_it()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing in the operation can be made invalid
            except (Exception, BaseExceptionGroup) as failed:  # every operation is tried; all are reported
                failures.append(f"{operation.label} ({mode.value}): {failed}"[:1500])
    assert failures == [], "\n\n".join(failures)
