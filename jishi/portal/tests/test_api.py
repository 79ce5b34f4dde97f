"""The open-data API (/public/api/): anonymous, read-only, paginated, documented; the live publications only; every
operation answers as its OpenAPI document says, whatever it is sent (generated requests)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jishi.core import throttling
from jishi.portal.tests.pages_support import public_record, publish
from jishi.records.models import Visibility, WorkRecord
from jishi.testing import Org, write_record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def world(org: Org, settings: Any, tmp_path: Path) -> dict[str, WorkRecord]:
    # The statistics' filing rate comes from the insights store: this test's own, not one an earlier test built.
    settings.JISHI_INSIGHTS_DIR = tmp_path / "insights"
    clerk = public_record(
        org.author, content="为辖区企业讲解减税降费政策，答复咨询十二条", date=TODAY - datetime.timedelta(days=1)
    )
    publish(clerk)
    leader = public_record(org.unit_head, content="调研区属国企预算管理，提出加强绩效管理的要求")
    publish(leader, is_leader=True, post_title="局长")
    internal = write_record(
        org.colleague, content="起草内部资金调度意见，报局长审定后执行", visibility=Visibility.INTERNAL
    )
    return {"clerk": clerk, "leader": leader, "internal": internal}


def test_publications_list_is_anonymous_and_paginated(client: Client, org: Org, world: dict[str, WorkRecord]) -> None:
    response = client.get("/public/api/publications", {"limit": 1})
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    body = response.json()
    assert body["page"] == 1 and body["has_next"] is True
    assert [i["record_id"] for i in body["items"]] == [world["leader"].pk]
    item = body["items"][0]
    assert item["department"] == "区财政局" and item["post_title"] == "局长" and item["is_leader"] is True
    assert item["url"] == f"/public/records/{world['leader'].pk}/"
    second = client.get("/public/api/publications", {"limit": 1, "page": 2}).json()
    assert [i["record_id"] for i in second["items"]] == [world["clerk"].pk] and second["has_next"] is False
    everything = str(client.get("/public/api/publications", {"limit": 100}).json())
    assert "资金调度" not in everything


def test_publication_filters(client: Client, org: Org, world: dict[str, WorkRecord]) -> None:
    def ids(**params: Any) -> list[int]:
        return [i["record_id"] for i in client.get("/public/api/publications", params).json()["items"]]

    assert ids(unit=org.budget.pk) == [world["clerk"].pk]
    assert ids(leader=org.unit_head.pk) == [world["leader"].pk]
    assert ids(leaders=True) == [world["leader"].pk]
    assert ids(date_to=(TODAY - datetime.timedelta(days=1)).isoformat()) == [world["clerk"].pk]
    assert ids(unit=org.civil.pk) == []


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"unit": 99999999}, 400, "unit"),
        ({"leader": 99999999}, 400, "leader"),
        ({"category": "nope"}, 400, "category"),
        ({"date_from": "2026-02-02", "date_to": "2026-01-01"}, 400, "date_to"),
        ({"unit": "abc"}, 422, None),
        ({"unit": 0}, 422, None),
        ({"unit": 2**63}, 422, None),
        ({"date_from": "yesterday"}, 422, None),
        ({"page": 0}, 422, None),
        ({"limit": 101}, 422, None),
    ],
)
def test_bad_filters_are_refused_with_reasons(
    client: Client, org: Org, params: dict[str, Any], status: int, field: str | None
) -> None:
    response = client.get("/public/api/publications", params)
    assert response.status_code == status
    if field:
        assert field in response.json()["errors"]


def test_one_publication(client: Client, world: dict[str, WorkRecord]) -> None:
    ok = client.get(f"/public/api/publications/{world['clerk'].pk}")
    assert ok.status_code == 200 and ok.json()["content"].startswith("为辖区企业讲解减税降费政策")
    assert client.get(f"/public/api/publications/{world['internal'].pk}").status_code == 404
    assert client.get("/public/api/publications/99999999").status_code == 404
    WorkRecord.objects.filter(pk=world["clerk"].pk).update(is_sensitive=True)
    assert client.get(f"/public/api/publications/{world['clerk'].pk}").status_code == 404


def test_units_leaders_and_stats(client: Client, org: Org, world: dict[str, WorkRecord], settings: Any) -> None:
    settings.JISHI_MIN_GROUP_SIZE = 1000
    units = client.get("/public/api/units").json()
    assert [(u["name"], u["published"]) for u in units["items"]] == [("区财政局", 2)]
    leaders = client.get("/public/api/leaders").json()
    assert [(e["name"], e["post_title"], e["published"]) for e in leaders["items"]] == [("赵强", "局长", 1)]
    stats = client.get("/public/api/stats").json()
    whole = stats["items"][0]
    assert whole["unit_id"] is None and whole["published"] == 2
    assert whole["filing_rate"] is None  # too few people for the minimum group size
    finance = next(s for s in stats["items"] if s["unit_id"] == org.finance.pk)
    assert finance["published"] == 2 and finance["filing_rate"] is None
    one = client.get("/public/api/stats", {"unit": org.finance.pk}).json()
    assert [s["unit_id"] for s in one["items"]] == [org.finance.pk]
    assert client.get("/public/api/stats", {"unit": 99999999}).status_code == 404
    settings.JISHI_MIN_GROUP_SIZE = 1
    caches["default"].clear()  # the dashboards' figures were cached under the larger minimum
    rate = client.get("/public/api/stats", {"unit": org.finance.pk}).json()["items"][0]["filing_rate"]
    assert rate is not None and 0 <= rate <= 1  # a share, as the answer rate


def test_write_methods_do_not_exist(client: Client, world: dict[str, WorkRecord]) -> None:
    assert client.post("/public/api/publications", {}, content_type="application/json").status_code == 405
    assert client.delete(f"/public/api/publications/{world['clerk'].pk}").status_code == 405


def test_each_address_is_limited(
    client: Client, world: dict[str, WorkRecord], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.JISHI_RATE_LIMITS = {**settings.JISHI_RATE_LIMITS, "public_api": "2/min"}
    now = [1_800_000_000.0]  # the start of a window, held still
    monkeypatch.setattr(throttling, "clock", lambda: now[0])
    for _ in range(2):
        assert client.get("/public/api/publications").status_code == 200
    refused = client.get(f"/public/api/publications/{world['clerk'].pk}")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60" and refused.json() == {
        "detail": "请求过于频繁，请 60 秒后再试。",
        "retry_after": 60,
    }
    # Another address is not held up by this one; the next window lets the first ask again.
    assert client.get("/public/api/units", REMOTE_ADDR="10.9.9.9").status_code == 200
    now[0] += 60
    assert client.get("/public/api/units").status_code == 200


def test_openapi_document_and_docs(client: Client) -> None:
    document = client.get("/public/api/openapi.json").json()
    assert set(document["paths"]) == {
        "/public/api/publications",
        "/public/api/publications/{record_id}",
        "/public/api/units",
        "/public/api/leaders",
        "/public/api/stats",
    }
    assert all(set(ops) == {"get"} for ops in document["paths"].values())
    assert "securitySchemes" not in document.get("components", {})
    docs = client.get("/public/api/docs")
    assert docs.status_code == 200 and b"/public/api/openapi.json" in docs.content


@pytest.fixture
def wsgi_world(world: dict[str, WorkRecord]) -> Iterator[None]:
    # As in core/tests/test_api_fuzz.py: the WSGI handler would close the test's connection mid-transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi("/public/api/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_documented(case: Any, wsgi_world: None) -> None:
    with transaction.atomic():
        case.call_and_validate(
            checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
        )
        transaction.set_rollback(True)
