"""Reads through the search index: which records match a query, in what order, and their highlighted snippets.

Everything starts from `filtered_records` (so from `WorkRecord.objects.visible_to(user)` and the list filters),
and matching is further limited by `content_q`: a record whose content the reader may not see is never
matched, ranked or highlighted by that content — it is simply not found by the words in it.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import DatabaseError, connection
from django.db.models import Exists, Max, Min, OuterRef, Q
from django.utils.translation import gettext as _

from jishi.org.rules import reader_for
from jishi.records.fields import content_of
from jishi.records.models import RecordQuerySet, WorkRecord
from jishi.records.rules import NOTHING, content_q
from jishi.records.selectors import RecordFilters, filtered_records, parse_cursor
from jishi.search.models import Relevance, SearchEntry
from jishi.search.terms import Query, QueryError, highlight_spans, parse_query

PAGE_SIZE = 20
# Ranking costs time in proportion to the matches; past this many, relevance says little anyway ("会议" is in a
# third of all records), so the results come newest first and the reader is told why.
RANK_LIMIT = 20_000
# Newest-first pages take one of three query shapes, each costing what the page needs, not what the table holds:
#  - fewer than WINDOWS_FROM matches: fetch them all through the index and sort them by date (at most that many);
#  - words in at least WALK_SHARE of the latest records (会, 会议): walk the (date, id) index newest first and ask the
#    index about each record (EXISTS), stopping after a page — about a page / share records;
#  - in between: widening date windows (FIRST_WINDOW_DAYS, then twice as many …) until the page is full, each
#    fetching only the matches dated in it (window_match_q) — about a page's worth of days of matches.
# The share is measured on the latest RECENT records, where a newest-first page starts.
WINDOWS_FROM = 2_000
WALK_SHARE = 0.2  # 会 (34 % of records) walks in 0.5 ms; 审 (12 %) walked in 52 ms, its first window took 1.2 ms
RECENT = 5_000
# The records list's `q` has no windows (its pages are the list's): it walks from this share on, and below it
# fetches and sorts every match (the share at which the two met at Jiading scale, about 20,000 matches).
LIST_WALK_SHARE = 0.025
FIRST_WINDOW_DAYS = 1
SNIPPET_CHARS = 80
# Relevance ranks the newest matches only: at most this many (settings.JISHI_SEARCH_RANK_WINDOW), newest by id; the
# page says so when there were more. bm25 then reads the window's matches, not all of them (measured in
# bench/RESULTS.md: at 10x, 0.1 % words p95 114-122 ms with 2,000; 5,000 was slower than ranking every match).
RANK_WINDOW_DEFAULT = 2_000


def rank_window() -> int:
    """settings.JISHI_SEARCH_RANK_WINDOW, checked (SearchConfig.ready() calls this at start-up)."""
    value = getattr(settings, "JISHI_SEARCH_RANK_WINDOW", RANK_WINDOW_DEFAULT)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= RANK_LIMIT:
        raise ImproperlyConfigured(
            f"JISHI_SEARCH_RANK_WINDOW must be a whole number from 1 to {RANK_LIMIT} "
            f"(how many of the newest matches relevance ranks), not {value!r}."
        )
    return value


Order = Literal["relevance", "newest"]
FIELD_LABELS = {
    "content": "工作内容",
    "place": "地点",
    "result": "结果/进展",
    "reflection": "体会/反思",
    "addenda": "补充说明",
}


@dataclass
class Snippet:
    """A piece of one field around the first match, with the matched spans (offsets within `text`)."""

    field: str
    text: str
    spans: list[tuple[int, int]]
    cut_start: bool = False
    cut_end: bool = False

    @property
    def label(self) -> str:
        return FIELD_LABELS[self.field]

    @property
    def pieces(self) -> list[tuple[str, bool]]:
        """The text in order as (piece, whether it is a match): search/_snippet.html marks the matches."""
        out: list[tuple[str, bool]] = []
        position = 0
        for start, end in self.spans:
            out += [(self.text[position:start], False), (self.text[start:end], True)]
            position = end
        out.append((self.text[position:], False))
        return [(text, matched) for text, matched in out if text]


@dataclass
class Hit:
    """One found record and where the words are in it."""

    record: WorkRecord
    snippets: list[Snippet]


@dataclass
class SearchResults:
    """One page of results. `order` is the order actually used; `notice` says why it differs from the request."""

    query: Query
    hits: list[Hit]
    order: Order
    page: int = 1
    next_page: int | None = None
    next_cursor: str | None = None
    notice: str = ""
    filters: RecordFilters = field(default_factory=RecordFilters)


def match_estimate(query: Query, *, cap: int) -> int:
    """How many records contain the query, regardless of reader, counted up to `cap` (cheap: the index alone)."""
    return SearchEntry.objects.filter(terms__matches=query)[:cap].count()


def match_q(*, user: Any, query: Query, walk: bool = False) -> Q:
    """The condition on visible_to rows: the record's visible content matches `query`.

    `walk` chooses the query shape for newest-first pages of common words: EXISTS per record (the database walks
    its date index and stops after a page) instead of a join driven by the index's matches.
    """
    if walk:
        indexed = Q(Exists(SearchEntry.objects.filter(record=OuterRef("pk"), terms__matches=query)))
    else:
        indexed = Q(search_entry__terms__matches=query)
    return indexed & content_q(reader_for(user))


def window_match_q(*, user: Any, query: Query, first: datetime.date, last: datetime.date, ids: tuple[int, int]) -> Q:
    """The condition on visible_to rows dated first..last, whose ids lie in `ids` (window_ids): the record's visible
    content matches `query`.

    The index is asked only about that id range (rowid is the record id, which grows with time): FTS5 seeks to the
    lowest and stops at the highest — with its one-character prefix index also for 会 — so the database fetches the
    matches of those days, not the word's matches in the whole table. Records entered late for an old date make the
    range wider, never wrong: the date condition stays.
    """
    entries = SearchEntry.objects.filter(terms__matches=query, pk__gte=ids[0], pk__lte=ids[1])
    return Q(date__range=(first, last), id__in=entries.values("pk")) & content_q(reader_for(user))


def window_ids(first: datetime.date, last: datetime.date) -> tuple[int, int] | None:
    """The lowest and highest id of the records dated first..last, or None if there are none.

    Read per day from the (date, id) index, then combined here: a plain MIN(id) over a date range is planned by
    PostgreSQL as a walk of the primary key from the first id, filtering dates (1.4 s for yesterday at 723k records).
    """
    days = WorkRecord.objects.filter(date__range=(first, last)).order_by().values("date")
    bounds = list(days.annotate(low=Min("id"), high=Max("id")).values_list("low", "high"))
    if not bounds:
        return None
    return min(low for low, _ in bounds), max(high for _, high in bounds)


def recent_share(query: Query) -> float:
    """The share of the latest RECENT records (by id: ids grow with time) whose text contains `query`, regardless of
    reader — the density a newest-first page meets. Cheap: the index seeks to the lowest of those ids."""
    top = WorkRecord.objects.aggregate(top=Max("id"))["top"] or 0
    lowest = max(1, top - RECENT + 1)
    if not top:
        return 0.0
    return SearchEntry.objects.filter(terms__matches=query, pk__gte=lowest).count() / (top - lowest + 1)


def _walks(query: Query, share: float) -> bool:
    return recent_share(query) >= share


def search_q(user: Any, text: str) -> Q:
    """The list filter `q` (records list, API list, exports): the same index and rule; for common words, the
    shape that walks the list's date index.

    A query that cannot be searched matches nothing (the search page explains why; a list just shows none).
    """
    try:
        query = parse_query(text)
    except QueryError:
        return NOTHING
    return match_q(user=user, query=query, walk=_walks(query, LIST_WALK_SHARE))


def _snippet(name: str, text: str, query: Query) -> Snippet | None:
    spans = highlight_spans(text, query)
    if not spans:
        return None
    if len(text) <= SNIPPET_CHARS:
        return Snippet(name, text, spans)
    first = spans[0][0]
    start = max(0, min(first - SNIPPET_CHARS // 4, len(text) - SNIPPET_CHARS))
    end = start + SNIPPET_CHARS
    inside = [(max(s, start) - start, min(e, end) - start) for s, e in spans if e > start and s < end]
    return Snippet(name, text[start:end], inside, cut_start=start > 0, cut_end=end < len(text))


def snippets_for(record: WorkRecord, query: Query) -> list[Snippet]:
    """Highlighted pieces of the fields that contain the words — only for a record whose content the reader sees."""
    texts = content_of(record)  # the content fields through the one mask step: None where the reader may not read
    if texts["content"] is None:
        return []
    texts["addenda"] = "\n".join(a.content for a in record.addenda.all())
    found = [_snippet(name, text, query) for name, text in texts.items()]
    snippets = [s for s in found if s is not None]
    if not any(s.field == "content" for s in snippets):  # the words are elsewhere: still show what the work was
        snippets.insert(
            0, Snippet("content", record.content[:SNIPPET_CHARS], [], cut_end=len(record.content) > SNIPPET_CHARS)
        )
    return snippets


def _rows(queryset: RecordQuerySet) -> list[WorkRecord]:
    return list(queryset.select_related("author", "unit", "category", "duty").prefetch_related("addenda"))


def _newest_ids(
    base: RecordQuerySet,
    *,
    user: Any,
    query: Query,
    estimate: int,
    filters: RecordFilters,
    cursor: str | None,
    size: int,
) -> list[int]:
    """Up to size + 1 ids of `base`'s records matching `query`, newest first, after the cursor (see WINDOWS_FROM)."""
    position = parse_cursor(cursor)
    after = Q(date__lt=position[0]) | Q(date=position[0], id__lt=position[1]) if position else Q()

    def newest(condition: Q, limit: int) -> list[int]:
        found = base.filter(condition, after).order_by("-date", "-id").values_list("id", flat=True)
        return list(found[:limit])

    if estimate < WINDOWS_FROM or _walks(query, WALK_SHARE):
        return newest(match_q(user=user, query=query, walk=estimate >= WINDOWS_FROM), size + 1)
    # Widening windows from the latest day that can hold a result down to the earliest.
    dates = WorkRecord.objects.values_list("date", flat=True)
    latest, earliest = dates.order_by("-date").first(), dates.order_by("date").first()
    if latest is None or earliest is None:
        return []
    latest = min(d for d in (latest, filters.date_to, position and position[0]) if d)
    earliest = max(d for d in (earliest, filters.date_from) if d)
    ids: list[int] = []
    days = FIRST_WINDOW_DAYS
    while latest >= earliest and len(ids) <= size:
        first = max(earliest, latest - datetime.timedelta(days=days - 1))
        span = window_ids(first, latest)
        if span is not None:
            window = window_match_q(user=user, query=query, first=first, last=latest, ids=span)
            ids += newest(window, size + 1 - len(ids))
        latest, days = first - datetime.timedelta(days=1), days * 2
    return ids


