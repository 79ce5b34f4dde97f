"""Reads of the public portal: lists, a record, units and leaders, search and statistics.

Everything starts from `Publication.objects.live()` — what the public may see *now* (P-pub's rule: not held,
published, its record still 公开, not withdrawn, not sensitive). Nothing here reads a WorkRecord's own text: the
portal shows and searches the redacted copies on the Publication, and reaches the record only for its category.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Length, Substr, TruncMonth
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext as _

from jishi.org.calendar import local_today
from jishi.org.models import Person, Unit
from jishi.org.selectors import subtree_ids
from jishi.portal import feedback
from jishi.portal.models import Publication, PublicationQuerySet
from jishi.records.models import Category
from jishi.search.models import SearchEntry
from jishi.search.selectors import LIST_WALK_SHARE, Snippet, planned_for_their_values
from jishi.search.terms import Query, highlight_spans, normalise, parse_query

PAGE_SIZE = 20
MAX_PAGE = 500  # deeper than anyone reads; an offset beyond it only costs the database
LEADERS_ON_FRONT = 10
SNIPPET_CHARS = 120
# Search: the index is asked for candidates (the record's *original* text), and each candidate is kept only if the
# words occur in its *published* (redacted) text; fetched in chunks until a page is full or the budget is spent.
SEARCH_FIRST_CHUNK = 30
SEARCH_CHUNK = 200
SEARCH_BUDGET = 5_000
# From this share of the newest RECENT_PUBLISHED publications containing the words (public_share) the candidates are
# found by walking the live publications newest first and asking the index about each (EXISTS): a page then costs
# about 20 / share rows. Below it the index's matches are joined (a cost in proportion to the matches). The staff
# list's crossover (search.selectors.LIST_WALK_SHARE); measured on the publications, not on all records: 村一 is in
# 6 % of the latest records but few public ones, and walking for it took 0.4–0.5 s.
WALK_SHARE = LIST_WALK_SHARE
RECENT_PUBLISHED = 2_000
# A placeholder (【电话】, 【姓名】 …) is the redaction's, not the record's: its words never count as a match.
PLACEHOLDER = re.compile(r"【[^】]{1,8}】")


def live() -> PublicationQuerySet:
    """What the public sees now: every portal surface starts here."""
    return Publication.objects.live()


# Filters -------------------------------------------------------------------------------------------------------------


@dataclass
class PublicFilters:
    """The list's filters, parsed: each None when not given."""

    unit: Unit | None = None
    leader: Person | None = None
    leaders_only: bool = False
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    category: Category | None = None
    page: int = 1

    @property
    def any(self) -> bool:
        return bool(self.unit or self.leader or self.leaders_only or self.date_from or self.date_to or self.category)

    def query(self, **override: Any) -> dict[str, str]:
        """The filters as query parameters (for links to other pages of the same list)."""
        values: dict[str, Any] = {
            "unit": self.unit.pk if self.unit else None,
            "leader": self.leader.pk if self.leader else None,
            "leaders": 1 if self.leaders_only else None,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "category": self.category.code if self.category else None,
            "page": self.page if self.page > 1 else None,
        }
        values.update(override)
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


@dataclass
class FilterResult:
    filters: PublicFilters
    errors: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)


def _positive(raw: str) -> int | None:
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return None
    value = int(raw)
    return value if value > 0 else None


