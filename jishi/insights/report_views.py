"""The decision reports' page (`insights:report`), its Excel export (`?format=xlsx`) and its print view (print.css).

A view parses, asks reports.build (which asks rules.group_scope), and renders: a reader without a scope, an unknown
kind and a unit outside the scope are all the same 404; a bad date or unit is a Chinese message with a 400.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from jishi.insights import reports, rules
from jishi.org.http import AuthedRequest

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def report(request: AuthedRequest, kind: str) -> HttpResponse:
    """决策报告: one kind of report over a period for the units the reader's scope covers."""
    if kind not in reports.KINDS or not rules.group_scope(request.user):
        raise Http404
    wanted = (request.GET.get("format") or "html").strip().lower()
    try:
        if wanted not in ("html", "xlsx"):
            raise reports.ReportError(_("不支持的格式“%(value)s”，可选 xlsx。") % {"value": wanted[:20]})
        built = reports.build(kind, request.user, request.GET)
    except reports.ReportError as exc:
        if wanted == "xlsx":
            return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
        return render(request, "insights/report.html", _context(request, kind, error=str(exc)), status=400)
    if wanted == "xlsx":
        response = HttpResponse(reports.workbook(built), content_type=XLSX)
        name = f"{built.title}_{built.start:%Y%m%d}-{built.end:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f"attachment; filename=\"report-{kind}.xlsx\"; filename*=UTF-8''{quote(name)}"
        return response
    context = _context(request, kind, report=built)
    # The tables are drawn by Jinja2 (hundreds of rows of a dozen cells): its output, autoescaped, goes in as it is.
    drawn = get_template("insights/_report_tables.html", using="jinja2").render(
        {"tables": built.tables, "withheld": context["withheld"]}, request
    )
    context["tables"] = mark_safe(drawn)
    return render(request, "insights/report.html", context)


def _context(
    request: AuthedRequest, kind: str, *, report: reports.Report | None = None, error: str = ""
) -> dict[str, object]:
    built = report
    params = request.GET.copy()
    params.pop("format", None)
    export = params.copy()
    export["format"] = "xlsx"
    return {
        "kind": kind,
        "kinds": [(slug, label) for slug, (label, _build) in reports.KINDS.items()],
        "query": params.urlencode(),
        "export_query": export.urlencode(),
        "start": built.start.isoformat() if built else request.GET.get("start", ""),
        "end": built.end.isoformat() if built else request.GET.get("end", ""),
        "unit": request.GET.get("unit", ""),
        "unit_choices": reports.unit_choices(request.user),
        "withheld": reports.withheld_text(),
        "report": report,
        "error": error,
    }
