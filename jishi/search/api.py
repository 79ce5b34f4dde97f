"""全文检索 endpoints: the same selector and visibility rule as the page."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import Field

from jishi.core import throttling
from jishi.core.schemas import Id, UnitAndBelow, answers
from jishi.records.selectors import RecordFilters, active_category
from jishi.search.selectors import Hit, search_records

router = Router(tags=["全文检索"])


class Ref(Schema):
    id: int
    name: str


class SnippetOut(Schema):
    field: str = Field(description="content / place / result / reflection / addenda")
    label: str
    text: str = Field(description="字段中命中词附近的一段（可能截断）")
    highlights: list[tuple[int, int]] = Field(description="命中词在 text 中的位置 [开始, 结束)，按字符计")
    cut_start: bool
    cut_end: bool


class HitOut(Schema):
    id: int
    url: str
    date: datetime.date
    author: Ref
    unit: Ref
    category: str
    duty: str | None
    is_sensitive: bool
    snippets: list[SnippetOut]


class SearchOut(Schema):
    order: Literal["relevance", "newest"] = Field(description="实际使用的排序（命中过多时改为按时间）")
    notice: str
    items: list[HitOut]
    next_page: int | None = Field(description="按相关度排序时的下一页页码")
    next_cursor: str | None = Field(description="按时间排序时的下一页游标")


def hit_out(hit: Hit) -> dict[str, Any]:
    record = hit.record
    return {
        "id": record.pk,
        "url": reverse("records:detail", args=[record.pk]),
        "date": record.date,
        "author": {"id": record.author_id, "name": record.author.full_name},
        "unit": {"id": record.unit_id, "name": record.unit.name},
        "category": record.category.name,
        "duty": record.duty.title if record.duty else None,
        "is_sensitive": record.is_sensitive,
        "snippets": [
            {
                "field": s.field,
                "label": s.label,
                "text": s.text,
                "highlights": s.spans,
                "cut_start": s.cut_start,
                "cut_end": s.cut_end,
            }
            for s in hit.snippets
        ],
    }


@router.get(
    "", response=answers(SearchOut, 400), summary="全文检索记实（只匹配您有权阅读的内容）", throttle=throttling.SEARCH
)
def search(
    request: HttpRequest,
    q: str = Query(..., description="检索词；多个词用空格分开，须同时出现；一个字的词也可以"),
    order: Literal["relevance", "newest"] = "relevance",
    author: Id | None = None,
    unit: UnitAndBelow = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    category: str | None = Query(None, description="类别代码"),
    duty: Id | None = None,
    page: int = Query(1, ge=1),
    cursor: str | None = None,
) -> dict[str, Any]:
    category_id = None
    if category:
        found = active_category(category)
        if found is None:
            raise ValidationError({"category": [f"没有代码为“{category}”的类别。"]})
        category_id = found.pk
    filters = RecordFilters(
        author_id=author,
        unit_id=unit,
        date_from=date_from,
        date_to=date_to,
        category_id=category_id,
        duty_id=duty,
    )
    results = search_records(user=request.user, text=q, filters=filters, order=order, page=page, cursor=cursor)
    return {
        "order": results.order,
        "notice": results.notice,
        "items": [hit_out(h) for h in results.hits],
        "next_page": results.next_page,
        "next_cursor": results.next_cursor,
    }
