"""Autocomplete partials for the record form: people (name, pinyin, initials) and partner units."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jishi.org.selectors import people_lookup, unit_lookup


@login_required
def people_options(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or request.GET.get("lookup_person") or "")[:30]
    # The people the author works with come first: their own section, then those named with them lately.
    matches = people_lookup(query, near=request.user)  # type: ignore[arg-type]  # login_required: a Person
    return render(request, "org/_people_options.html", {"matches": matches, "query": query})


@login_required
def unit_options(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or request.GET.get("lookup_unit") or "")[:30]
    return render(request, "org/_unit_options.html", {"units": unit_lookup(query), "query": query})