def parse_filters(params: Mapping[str, Any]) -> FilterResult:
    """The list's query parameters to filters; a bad value gives a message for its field (in Chinese), never an error
    page: the reader sees what was wrong and the form keeps what they typed."""

    def get(name: str) -> str:
        value = params.get(name, "")
        return (value if isinstance(value, str) else "").strip()[:100]

    raw = {name: get(name) for name in ("unit", "leader", "leaders", "date_from", "date_to", "category", "page")}
    result = FilterResult(PublicFilters(), raw=raw)
    filters, errors = result.filters, result.errors
    if raw["unit"]:
        unit_id = _positive(raw["unit"])
        filters.unit = Unit.objects.filter(pk=unit_id).first() if unit_id else None
        if filters.unit is None:
            errors["unit"] = _("没有这个单位：%(value)s") % {"value": raw["unit"]}
    if raw["leader"]:
        leader_id = _positive(raw["leader"])
        filters.leader = leader_of(leader_id) if leader_id else None
        if filters.leader is None:
            errors["leader"] = _("没有这位领导的公开工作：%(value)s") % {"value": raw["leader"]}
    if raw["leaders"]:
        if raw["leaders"] not in ("0", "1"):
            errors["leaders"] = _("“只看领导”只能是 0 或 1。")
        filters.leaders_only = raw["leaders"] == "1"
    for name, label in (("date_from", _("起始日期")), ("date_to", _("结束日期"))):
        if raw[name]:
            try:
                setattr(filters, name, datetime.date.fromisoformat(raw[name]))
            except ValueError:
                errors[name] = _("%(name)s不是有效日期（格式：2026-01-31）：%(value)s") % {
                    "name": label,
                    "value": raw[name],
                }
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors["date_to"] = _("结束日期不能早于起始日期。")
    if raw["category"]:
        filters.category = Category.objects.filter(code=raw["category"]).first()
        if filters.category is None:
            errors["category"] = _("没有这个类别：%(value)s") % {"value": raw["category"]}
    if raw["page"]:
        page = _positive(raw["page"])
        if page is None or page > MAX_PAGE:
            errors["page"] = _("页码应为 1 到 %(max)s 之间的整数。") % {"max": MAX_PAGE}
        else:
            filters.page = page
    return result


def unit_q(unit: Unit) -> Q:
    """Publications of a unit and every unit below it (the jurisdiction: all)."""
    if unit.parent_id is None:
        return Q()
    return Q(unit_id__in=subtree_ids(unit.pk))


def filtered(filters: PublicFilters) -> PublicationQuerySet:
    """The live publications the filters select, newest first."""
    queryset = live()
    if filters.unit is not None:
        queryset = queryset.filter(unit_q(filters.unit))
    if filters.leader is not None:
        queryset = queryset.filter(author_id=filters.leader.pk, is_leader=True)
    if filters.leaders_only:
        queryset = queryset.filter(is_leader=True)
    if filters.date_from:
        queryset = queryset.filter(date__gte=filters.date_from)
    if filters.date_to:
        queryset = queryset.filter(date__lte=filters.date_to)
    if filters.category is not None:
        queryset = queryset.filter(record__category_id=filters.category.pk)
    return queryset.order_by("-date", "-id")


def _with_relations(queryset: PublicationQuerySet) -> PublicationQuerySet:
    return queryset.select_related("unit", "department", "record__category")


# A list shows each item as a row (a dict), not a model instance: building twenty Publications with their unit,
# department, record and category cost more than the query and the template together (a fifth of the front page's
# time, measured at Jiading scale). The keys are what portal/_macros.html reads.
ROW_FIELDS = (
    "id",
    "record_id",
    "date",
    "department_id",
    "unit_id",
    "author_id",
    "author_name",
    "post_title",
    "is_leader",
)
TITLE_CHARS = 80  # a list item's title: the text when it has at most 80 characters, else its first 79 and "…"


def _rows(queryset: PublicationQuerySet, *, full_text: bool = False) -> Any:
    """The list rows of `queryset` (a values() queryset, still lazy)."""
    extra: dict[str, Any] = {
        "department_name": F("department__name"),
        "unit_name": F("unit__name"),
        "category": F("record__category__name"),
    }
    if full_text:
        return queryset.values(*ROW_FIELDS, "content_redacted", "result_redacted", **extra)
    extra["title"] = Substr("content_redacted", 1, TITLE_CHARS)
    extra["title_cut"] = GreaterThan(Length("content_redacted"), TITLE_CHARS)
    return queryset.values(*ROW_FIELDS, **extra)


@dataclass
class PublicPage:
    """One page of publications (rows for the pages, Publications for feeds and the API): `has_next` without counting
    the whole list."""

    items: list[Any]
    page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def publication_page(
    queryset: PublicationQuerySet, page: int = 1, size: int = PAGE_SIZE, *, rows: bool = False
) -> PublicPage:
    """A page of a publication list (LIMIT/OFFSET, one row more to know whether there is a next page)."""
    page = min(max(page, 1), MAX_PAGE)
    offset = (page - 1) * size
    source = _rows(queryset) if rows else _with_relations(queryset)
    found = list(source[offset : offset + size + 1])
    return PublicPage(items=found[:size], page=page, has_next=len(found) > size)


