"""The public portal's pages (anonymous; parse → selector → render), each served through the page cache.

Pages are Jinja2 templates (jishi/portal/jinja2/portal/) in the portal's own small frame: no script, no staff header,
one small stylesheet. A bad query parameter answers the page with the reason (400), a record that is not live a 404 —
the same whether it never existed, is not public, was withdrawn or is held.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from jishi.core.http import ID_MAX
from jishi.org.models import DEPARTMENT_LEVEL_KINDS, Unit
from jishi.portal import cache, dumps, feedback, selectors
from jishi.portal.cache import cached_page
from jishi.portal.models import Publication
from jishi.search.terms import QueryError

FEEDBACK_SHOWN = 20  # the newest answered messages on a page; the panel is part of a page kept small for slow lines


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, f"portal/{template}", context, status=status, using="jinja2")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The portal's 404, in its own frame."""
    return _render(request, "not_found.html", {}, status=404)


def _valid_id(pk: int) -> bool:
    return 0 < pk <= ID_MAX


def feedback_context(*, publication: Publication | None = None, unit: Unit | None = None) -> dict[str, Any]:
    """What portal/_feedback.html shows on a record's page (`publication`) or a unit's: its newest answered messages."""
    messages = feedback.public_messages(publication=publication, unit=unit)[:FEEDBACK_SHOWN]
    return {"publication": publication, "unit": unit, "feedback_messages": list(messages)}


def _filter_options() -> dict[str, Any]:
    """The filter form's choices: kept per generation (they change only when something is published or withdrawn)."""
    return cache.memo(
        "filter-options",
        lambda: {
            "units": list(
                Unit.objects.filter(kind__in=DEPARTMENT_LEVEL_KINDS, valid_to__isnull=True)
                .order_by("path")
                .values_list("id", "name")
            ),
            "leaders": [(e.person_id, e.name, e.post_title) for e in selectors.leaders()],
            "categories": [(c.code, c.name) for c in selectors.categories()],
        },
    )


def _filters_form(request: HttpRequest, parsed: selectors.FilterResult) -> str:
    """The filter form, its hundreds of unit and leader options drawn once per generation, language and filter values
    (they were two thirds of the front page's rendering)."""
    key = "filters-form:" + urlencode(sorted(parsed.raw.items()))

    def draw() -> str:
        context = {"parsed": parsed, "filters": parsed.filters, "options": _filter_options()}
        return mark_safe(render_to_string("portal/_filters.html", context, request=request, using="jinja2"))

    return cache.memo(key, draw)


def _leaders_section() -> str:
    context = {"leaders_recent": selectors.leaders_recent()}
    return mark_safe(render_to_string("portal/_leaders_recent.html", context, using="jinja2"))


@cached_page
def index(request: HttpRequest) -> HttpResponse:
    """The newest public work, the leaders' first (a section of its own on the unfiltered first page), with filters."""
    parsed = selectors.parse_filters(request.GET)
    filters = parsed.filters
    week = selectors.last_week()
    context: dict[str, Any] = {
        "parsed": parsed,
        "filters": filters,
        "last_week": week,
        "page_query": lambda n: urlencode(filters.query(page=n)),
    }
    context["filters_form"] = _filters_form(request, parsed)
    if parsed.errors:
        return _render(request, "index.html", context, status=400)
    context["page"] = selectors.publication_page(selectors.filtered(filters), filters.page, rows=True)
    # The leaders' section changes only when something is published: drawn once per generation and language like the
    # filter form (its query walks the newest publications for the leaders' few, about 5 %; drawing its ten items
    # cost a third of the page).
    unfiltered = not filters.any and filters.page == 1
    context["leaders_section"] = cache.memo("leaders-section", _leaders_section) if unfiltered else ""
    return _render(request, "index.html", context)


@cached_page
def record(request: HttpRequest, pk: int) -> HttpResponse:
    """One published record: its redacted text, unit, author's post and date."""
    publication = selectors.publication_for(pk) if _valid_id(pk) else None
    if publication is None:
        return not_found(request)
    return _render(request, "record.html", {"p": publication, **feedback_context(publication=publication)})


@cached_page
def units(request: HttpRequest) -> HttpResponse:
    """The departments with public work."""
    return _render(request, "units.html", {"units": selectors.units()})


def _page_query(n: int) -> str:
    return f"page={n}"


def _page_number(request: HttpRequest) -> int | None:
    raw = request.GET.get("page", "1").strip() or "1"
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 4 or not 1 <= int(raw) <= selectors.MAX_PAGE:
        return None
    return int(raw)


