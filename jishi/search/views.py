"""全文检索 page: parse the query and filters, call the selector, render (the result list is also the htmx partial)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jishi.core import throttling
from jishi.core.http import int_or_none
from jishi.records.selectors import active_categories
from jishi.records.views import filters_from
from jishi.search.selectors import Order, search_records
from jishi.search.services import index_ready


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Search records by words, with the list's filters; ranked by relevance or newest first."""
    filters = filters_from(request)
    text = request.GET.get("q", "")
    order: Order = "newest" if request.GET.get("order") == "newest" else "relevance"
    results = error = None
    if text.strip():
        # Each search counts against the person's limit; opening the empty page does not.
        wait = throttling.count("search", throttling.requester(request))
        if wait is not None:
            return throttling.too_many_requests(request, wait)
        try:
            results = search_records(
                user=request.user,
                text=text,
                filters=filters,
                order=order,
                page=int_or_none(request.GET.get("page")) or 1,
                cursor=request.GET.get("cursor"),
            )
        except ValidationError as exc:
            error = " ".join(exc.message_dict.get("q", exc.messages))
    context = {
        "results": results,
        "error": error,
        "order": order,
        "query": request.GET,
        "categories": active_categories(),
        "index_building": results is not None and not index_ready(),
    }
    template = (
        "search/_results.html" if getattr(request, "htmx", False) and request.GET.get("more") else "search/search.html"
    )
    return render(request, template, context)