def leaders_recent(limit: int = LEADERS_ON_FRONT) -> list[dict[str, Any]]:
    """The leaders' newest public work (the front page's first section), as list rows."""
    return list(_rows(live().filter(is_leader=True).order_by("-date", "-id"))[:limit])


def publication_for(record_id: int) -> Publication | None:
    """The live publication of a record, or None (unpublished, held, withdrawn, restricted: the same 404)."""
    # One row at most (record is unique): unordered and sliced, not first(), which would order it for nothing.
    found = list(_with_relations(live().filter(record_id=record_id)).order_by()[:1])
    return found[0] if found else None


def leader_of(person_id: int) -> Person | None:
    """A person whose public work is published as a leader's (else None: not a leader page)."""
    if not live().filter(author_id=person_id, is_leader=True).exists():
        return None
    return Person.objects.filter(pk=person_id).only("id", "full_name").first()


@dataclass
class LeaderEntry:
    person_id: int
    name: str
    post_title: str
    unit_name: str
    count: int


def leaders() -> list[LeaderEntry]:
    """Everyone with public work published as a leader's, with their latest post and how many records."""
    rows = (
        live()
        .filter(is_leader=True)
        .values("author_id")
        .annotate(count=Count("id"))
        .order_by("author_id")
        .values_list("author_id", "count")
    )
    counts = dict(rows)
    latest: dict[int, Publication] = {}
    for publication in (
        live()
        .filter(is_leader=True, author_id__in=counts)
        .select_related("department")
        .only("author_id", "author_name", "post_title", "department__name", "date")
        .order_by("author_id", "-date", "-id")
    ):
        latest.setdefault(publication.author_id, publication)
    entries = [LeaderEntry(pk, p.author_name, p.post_title, p.department.name, counts[pk]) for pk, p in latest.items()]
    return sorted(entries, key=lambda e: (e.unit_name != "", e.unit_name, e.name))


@dataclass
class UnitEntry:
    unit: Unit
    count: int


def units() -> list[UnitEntry]:
    """The departments (委办局, 街镇, 村居) with public work, in the tree's order, with how many records."""
    counts = dict(live().values("department_id").annotate(n=Count("id")).order_by().values_list("department_id", "n"))
    found = Unit.objects.filter(pk__in=counts).order_by("path")
    return [UnitEntry(unit, counts[unit.pk]) for unit in found]


def categories() -> list[Category]:
    return list(Category.objects.filter(is_active=True).order_by("sort_order", "id"))


