"""Dashboard pages (看板) and their drill-down: parse the period, ask rules who may see what, draw dashboards' figures.

A reader without a group scope gets a 404 (a hidden thing and a missing thing look the same). Figures count every
record of a group; the records behind a figure are listed only as the reader may read them (visible_to), with a
note of how many are not shown to them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jishi.core.hooks import MenuEntry
from jishi.core.http import int_or_none
from jishi.insights import dashboards, rules
from jishi.insights.dashboards import Subject
from jishi.insights.periods import PeriodError, default_period, parse_period
from jishi.org.http import AuthedRequest
from jishi.org.models import Unit
from jishi.org.rules import reader_for
from jishi.org.selectors import subtree_ids
from jishi.records.models import Category, WorkRecord
from jishi.records.selectors import RecordFilters, filtered_records, record_page
from jishi.supervision.rules import can_see_overview


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """看板: the reader's own dashboard — the jurisdiction, their unit, or the units in their charge."""
    subject = dashboards.subject_for(request.user)
    if subject is None:
        raise Http404
    return _dashboard(request, subject)


@login_required
def unit(request: AuthedRequest, pk: int) -> HttpResponse:
    """One unit's dashboard (with everything below it), for readers whose scope covers it."""
    subject = dashboards.subject_for(request.user, pk)
    if subject is None:
        raise Http404
    return _dashboard(request, subject)


def _dashboard(request: AuthedRequest, subject: Subject) -> HttpResponse:
    try:
        period = parse_period(request.GET)
    except PeriodError as exc:
        context = {"subject": subject, "error": str(exc), "period": default_period(), "params": request.GET}
        return render(request, "insights/dashboard.html", context, status=400)
    figs = dashboards.figures(subject, period)
    overview_unit = subject.unit if subject.kind == "unit" else None
    overview = figs["supervision_link"] if can_see_overview(request.user, overview_unit) else None
    context = {
        "supervision_overview": overview,
        "subject": subject,
        "period": period,
        "figs": figs,
        "as_of": _as_of(figs),
        "charts": charts(figs, supervision_overview=overview),
        "params": request.GET,
        "min_group": figs["min_group"],
        "units": _row_links(figs),
        "week_labels": [_label(w) for w in figs["weeks"]],
    }
    return render(request, "insights/dashboard.html", context)


def _as_of(figs: dict[str, Any]) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(figs["as_of"]) if figs.get("as_of") else None


def _row_links(figs: dict[str, Any]) -> list[dict[str, Any]]:
    """The subject's parts, each to its own dashboard (not the subject itself: its 本级 row is on this page)."""
    current = figs["subject"]["unit_id"]
    return [
        {"name": r["name"], "href": reverse("insights:unit", args=[r["unit_id"]])}
        for r in figs["workload"]
        if r["unit_id"] != current
    ]


def _label(day: str) -> str:
    d = datetime.date.fromisoformat(day)
    return f"{d.month}/{d.day}"


