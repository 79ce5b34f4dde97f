"""GET /api/v1/search: ranked results with highlight spans, under the same rules as the page."""

from __future__ import annotations

import pytest
from django.test import Client

from jishi.accounts.services import token_create
from jishi.org.models import Person
from jishi.search.tests.test_selectors import untimed
from jishi.testing import Org

pytestmark = pytest.mark.django_db


def api(person: Person) -> Client:
    _, secret = token_create(person=person, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_results_carry_highlight_spans(org: Org) -> None:
    record = untimed(org.author, "到区信访办协调群众反映的停车难问题，形成处理意见", place="区信访办")
    response = api(org.colleague).get("/api/v1/search", {"q": "信访"})
    assert response.status_code == 200
    data = response.json()
    assert data["order"] == "relevance"
    [item] = data["items"]
    assert item["id"] == record.pk and item["url"] == f"/records/{record.pk}/"
    content = item["snippets"][0]
    assert content["field"] == "content"
    assert [content["text"][s:e] for s, e in content["highlights"]] == ["信访"]
    assert [s["field"] for s in item["snippets"]] == ["content", "place"]


def test_bad_queries_are_400_with_a_chinese_message(org: Org) -> None:
    client = api(org.colleague)
    for q in ["", "信" * 101, "？？"]:
        response = client.get("/api/v1/search", {"q": q})
        assert response.status_code == 400, q
        assert response.json()["errors"]["q"]
    assert client.get("/api/v1/search", {"q": "信访", "category": "nope"}).json()["errors"]["category"]


def test_sensitive_and_hidden_records_follow_the_rules(org: Org) -> None:
    sensitive = untimed(org.author, "核对干部考察材料中的甲乙丙事项并提出处理意见", is_sensitive=True)
    hidden = untimed(org.author, "起草甲乙丙协调事项的请示稿，报分管领导", visibility="superiors")
    ids = lambda person: {i["id"] for i in api(person).get("/api/v1/search", {"q": "甲乙丙"}).json()["items"]}  # noqa: E731
    assert ids(org.unrelated) == set()
    assert ids(org.sibling) == {sensitive.pk}
    assert ids(org.section_head) == {sensitive.pk, hidden.pk}


def test_newest_first_pages_by_cursor(org: Org) -> None:
    made = [untimed(org.author, f"第{n}次到区信访办协调群众反映的停车难问题") for n in range(25)]
    client = api(org.colleague)
    first = client.get("/api/v1/search", {"q": "信访", "order": "newest"}).json()
    second = client.get("/api/v1/search", {"q": "信访", "order": "newest", "cursor": first["next_cursor"]}).json()
    assert [i["id"] for i in first["items"] + second["items"]] == [r.pk for r in reversed(made)]
    assert second["next_cursor"] is None


def test_anonymous_is_401() -> None:
    assert Client().get("/api/v1/search", {"q": "信访"}).status_code == 401