def last_week(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """Monday and Sunday of the week before this one."""
    today = today or local_today()
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    return monday, monday + datetime.timedelta(days=6)


# Search --------------------------------------------------------------------------------------------------------------


def public_text(content_redacted: str, result_redacted: str) -> str:
    """What the public reads of a record's text, placeholders cut out: the only text a public search may match."""
    return PLACEHOLDER.sub("\n", content_redacted + "\n" + result_redacted)


def public_text_matches(text: str, query: Query) -> bool:
    """Whether `text` contains every piece of the query as the index would match it (CJK runs as phrases, a single
    character as a prefix, ASCII words whole)."""
    folded = normalise(text)
    for piece in query.pieces:
        if piece.text[0] < "\u3400":
            if not re.search(f"(?<![a-z0-9]){re.escape(piece.text)}(?![a-z0-9])", folded):
                return False
        elif piece.text not in folded:
            return False
    return True


def _snippet(name: str, text: str, query: Query) -> Snippet | None:
    spans = highlight_spans(text, query)
    if not spans:
        return None
    if len(text) <= SNIPPET_CHARS:
        return Snippet(name, text, spans)
    start = max(0, min(spans[0][0] - SNIPPET_CHARS // 4, len(text) - SNIPPET_CHARS))
    end = start + SNIPPET_CHARS
    inside = [(max(s, start) - start, min(e, end) - start) for s, e in spans if e > start and s < end]
    return Snippet(name, text[start:end], inside, cut_start=start > 0, cut_end=end < len(text))


@dataclass
class PublicHit:
    publication: dict[str, Any]  # a list row with its full redacted text
    snippets: list[Snippet]


@dataclass
class PublicSearch:
    """One page of public search results, newest first; `after` continues it."""

    query: Query
    hits: list[PublicHit]
    next_after: str | None = None


def parse_after(raw: str) -> tuple[datetime.date, int] | None:
    """A cursor "2026-01-31_123" (the last hit's date and id) or None."""
    day, _sep, pk = (raw or "").partition("_")
    try:
        return datetime.date.fromisoformat(day), int(pk)
    except ValueError:
        return None


def public_share(query: Query) -> float:
    """The share of the newest RECENT_PUBLISHED publications (by record id) whose record's text holds `query` — the
    density a newest-first walk over the publications meets. Two indexed statements: the lowest of those record ids,
    then the index's matches from it on (a few thousand at most) joined to the publications."""
    lowest = Publication.objects.order_by("-record_id").values_list("record_id", flat=True)[RECENT_PUBLISHED - 1 :][:1]
    first = next(iter(lowest), 1)
    published = Publication.objects.filter(record_id__gte=first)
    total = published.count() if first == 1 else RECENT_PUBLISHED
    if not total:
        return 0.0
    matches = SearchEntry.objects.filter(pk__gte=first, terms__matches=query).values("pk")
    return published.filter(record_id__in=matches).count() / total


def _candidates(query: Query, after: tuple[datetime.date, int] | None) -> Iterable[dict[str, Any]]:
    base = live()
    if after is not None:
        base = base.filter(Q(date__lt=after[0]) | Q(date=after[0], id__lt=after[1]))
    if public_share(query) >= WALK_SHARE:
        # Common words: the newest live publications, asking the index about each record.
        condition = Q(Exists(SearchEntry.objects.filter(pk=OuterRef("record_id"), terms__matches=query)))
    else:
        condition = Q(record__search_entry__terms__matches=query)
    ordered = _rows(base.filter(condition).order_by("-date", "-id"), full_text=True)
    offset, chunk_size = 0, SEARCH_FIRST_CHUNK  # most pages fill from the first chunk: fetch little, then more
    while offset < SEARCH_BUDGET:
        chunk = list(ordered[offset : offset + chunk_size])
        yield from chunk
        if len(chunk) < chunk_size:
            return
        offset += chunk_size
        chunk_size = SEARCH_CHUNK


def search(text: str, *, after: str = "", size: int = PAGE_SIZE) -> PublicSearch:
    """Search the live publications with the staff search's index and query rules (jishi.search.terms), keeping only
    records whose *published* text holds the words: a word only in an unpublished field (地点, 体会, 补充说明) or only
    in a redacted part (a citizen's name, a phone number) finds nothing. A bad query raises QueryError (in Chinese)."""
    query = parse_query(text)
    with planned_for_their_values():  # its statements differ in values that decide their plans, as the staff search's
        return _search(query, after, size)


def _search(query: Query, after: str, size: int) -> PublicSearch:
    hits: list[PublicHit] = []
    next_after = None
    for row in _candidates(query, parse_after(after)):
        if not public_text_matches(public_text(row["content_redacted"], row["result_redacted"]), query):
            continue
        if len(hits) == size:
            last = hits[-1].publication
            next_after = f"{last['date'].isoformat()}_{last['id']}"
            break
        snippets = [
            s
            for s in (
                _snippet("content", row["content_redacted"], query),
                _snippet("result", row["result_redacted"], query),
            )
            if s is not None
        ]
        hits.append(PublicHit(row, snippets))
    return PublicSearch(query=query, hits=hits, next_after=next_after)


# Statistics ----------------------------------------------------------------------------------------------------------

STATS_MONTHS = 12


def month_starts(today: datetime.date, months: int = STATS_MONTHS) -> list[datetime.date]:
    """The first days of the last `months` months, oldest first (this month included)."""
    first = today.replace(day=1)
    out = []
    for _i in range(months):
        out.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return out[::-1]


@dataclass
class PublishedFigures:
    """Records published, by category and by month (the last twelve months)."""

    total: int
    by_category: list[tuple[str, int]]
    by_month: list[tuple[datetime.date, int]]


def published_figures(unit: Unit | None, *, today: datetime.date | None = None) -> PublishedFigures:
    """Counts of live publications of a unit's subtree (None: the jurisdiction). Each counted record is itself public,
    so these counts say nothing about a person that the list does not already show."""
    today = today or local_today()
    scope = live() if unit is None else live().filter(unit_q(unit))
    months = month_starts(today)
    by_category = list(
        scope.values("record__category__name")
        .annotate(n=Count("id"))
        .order_by("-n", "record__category__name")
        .values_list("record__category__name", "n")
    )
    counted = dict(
        scope.filter(date__gte=months[0], date__lte=today)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("month", "n")
    )
    by_month = [(m, counted.get(m, 0)) for m in months]
    return PublishedFigures(total=sum(n for _c, n in by_category), by_category=by_category, by_month=by_month)


@dataclass
class UnitFigures:
    """One unit's row in the jurisdiction's table."""

    unit: Unit
    published: int
    filing_rate: float | None  # None: not shown (too few people, or no figures yet)
    filing_hidden: bool
    answer_rate: float | None


def department_rows() -> list[Unit]:
    """The jurisdiction's departments (委办局, 街镇) that are open, in the tree's order."""
    root = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    if root is None:
        return []
    return list(Unit.objects.filter(parent=root, valid_to__isnull=True).order_by("path"))


@dataclass
class FilingFigures:
    """The filing rate (filed owed days / owed days) over a period, from the insights store — the same definition
    and the same minimum group size as the staff dashboards: a row about too few people has no figure at all."""

    start: datetime.date
    end: datetime.date
    rate: float | None  # a share, 0–1
    hidden: bool
    rows: dict[int, tuple[float | None, bool]]  # unit id → (rate, hidden)


def filing_figures(unit: Unit | None) -> FilingFigures | None:
    """The last four weeks' filing rate of a unit's subtree (None: the jurisdiction) and of its parts; None when the
    store cannot answer (the page then says the figure is not available)."""
    from jishi.insights.dashboards import Subject, figures
    from jishi.insights.periods import default_period

    if unit is None:
        unit = Unit.objects.filter(parent__isnull=True).order_by("path").first()
        if unit is None:
            return None
        subject = Subject("all", unit.name, unit, ())
    else:
        subject = Subject("unit", unit.name, unit, (unit.pk,))
    period = default_period()
    found = figures(subject, period)
    filing = found["filing"]

    def share(percent: float | None) -> float | None:  # the dashboards give percentages; the portal, shares
        return None if percent is None else percent / 100

    rows = {int(r["unit_id"]): (share(r.get("rate")), bool(r["hidden"])) for r in filing["rows"]}
    return FilingFigures(
        start=period.start, end=period.end, rate=share(filing["rate"]), hidden=bool(found["hidden"]), rows=rows
    )


def answer_rate_of(unit: Unit | None) -> float | None:
    """The share of a unit's published citizens' messages answered (feedback.answer_rate); None when there is too
    little to count."""
    value = feedback.answer_rate(unit)
    return None if value is None else float(value)


def jurisdiction_rows() -> list[UnitFigures]:
    """Each department's published records, filing rate and answer rate (the jurisdiction's statistics table)."""
    departments = department_rows()
    published = dict(
        live().values("department_id").annotate(n=Count("id")).order_by().values_list("department_id", "n")
    )
    counts: dict[int, int] = {}
    for department in departments:
        ids = set(subtree_ids(department.pk))
        counts[department.pk] = sum(n for pk, n in published.items() if pk in ids)
    filing = filing_figures(None)
    rows = []
    for department in departments:
        rate, hidden = filing.rows.get(department.pk, (None, True)) if filing else (None, False)
        rows.append(
            UnitFigures(
                unit=department,
                published=counts[department.pk],
                filing_rate=None if hidden else rate,
                filing_hidden=hidden,
                answer_rate=answer_rate_of(department),
            )
        )
    return rows