def charts(figs: dict[str, Any], *, supervision_overview: str | None = None) -> dict[str, dict[str, Any]]:
    """What charts.js draws, one plain spec per figure: the kind, the categories, the series and, for each point,
    the link to its records. Rows about too few people are left out here as in the tables."""
    weeks = [_label(w) for w in figs["weeks"]]
    shown = [r for r in figs["filing"]["rows"] if not r["hidden"]]
    specs: dict[str, dict[str, Any]] = {
        "filing": {
            "kind": "heatmap",
            "x": weeks,
            "y": [r["name"] for r in shown],
            "cells": [
                [i, j, c["rate"], c["link"]]
                for j, r in enumerate(shown)
                for i, c in enumerate(r["weeks"])
                if c["rate"] is not None
            ],
            "max": 100,
            "unit": "%",
            "label": _("记实率"),
        },
        "volume": {
            "kind": "bar",
            "x": weeks,
            "series": [
                {"name": _("条数"), "data": [v["records"] for v in figs["volume"]]},
                {"name": _("小时"), "data": [v["hours"] for v in figs["volume"]], "line": True, "axis": 1},
            ],
            "links": [v["link"] for v in figs["volume"]],
        },
        "categories": {
            "kind": "hbar",
            "x": [c["name"] for c in figs["categories"]],
            "series": [{"name": _("小时"), "data": [c["hours"] for c in figs["categories"]]}],
            "links": [c["link"] for c in figs["categories"]],
        },
    }
    workload = [w for w in figs["workload"] if not w["hidden"]]
    specs["workload"] = {
        "kind": "hbar",
        "x": [w["name"] for w in workload],
        "series": [{"name": _("人均每工作日小时"), "data": [w["per_head"] for w in workload]}],
        "links": [w["link"] for w in workload],
    }
    towns = [t for t in figs["towns"] if not t["hidden"]]
    specs["towns"] = {
        "kind": "bar",
        "x": [t["name"] for t in towns],
        "series": [
            {"name": _("人均每工作日小时"), "data": [t["per_head"] for t in towns]},
            {"name": _("记实率（%）"), "data": [t["rate"] for t in towns], "line": True, "axis": 1},
        ],
        "links": [t["link"] for t in towns],
    }
    duties = [d for d in figs["duties"] if not d["hidden"] and d["duties"]]
    specs["duties"] = {
        "kind": "heatmap",
        "x": weeks,
        "y": [d["name"] for d in duties],
        "cells": [
            [i, j, c["share"], c["link"]]
            for j, d in enumerate(duties)
            for i, c in enumerate(d["weeks"])
            if c["share"] is not None
        ],
        "max": 100,
        "unit": "%",
        "label": _("有记实的职责占比"),
    }
    tasks = [t for t in figs["tasks"] if not t["hidden"] and (t["issued"] or t["open"] or t["closed"])]
    specs["tasks"] = {
        "kind": "hbar",
        "stack": True,
        "x": [t["name"] for t in tasks],
        "series": [
            {"name": _("期内办结"), "data": [t["closed"] for t in tasks]},
            {"name": _("在办未超期"), "data": [t["open"] - t["overdue"] for t in tasks]},
            {"name": _("已超期"), "data": [t["overdue"] for t in tasks]},
        ],
        "links": [t["link"] for t in tasks],
    }
    specs["supervision"] = {
        "kind": "bar",
        "stack": True,
        "x": [s["name"] for s in figs["supervision"]],
        "series": [
            {"name": _("查看"), "data": [s["views"] for s in figs["supervision"]]},
            {"name": _("点评"), "data": [s["comments"] for s in figs["supervision"]]},
            {"name": _("质询"), "data": [s["inquiries"] for s in figs["supervision"]]},
        ],
        "links": [supervision_overview] * len(figs["supervision"]) if supervision_overview else [],
    }
    specs["topics"] = {
        "kind": "hbar",
        "x": [t["term"] for t in figs["topics"]],
        "series": [
            {"name": _("本周条数"), "data": [t["week"] for t in figs["topics"]]},
            {"name": _("此前周均"), "data": [t["usual"] for t in figs["topics"]]},
        ],
        "links": [t["link"] for t in figs["topics"]],
    }
    return specs


# The drill-down --------------------------------------------------------------------------------------------------


MAX_UNITS = 100  # units in one drill-down (a leader's units)


def _bad(request: AuthedRequest, message: str) -> HttpResponse:
    return render(request, "insights/records.html", {"error": message}, status=400)


