"""Generated requests against every API operation (schemathesis): no 5xx, no undocumented status, bodies as documented.

The schema is read from /api/v1/openapi.json through the WSGI application, as a client would read it, and each
operation gets a few derandomized examples (valid and invalid input) sent by a realistic caller: a 科员 with a bearer
token and records of their own. Every example runs in a savepoint that is rolled back, so examples do not see each
other's writes and a database error in one cannot poison the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jishi.accounts.services import token_create
from jishi.testing import Org, write_record

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def bearer(org: Org) -> Iterator[dict[str, str]]:
    write_record(org.author)
    write_record(org.colleague)
    _, secret = token_create(person=org.author, name="schemathesis")
    # The WSGI handler closes "old" connections around each request, which on PostgreSQL would close the test's
    # connection in the middle of its transaction; Django's test client disconnects the same receivers.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {"Authorization": f"Bearer {secret}"}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    database=None,
    # `db` is function-scoped: every example shares the test's transaction, and the savepoint below resets it.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_documented(case: Any, bearer: dict[str, str]) -> None:
    with transaction.atomic():
        case.call_and_validate(headers=bearer, checks=CHECKS)
        transaction.set_rollback(True)
