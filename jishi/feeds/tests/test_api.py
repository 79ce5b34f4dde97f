"""Feed and follow endpoints: ids outside a bigint are invalid input (422), never a server error."""

from __future__ import annotations

import pytest
from django.test import Client

from jishi.accounts.services import token_create
from jishi.feeds.models import Follow
from jishi.testing import Org


@pytest.fixture
def api(org: Org) -> Client:
    _, secret = token_create(person=org.author, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.parametrize(
    ("method", "url", "body", "where"),
    [
        ("get", "/api/v1/feeds/following?category_id=-81049581007149121536", None, ["query", "category_id"]),
        ("get", "/api/v1/feeds/cross?units=1&units=9223372036854775808", None, ["query", "units", 1]),
        ("get", "/api/v1/feeds/unit?duty_id=99999999999999999999", None, ["query", "duty_id"]),
        ("delete", "/api/v1/follows?unit_id=9223372036854775808", None, ["query", "unit_id"]),
        ("post", "/api/v1/follows", {"person_id": 2**64}, ["body", "payload", "person_id"]),
    ],
)
def test_ids_outside_a_bigint_are_invalid_input_not_a_server_error(
    api: Client, method: str, url: str, body: dict[str, int] | None, where: list[object]
) -> None:
    """Generated requests (schemathesis) found 500s here: SQLite's driver cannot bind an int beyond 64 bits."""
    response = getattr(api, method)(url, body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"] == where
    assert not Follow.objects.exists()