@login_required
def records(request: AuthedRequest) -> HttpResponse:
    """The records behind a figure: units ("3" or "3,7": each with its subtree, or with `own` alone), a period, a
    category, a duty, a word.

    Only for readers whose group scope covers the unit (the jurisdiction without one). Listed through visible_to;
    the figure counted them all, so the page says how many of them this reader does not see.
    """
    scope = rules.group_scope(request.user)
    if not scope:
        raise Http404
    params = request.GET
    try:
        period = parse_period(params)
    except PeriodError as exc:
        return _bad(request, str(exc))
    raw_units = [part.strip() for part in (params.get("unit") or "").split(",") if part.strip()]
    unit_ids = [int_or_none(part) for part in raw_units[: MAX_UNITS + 1]]
    if len(raw_units) > MAX_UNITS or None in unit_ids:
        return _bad(request, _("单位参数无效。"))
    units = list(Unit.objects.filter(pk__in=unit_ids).order_by("path"))
    if len(units) != len(set(unit_ids)) or not all(scope.covers(u.pk) for u in units) or not (units or scope.all):
        raise Http404  # a unit outside the scope looks like a missing one; no unit is the jurisdiction
    category_id = int_or_none(params.get("category"))
    duty_id = int_or_none(params.get("duty"))
    if (params.get("category") and category_id is None) or (params.get("duty") and duty_id is None):
        return _bad(request, _("类别或职责参数无效。"))
    own = params.get("own") == "1"
    word = (params.get("q") or "").strip()[:50]
    filters = RecordFilters(
        date_from=period.start, date_to=period.end, category_id=category_id, duty_id=duty_id, q=word
    )
    in_units: set[int] = set()
    for unit in units:
        in_units.update([unit.pk] if own else subtree_ids(unit.pk))
    narrow = Q(withdrawn_at__isnull=True) & (Q(unit_id__in=sorted(in_units)) if units else Q())
    page = record_page(
        user=request.user, filters=filters, cursor=params.get("cursor"), participants=False, scope=narrow
    )
    visible = filtered_records(user=request.user, filters=filters, flag_content=False).filter(narrow).count()
    hidden = None
    if not word:  # a word is matched only in text the reader may read: the others cannot be counted fairly
        everything = WorkRecord.objects.filed().filter(date__gte=period.start, date__lte=period.end).filter(narrow)
        if category_id:
            everything = everything.filter(category_id=category_id)
        if duty_id:
            everything = everything.filter(duty_id=duty_id)
        # A count about fewer authors than the minimum would say what one or two people wrote out of sight (e.g. a
        # one-day drill-down of a unit where one person filed a 仅上级 record): no number then, as in the figures.
        if rules.big_enough(everything.values("author_id").distinct().count()):
            hidden = max(0, everything.count() - visible)
    query = {k: v for k, v in params.items() if k != "cursor"}
    if request.htmx:  # the list's "更多": the next page alone (records' Jinja2 list template)
        return render(request, "records/_record_page.html", {"page": page, "query": query}, using="jinja2")
    back = reverse("insights:unit", args=[units[0].pk]) if len(units) == 1 else reverse("insights:home")
    context = {
        "page": page,
        "units": units,
        "own": own,
        "period": period,
        "category": Category.objects.filter(pk=category_id).first() if category_id else None,
        "word": word,
        "visible": visible,
        "hidden": hidden,
        "query": query,
        "back": f"{back}?start={period.start.isoformat()}&end={period.end.isoformat()}",
    }
    return render(request, "insights/records.html", context)


def home_for(*, user: Any) -> str | None:
    """Hook page.home: a jurisdiction leader's home page is their dashboard; a section or unit head's is their day
    (managers_day: who has filed, one tap to remind), the dashboard one tap away. Staff keep today's entry form."""
    reader = reader_for(user)
    leads = reader.superior_of_all or reader.is_jurisdiction_leader or bool(reader.superior_unit_ids)
    if leads and rules.group_scope(user):
        jurisdiction = reader.superior_of_all or reader.is_jurisdiction_leader
        return reverse("insights:home" if jurisdiction else "insights:today")
    return None


def _has_scope(user: Any) -> bool:
    return bool(rules.group_scope(user))


def menu() -> list[MenuEntry]:
    """The header's 看板 entry (hook page.menu), only for readers with a group scope."""
    return [MenuEntry("insights", gettext_lazy("看板"), "insights:home", 5, ("insights:*",), shown_to=_has_scope)]


def api_dashboard(request: HttpRequest) -> HttpResponse:
    """GET /api/v1/insights/dashboard?unit=&start=&end=: the page's figures as JSON (422 with a Chinese message for a
    bad parameter, 404 without a scope or for a unit outside it)."""
    raw_unit = (request.GET.get("unit") or "").strip()
    unit_id = int_or_none(raw_unit)
    if raw_unit and unit_id is None:
        return JsonResponse({"detail": _("单位参数无效。")}, status=422)
    subject = dashboards.subject_for(request.user, unit_id)
    if subject is None:
        return JsonResponse({"detail": _("未找到。")}, status=404)
    try:
        period = parse_period(request.GET)
    except PeriodError as exc:
        return JsonResponse({"detail": str(exc)}, status=422)
    return JsonResponse(dashboards.figures(subject, period), json_dumps_params={"ensure_ascii": False})
