"""Generated requests against every API operation (schemathesis): no 5xx, no undocumented status, bodies as documented.

The schema is read from /api/v1/openapi.json through the WSGI application, as a client would read it, and each
operation gets a few derandomized examples (valid and invalid input) sent by realistic callers with a bearer token: a
科员 with records of their own, and an inspector. Every example runs in a savepoint that is rolled back, so examples
do not see each other's writes and a database error in one cannot poison the next.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jishi.accounts.services import token_create
from jishi.core import throttling
from jishi.core.http import ID_MAX
from jishi.core.schemas import ThrottledOut
from jishi.testing import Org, write_record

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# Two callers: a 科员 (their own records, 404 on what they may not see) and an inspector of the whole jurisdiction
# (who also gets the integrity status, overviews and coverage of every unit, so those answers are checked too).
@pytest.fixture(params=["author", "inspector"])
def bearer(org: Org, request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    write_record(org.author, participant_ids=[org.colleague.pk])
    write_record(org.colleague, is_sensitive=True, start_time=datetime.time(11), end_time=datetime.time(12))
    _, secret = token_create(person=getattr(org, request.param), name="schemathesis")
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


# Request integers that are no id: the code bounds or clamps each itself (people ?limit= to 1–200, search ?page= from 1,
# a record's duration_minutes through the service's rules).
NOT_IDS = {"limit", "page", "duration_minutes"}


def request_integers(node: Any, name: str, components: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every integer schema a request may carry, by the name of its parameter or property."""
    if not isinstance(node, dict):
        return
    if "$ref" in node:
        yield from request_integers(components[node["$ref"].rsplit("/", 1)[-1]], name, components)
    if node.get("type") == "integer":
        yield name, node
    for option in node.get("anyOf", []) + node.get("allOf", []):
        yield from request_integers(option, name, components)
    yield from request_integers(node.get("items"), name, components)
    for key, value in node.get("properties", {}).items():
        yield from request_integers(value, key, components)


def test_every_id_a_request_takes_is_bounded_to_a_bigint() -> None:
    """A plain `int` id lets a number beyond 64 bits reach the database (a 500 on SQLite), and the generated requests
    above try the bounds only where the schema declares them: ids are `core.schemas.Id`."""
    document = schema.raw_schema
    components = document["components"]["schemas"]
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            sources = [(p["name"], p["schema"]) for p in operation.get("parameters", [])] + [("body", body)]
            for source_name, source in sources:
                for name, integer in request_integers(source, source_name, components):
                    found.append(name)
                    bounded = integer.get("maximum", ID_MAX + 1) <= ID_MAX and (
                        integer.get("minimum", 0) >= 1 or integer.get("exclusiveMinimum", -1) >= 0
                    )
                    assert bounded or name in NOT_IDS, f"{method.upper()} {path}: {name} is an id without bounds"
    assert {"unit_id", "participant_ids", "record_id", "parent", "units"} <= set(found)


def test_every_operation_documents_its_refusals() -> None:
    """The OpenAPI listed only successes (and some 400s): a client could not know a missing record is a 404 or a bad
    value a 422 with pydantic's list of errors."""
    for path, operations in schema.raw_schema["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert {"401", "422", "429", "503"} <= statuses, f"{method.upper()} {path}"
            if "{" in path and not path.startswith("/api/v1/feeds/"):  # a path id: missing or hidden is a 404
                assert "404" in statuses, f"{method.upper()} {path}"
            if method in {"post", "patch", "delete"}:  # a session write without the CSRF token
                assert "403" in statuses, f"{method.upper()} {path}"
            if "requestBody" in operation:  # a body that is no JSON at all
                assert "400" in statuses, f"{method.upper()} {path}"
    invalid = schema.raw_schema["paths"]["/api/v1/records/{record_id}"]["get"]["responses"]["422"]
    assert invalid["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/InvalidOut"}


def test_a_throttled_answer_reads_as_documented(org: Org, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The generated requests never reach a rate limit (the test settings raise them): check the 429 body here."""
    monkeypatch.setattr(throttling, "clock", lambda: 1_000_000.0)  # one window for both requests
    settings.JISHI_RATE_LIMITS = {**settings.JISHI_RATE_LIMITS, "api": "1/min"}
    _, secret = token_create(person=org.author, name="schemathesis")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/units").status_code == 200
    refused = client.get("/api/v1/units")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert ThrottledOut.model_validate(refused.json()).retry_after == int(refused["Retry-After"])
