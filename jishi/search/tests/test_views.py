"""The search page: filters, highlighted snippets, paging, messages — and nothing the reader may not see."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from jishi.org.models import Person
from jishi.search.tests.test_selectors import untimed
from jishi.testing import Org, category

pytestmark = pytest.mark.django_db


def login(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_search_page_highlights_the_words(org: Org) -> None:
    record = untimed(org.author, "到区信访办协调群众反映的停车难问题，形成处理意见")
    body = login(org.colleague).get("/search/", {"q": "信访 停车"}).content.decode()
    assert f"/records/{record.pk}/" in body
    assert "<mark>信访</mark>" in body and "<mark>停车</mark>" in body


def test_search_page_shows_what_was_written_as_text_and_where_a_snippet_was_cut(org: Org) -> None:
    record = untimed(org.author, "在<script>alert(1)</script>旁整理信访台账，" + "核对来件数量并逐件登记办理情况" * 8)
    body = login(org.colleague).get("/search/", {"q": "信访"}).content.decode()
    snippet = body[body.index(f'<a href="/records/{record.pk}/">', body.index('class="snippet"')) :]
    snippet = snippet[: snippet.index("</a>")]
    assert '">…alert(1)&lt;/script&gt;旁整理<mark>信访</mark>台账，核对来件数量' in snippet and snippet.endswith("…")
    assert "<script>" not in body.split("<main", 1)[1]


def test_search_page_asks_for_words_and_explains_bad_queries(org: Org) -> None:
    client = login(org.colleague)
    assert "一个字、两个字的词都可以检索" in client.get("/search/").content.decode()
    assert "检索词过长" in client.get("/search/", {"q": "信" * 101}).content.decode()
    assert "没有可检索的汉字、字母或数字" in client.get("/search/", {"q": "？？"}).content.decode()


def test_search_page_filters_and_orders(org: Org) -> None:
    a = untimed(org.author, "到区信访办协调群众反映的停车难问题，形成处理意见")
    b = untimed(org.author, "接待信访群众，解释预算公开政策并记录诉求", category_id=category("research").pk)
    client = login(org.colleague)
    body = client.get("/search/", {"q": "信访", "category": category("research").pk}).content.decode()
    assert f"/records/{b.pk}/" in body and f"/records/{a.pk}/" not in body
    body = client.get("/search/", {"q": "信访", "order": "newest"}).content.decode()
    assert body.index(f"/records/{b.pk}/") < body.index(f"/records/{a.pk}/")


def test_more_results_come_as_an_htmx_partial(org: Org) -> None:
    for n in range(25):
        untimed(org.author, f"第{n}次到区信访办协调群众反映的停车难问题")
    client = login(org.colleague)
    first = client.get("/search/", {"q": "信访"}).content.decode()
    assert "page=2" in first
    more = client.get("/search/", {"q": "信访", "page": 2, "more": 1}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in more and more.count("<mark>信访</mark>") == 5


def test_sensitive_content_is_not_found_on_the_page(org: Org) -> None:
    untimed(org.author, "核对干部考察材料中的甲乙丙事项并提出处理意见", is_sensitive=True)
    assert "甲乙丙" not in login(org.unrelated).get("/search/", {"q": "甲乙丙"}).content.decode().split("</form>")[1]
    assert "<mark>甲乙丙</mark>" in login(org.section_head).get("/search/", {"q": "甲乙丙"}).content.decode()


def test_records_list_uses_the_same_index(org: Org) -> None:
    record = untimed(org.author, "到区信访办协调群众反映的停车难问题，形成处理意见")
    body = login(org.colleague).get("/records/", {"q": "访"}).content.decode()
    assert f"/records/{record.pk}/" in body
    assert f"/records/{record.pk}/" not in login(org.colleague).get("/records/", {"q": "访问"}).content.decode()


def test_search_page_has_bounded_queries(org: Org, django_assert_max_num_queries: Any) -> None:
    for n in range(30):
        untimed(org.author if n % 2 else org.colleague, f"审核第{n}号政府采购项目材料，提出修改意见")
    client = login(org.section_head)
    client.get("/search/", {"q": "采购"})
    with django_assert_max_num_queries(12):
        assert client.get("/search/", {"q": "采购"}).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/search/", {"q": "采购", "order": "newest"}).status_code == 200


def test_anonymous_readers_are_sent_to_log_in(org: Org) -> None:
    assert Client().get("/search/", {"q": "信访"}).status_code == 302