@contextmanager
def planned_for_their_values() -> Iterator[None]:
    """On PostgreSQL, the statements run inside are planned for the values they are given, every time.

    A connection prepares a statement it runs again (settings: prepare_threshold) and, after five runs, PostgreSQL may
    keep one generic plan for it. The search's statements differ only in values whose selectivity decides the plan —
    a word in half the records or in none, a day's window or a year's — and a generic plan chosen for one was 20x
    slower for the next: 会议 newest first went from 24 ms to 450 ms on its sixth run at 10x Jiading (bench/RESULTS.md).
    The connection's setting is put back after the block (in a transaction that fails, its rollback does that).
    Elsewhere: nothing to do.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_custom_plan")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET plan_cache_mode")
        except DatabaseError:  # the block failed in a transaction, whose rollback undoes the SET
            pass


def search_records(
    *,
    user: Any,
    text: str,
    filters: RecordFilters | None = None,
    order: Order = "relevance",
    page: int = 1,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
) -> SearchResults:
    """Search what `user` may see. A query that cannot be searched is a ValidationError on `q` (in Chinese).

    Relevance pages are numbered (LIMIT/OFFSET over the newest rank_window() matches); newest-first pages use the
    list's (date, id) cursor. Neither counts the whole result.
    """
    with planned_for_their_values():
        return _search_records(user=user, text=text, filters=filters, order=order, page=page, cursor=cursor, size=size)


def _search_records(
    *,
    user: Any,
    text: str,
    filters: RecordFilters | None,
    order: Order,
    page: int,
    cursor: str | None,
    size: int,
) -> SearchResults:
    try:
        query = parse_query(text)
    except QueryError as exc:
        raise ValidationError({"q": [str(exc)]}) from exc
    filters = dataclasses.replace(filters or RecordFilters(), q="")
    base = filtered_records(user=user, filters=filters)
    # Counted only as far as the choice needs: whether to rank (RANK_LIMIT), or which newest-first shape.
    estimate = match_estimate(query, cap=RANK_LIMIT + 1 if order == "relevance" else WINDOWS_FROM)
    notice = ""
    if order == "relevance" and estimate > RANK_LIMIT:
        order = "newest"
        notice = (
            f"包含这些词的记实超过 {RANK_LIMIT:,} 条，已按时间从新到旧排列；加上更多词语或筛选条件后可按相关度排序。"
        )
    if order == "relevance":
        window = rank_window()
        last_page = max(1, window // size)
        page = min(max(page, 1), last_page)
        ranked = base.filter(match_q(user=user, query=query))
        if estimate > window:
            # More matches than the window (regardless of reader): rank only the reader's newest `window` matches,
            # newest by id (the order records were written in). The id of the next older one is read through the
            # same rule and filters (the index's matches, joined and sorted by id: no bm25, no snippets), and the
            # index is then asked only about the ids above it (FTS5 seeks by rowid).
            # The newest-first shapes (_newest_ids) were measured for this and are not cheap at a window's size:
            # widening date windows read a year's (date, id) index entries for a 0.1 % word (2.3 s at 10x).
            older = ranked.order_by("-id").values_list("id", flat=True)[window : window + 1]
            cut = next(iter(older), None)
            if cut is not None:
                ranked = ranked.filter(id__gt=cut, search_entry__pk__gt=cut)
                notice = _("按相关度排列最近 %(count)s 条匹配记实；更早的请按时间排序或限定日期。") % {
                    "count": f"{window:,}"
                }
        ordered = ranked.annotate(relevance=Relevance(query)).order_by("relevance", "-date", "-id")
        offset = (page - 1) * size
        # The page's ids first, on the record and index tables alone; then the rows with their relations.
        ids = list(ordered.values_list("id", flat=True)[offset : offset + size + 1])
        more = len(ids) > size
        ids = ids[:size]
        by_id = {r.pk: r for r in _rows(base.filter(id__in=ids))}
        records = [by_id[pk] for pk in ids if pk in by_id]
        return SearchResults(
            query=query,
            hits=[Hit(r, snippets_for(r, query)) for r in records],
            order="relevance",
            page=page,
            next_page=page + 1 if more and page < last_page else None,
            notice=notice,
            filters=filters,
        )
    ids = _newest_ids(base, user=user, query=query, estimate=estimate, filters=filters, cursor=cursor, size=size)
    more = len(ids) > size
    records = _rows(base.filter(id__in=ids[:size]).order_by("-date", "-id"))
    next_cursor = f"{records[-1].date.isoformat()}_{records[-1].pk}" if more and records else None
    return SearchResults(
        query=query,
        hits=[Hit(r, snippets_for(r, query)) for r in records],
        order="newest",
        next_cursor=next_cursor,
        notice=notice,
        filters=filters,
    )