@cached_page
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's public work (its subtree), newest first, with its feeds."""
    found = Unit.objects.filter(pk=pk).first() if _valid_id(pk) else None
    if found is None:
        return not_found(request)
    page = _page_number(request)
    context: dict[str, Any] = {
        "unit": found,
        "page_error": "" if page else _("页码应为 1 到 %(max)s 之间的整数。") % {"max": selectors.MAX_PAGE},
    }
    if page is None:
        return _render(request, "unit.html", context, status=400)
    queryset = selectors.filtered(selectors.PublicFilters(unit=found))
    context["page"] = selectors.publication_page(queryset, page, rows=True)
    context["page_query"] = _page_query
    context.update(feedback_context(unit=found))
    return _render(request, "unit.html", context)


@cached_page
def leaders(request: HttpRequest) -> HttpResponse:
    """Everyone whose public work is published as a leader's."""
    return _render(request, "leaders.html", {"leaders": selectors.leaders()})


@cached_page
def leader(request: HttpRequest, pk: int) -> HttpResponse:
    """A leader's public work, newest first."""
    person = selectors.leader_of(pk) if _valid_id(pk) else None
    if person is None:
        return not_found(request)
    page = _page_number(request)
    context: dict[str, Any] = {
        "person": person,
        "page_error": "" if page else _("页码应为 1 到 %(max)s 之间的整数。") % {"max": selectors.MAX_PAGE},
    }
    if page is None:
        return _render(request, "leader.html", context, status=400)
    leader_filter = selectors.PublicFilters(leader=person)
    context["page"] = selectors.publication_page(selectors.filtered(leader_filter), page, rows=True)
    context["page_query"] = _page_query
    latest = context["page"].items[0] if context["page"].items else None
    context["post"] = latest
    return _render(request, "leader.html", context)


@cached_page
def search(request: HttpRequest) -> HttpResponse:
    """Search the public work (live publications' published text only)."""
    text = request.GET.get("q", "")[:200]
    after = request.GET.get("after", "")[:40]
    context: dict[str, Any] = {"q": text, "results": None, "error": ""}
    if not text.strip():
        return _render(request, "search.html", context)
    if after and selectors.parse_after(after) is None:
        context["error"] = _("翻页参数无效，请重新检索。")
        return _render(request, "search.html", context, status=400)
    try:
        context["results"] = selectors.search(text, after=after)
    except QueryError as exc:
        context["error"] = str(exc)
        return _render(request, "search.html", context, status=400)
    return _render(request, "search.html", context)


def _stats_unit(request: HttpRequest) -> tuple[Unit | None, str]:
    raw = request.GET.get("unit", "").strip()
    if not raw:
        return None, ""
    pk = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else 0
    found = Unit.objects.filter(pk=pk).first() if _valid_id(pk) else None
    if found is None:
        return None, _("没有这个单位：%(value)s") % {"value": raw[:40]}
    return found, ""


@cached_page
def stats(request: HttpRequest) -> HttpResponse:
    """Public figures of the jurisdiction or one unit: records published by category and month, filing rate, answer
    rate — figures about people only for groups of at least the minimum size."""
    found, error = _stats_unit(request)
    context: dict[str, Any] = {"unit": found, "error": error, "today": selectors.local_today()}
    if error:
        return _render(request, "stats.html", context, status=400)
    context["published"] = selectors.published_figures(found)
    context["filing"] = selectors.filing_figures(found)
    context["answer_rate"] = selectors.answer_rate_of(found)
    context["min_group"] = settings.JISHI_MIN_GROUP_SIZE
    if found is None:
        context["rows"] = selectors.jurisdiction_rows()
    return _render(request, "stats.html", context)


@cached_page
def data(request: HttpRequest) -> HttpResponse:
    """The open data: the latest dump's files and its data dictionary."""
    return _render(request, "data.html", {"dump": dumps.latest(), "fields": dumps.FIELDS})


def data_file(request: HttpRequest, name: str) -> HttpResponseBase:
    """One file of the latest dump (CSV, Parquet, the dictionary), with its ETag; not through the page cache."""
    if dumps.file_path(name) is not None:
        dumps.refresh_if_stale()  # a record held back since the dump was written leaves it before any download
    path = dumps.file_path(name)
    if path is None:
        raise Http404
    etag = f'"{dumps.file_etag(path)}"'
    if cache.not_modified(request, etag):
        response: HttpResponseBase = HttpResponse(status=304)
    else:
        response = FileResponse(Path(path).open("rb"), as_attachment=True, filename=name)  # noqa: SIM115 — FileResponse closes it
    cache.set_cache_headers(response, etag=etag)
    return response
