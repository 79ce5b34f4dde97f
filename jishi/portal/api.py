"""The open-data API (/public/api/): read-only, anonymous, paginated; its own NinjaAPI, documented at /public/api/docs.

It reads what the pages read (portal.selectors, from the live publications) and nothing else — never the staff API's
routers, tokens or sessions. Answers carry Cache-Control like the pages; each address may ask JISHI_RATE_PUBLIC_API
times a window (300 a minute by default), then waits with a 429 and Retry-After.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import Throttled

from jishi.core import throttling
from jishi.core.http import Id
from jishi.core.schemas import ErrorOut, InvalidOut, ThrottledOut
from jishi.org.models import Unit
from jishi.portal import cache, selectors
from jishi.portal.models import Publication

api = NinjaAPI(
    title="记实 · 政务公开开放数据 API",
    version="1",
    description=(
        "公开的工作记实（已脱敏）、单位、领导与统计。只读、无需认证、分页（page 从 1 起，limit 1–100）。"
        "批量下载见 /public/data/（CSV、Parquet 与数据字典）。"
    ),
    urls_namespace="portal-api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    # Per address (JISHI_RATE_PUBLIC_API): the pages have the page cache, these answers are computed per call.
    throttle=throttling.Throttle("public_api"),
)


@api.exception_handler(Throttled)
def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return throttling.throttled_answer(api, request, exc)


Page = Annotated[int, Field(1, ge=1, le=selectors.MAX_PAGE, description="页码，从 1 起")]
Limit = Annotated[int, Field(selectors.PAGE_SIZE, ge=1, le=100, description="每页条数，1–100")]


def _answers(ok: Any, *errors: int) -> dict[int, Any]:
    return {200: ok, **dict.fromkeys(errors, ErrorOut), 422: InvalidOut, 429: ThrottledOut}


def _cacheable(response: HttpResponse) -> None:
    cache.set_cache_headers(response)


class PublicationOut(Schema):
    record_id: int
    date: datetime.date
    published_at: datetime.datetime
    department_id: int
    department: str
    unit_id: int
    unit: str
    author_name: str
    post_title: str
    is_leader: bool
    category: str
    content: str = Field(description="工作内容（已脱敏）")
    result: str = Field(description="结果/进展（已脱敏）")
    url: str


def _out(p: Publication) -> PublicationOut:
    return PublicationOut(
        record_id=p.record_id,
        date=p.date,
        published_at=p.published_at,
        department_id=p.department_id,
        department=p.department.name,
        unit_id=p.unit_id,
        unit=p.unit.name,
        author_name=p.author_name,
        post_title=p.post_title,
        is_leader=p.is_leader,
        category=p.record.category.name,
        content=p.content_redacted,
        result=p.result_redacted,
        url=reverse("portal:record", args=[p.record_id]),
    )


class PublicationPageOut(Schema):
    items: list[PublicationOut]
    page: int
    has_next: bool


class PublicationFilters(Schema):
    unit: Id | None = Field(None, description="单位编号（含下级）")
    leader: Id | None = Field(None, description="领导（人员编号）")
    leaders: bool = Field(False, description="只看领导的公开工作")
    category: str | None = Field(None, max_length=30, description="类别代码")
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


@api.get("/publications", response=_answers(PublicationPageOut, 400), tags=["公开记实"])
def list_publications(
    request: HttpRequest, response: HttpResponse, filters: Query[PublicationFilters], page: Page = 1, limit: Limit = 20
) -> Any:
    """公开的工作记实，按日期从新到旧。筛选值无效时返回 400 与原因。"""
    raw = {
        "unit": str(filters.unit or ""),
        "leader": str(filters.leader or ""),
        "leaders": "1" if filters.leaders else "",
        "category": filters.category or "",
        "date_from": filters.date_from.isoformat() if filters.date_from else "",
        "date_to": filters.date_to.isoformat() if filters.date_to else "",
    }
    parsed = selectors.parse_filters(raw)
    if parsed.errors:
        return Status(400, {"detail": "筛选条件有误", "errors": {k: [v] for k, v in parsed.errors.items()}})
    found = selectors.publication_page(selectors.filtered(parsed.filters), page, limit)
    _cacheable(response)
    return {"items": [_out(p) for p in found.items], "page": found.page, "has_next": found.has_next}


@api.get("/publications/{record_id}", response=_answers(PublicationOut, 404), tags=["公开记实"])
def get_publication(request: HttpRequest, response: HttpResponse, record_id: Id) -> Any:
    """一条公开的工作记实（未公开、已撤回或暂缓公开的，均为 404）。"""
    found = selectors.publication_for(record_id)
    if found is None:
        return Status(404, {"detail": "没有这条公开记实"})
    _cacheable(response)
    return _out(found)


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    published: int = Field(description="公开记实条数")
    url: str


class UnitPageOut(Schema):
    items: list[UnitOut]
    page: int
    has_next: bool


def _slice(items: list[Any], page: int, limit: int) -> tuple[list[Any], bool]:
    start = (page - 1) * limit
    return items[start : start + limit], len(items) > start + limit


@api.get("/units", response=_answers(UnitPageOut), tags=["单位"])
def list_units(request: HttpRequest, response: HttpResponse, page: Page = 1, limit: Limit = 20) -> Any:
    """有公开工作的单位（委办局、街镇、村居），按组织树顺序。"""
    entries = selectors.units()
    shown, more = _slice(entries, page, limit)
    _cacheable(response)
    items = [
        UnitOut(
            id=e.unit.pk,
            name=e.unit.name,
            kind=e.unit.get_kind_display(),
            published=e.count,
            url=reverse("portal:unit", args=[e.unit.pk]),
        )
        for e in shown
    ]
    return {"items": items, "page": page, "has_next": more}


class LeaderOut(Schema):
    id: int
    name: str
    post_title: str
    unit: str
    published: int
    url: str


class LeaderPageOut(Schema):
    items: list[LeaderOut]
    page: int
    has_next: bool


@api.get("/leaders", response=_answers(LeaderPageOut), tags=["领导"])
def list_leaders(request: HttpRequest, response: HttpResponse, page: Page = 1, limit: Limit = 20) -> Any:
    """有公开工作的领导，及其最近的职务。"""
    shown, more = _slice(selectors.leaders(), page, limit)
    _cacheable(response)
    items = [
        LeaderOut(
            id=e.person_id,
            name=e.name,
            post_title=e.post_title,
            unit=e.unit_name,
            published=e.count,
            url=reverse("portal:leader", args=[e.person_id]),
        )
        for e in shown
    ]
    return {"items": items, "page": page, "has_next": more}


class CountOut(Schema):
    label: str
    count: int


class StatsOut(Schema):
    unit_id: int | None = Field(description="单位编号；空为全辖区")
    unit: str
    published: int
    by_category: list[CountOut]
    by_month: list[CountOut] = Field(description="近 12 个月，label 为 YYYY-MM")
    filing_period_start: datetime.date | None
    filing_period_end: datetime.date | None
    filing_rate: float | None = Field(description="近四周填报率，0–1（人数不足最小统计规模时为空）")
    answer_rate: float | None = Field(description="留言答复率，0–1（尚无数据时为空）")


class StatsPageOut(Schema):
    items: list[StatsOut]
    page: int
    has_next: bool


def _stats(unit: Unit | None, whole: selectors.FilingFigures | None = None) -> StatsOut:
    """A unit's figures; `whole` (the jurisdiction's filing figures) gives a department's rate without computing its
    own dashboard."""
    published = selectors.published_figures(unit)
    if whole is not None and unit is not None:
        rate, hidden = whole.rows.get(unit.pk, (None, True))
        filing: selectors.FilingFigures | None = selectors.FilingFigures(whole.start, whole.end, rate, hidden, {})
    else:
        filing = selectors.filing_figures(unit)
    return StatsOut(
        unit_id=unit.pk if unit else None,
        unit=unit.name if unit else "全辖区",
        published=published.total,
        by_category=[CountOut(label=label or "", count=n) for label, n in published.by_category],
        by_month=[CountOut(label=m.strftime("%Y-%m"), count=n) for m, n in published.by_month],
        filing_period_start=filing.start if filing else None,
        filing_period_end=filing.end if filing else None,
        filing_rate=None if filing is None or filing.hidden else filing.rate,
        answer_rate=selectors.answer_rate_of(unit) if unit is not None else None,
    )


@api.get("/stats", response=_answers(StatsPageOut, 404), tags=["统计"])
def list_stats(
    request: HttpRequest,
    response: HttpResponse,
    unit: Annotated[Id | None, Query(description="单位编号；不填为全辖区与各委办局、街镇")] = None,
    page: Page = 1,
    limit: Limit = 20,
) -> Any:
    """公开统计：发布条数（按类别、按月）、填报率、留言答复率。不填 unit 时，第一项为全辖区，其后为各委办局、街镇。"""
    if unit is not None:
        found = Unit.objects.filter(pk=unit).first()
        if found is None:
            return Status(404, {"detail": "没有这个单位"})
        subjects: list[Unit | None] = [found]
    else:
        subjects = [None, *selectors.department_rows()]
    shown, more = _slice(subjects, page, limit)
    _cacheable(response)
    whole = selectors.filing_figures(None) if unit is None else None
    return {"items": [_stats(u, whole) for u in shown], "page": page, "has_next": more}
