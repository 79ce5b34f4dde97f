"""Duty pages: suggestions while a record is written (htmx partial) and the coverage page."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.core.http import date_or_none, int_or_none, period_param
from jishi.duties.selectors import coverage_for, quarter_start, suggest_duties, text_matched
from jishi.org.calendar import local_today


@login_required
@require_POST
def suggest(request: HttpRequest) -> HttpResponse:
    """The duties the content being typed most likely serves, as buttons that set the form's duty select."""
    day = date_or_none(request.POST.get("date"))  # a bad date: the form reports it; suggest for today meanwhile
    found = suggest_duties(person=request.user, content=request.POST.get("content", ""), day=day)  # type: ignore[arg-type]
    return render(request, "duties/_suggestions.html", {"suggestions": found, "matched": text_matched(found)})


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    """职责覆盖 of a person, position or unit (the viewer when none is named) over a period, this quarter by default."""
    query = request.GET
    subject = {k: query[k] for k in ("person", "unit", "position") if query.get(k)}
    today = local_today()
    this_quarter = quarter_start(today)
    last_quarter = quarter_start(this_quarter - datetime.timedelta(days=1))
    periods = [
        (_("本季度"), this_quarter, today),
        (_("上季度"), last_quarter, this_quarter - datetime.timedelta(days=1)),
        (_("今年"), datetime.date(today.year, 1, 1), today),
    ]
    shortcuts = [
        (label, "?" + urlencode(subject | {"date_from": a.isoformat(), "date_to": b.isoformat()}))
        for label, a, b in periods
    ]
    try:
        result = coverage_for(
            viewer=request.user,
            person_id=int_or_none(query.get("person")),
            unit_id=int_or_none(query.get("unit")),
            position_id=int_or_none(query.get("position")),
            start=period_param(query, "date_from"),
            end=period_param(query, "date_to"),
        )
    except ValidationError as exc:
        errors = [str(m) for messages in exc.message_dict.values() for m in messages]
        context = {"errors": errors, "query": query, "shortcuts": shortcuts}
        return render(request, "duties/coverage.html", context, status=400)
    return render(request, "duties/coverage.html", {"coverage": result, "query": query, "shortcuts": shortcuts})
