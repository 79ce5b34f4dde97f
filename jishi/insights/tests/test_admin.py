"""Cost rates per rank are kept by administrators in the admin site (the resources report reads them)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from jishi.core.models import AuditEvent
from jishi.insights.models import CostRate
from jishi.testing import Org, build_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def org() -> Org:
    return build_org()


def test_an_administrator_sets_a_cost_rate_and_it_is_audited(org: Org) -> None:
    client = Client()
    client.force_login(org.admin)
    assert client.get("/admin/insights/costrate/").status_code == 200
    response = client.post(
        "/admin/insights/costrate/add/",
        {"rank": "staff", "yuan_per_hour": "85.50", "valid_from": "2026-01-01", "note": "2026年标准"},
    )
    assert response.status_code == 302
    rate = CostRate.objects.get()
    assert (rate.rank, rate.yuan_per_hour) == ("staff", Decimal("85.50"))
    assert AuditEvent.objects.filter(verb="costrate.create").exists()


def test_no_one_else_enters_it(org: Org) -> None:
    client = Client()
    client.force_login(org.unit_head)
    assert client.get("/admin/insights/costrate/").status_code == 302
