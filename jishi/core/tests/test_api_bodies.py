"""What the API does with a body it cannot take: a clear 400 in Chinese, nothing written."""

from __future__ import annotations

import json

from django.test import Client

from jishi.core.schemas import BODY_REFUSED
from jishi.records.models import WorkRecord
from jishi.testing import Org, category


def body(org: Org, content: str) -> dict[str, object]:
    return {
        "date": "2026-12-04",
        "duration_minutes": 30,
        "category": category().code,
        "content": content,
    }


def post(client: Client, data: bytes) -> object:
    return client.post("/api/v1/records", data=data, content_type="application/json")


def test_a_nul_character_in_a_json_body_is_refused_with_a_chinese_message(org: Org) -> None:
    client = Client()
    client.force_login(org.author)
    response = post(client, json.dumps(body(org, "审核预算\u0000调整申请三项")).encode())
    assert response.status_code == 400
    assert response.json()["detail"] == BODY_REFUSED
    assert not WorkRecord.objects.exists()


def test_a_body_that_is_not_json_is_refused_in_chinese(org: Org) -> None:
    client = Client()
    client.force_login(org.author)
    for data in (b"{", b"\xff\xfe", "审核预算".encode()):
        response = post(client, data)
        assert response.status_code == 400, data
        assert response.json()["detail"] == BODY_REFUSED
    assert not WorkRecord.objects.exists()
