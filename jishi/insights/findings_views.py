"""The findings page (insights:findings), its review form, and the findings API's answer (api.py routes to it).

Parse → findings.findings_for (which applies insights.rules) → render. A reader without a group scope gets a 404 —
a hidden list and a missing one look the same.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from ninja import Schema

from jishi.core.schemas import ErrorOut, ThrottledOut
from jishi.insights import engine, findings, rules, services
from jishi.insights.models import Decision
from jishi.org.calendar import local_today
from jishi.org.models import Unit, UnitKind


class ReviewOut(Schema):
    """研判 — the newest decision on a finding."""

    decision: str
    decision_label: str
    reason: str
    decided_by: str
    decided_at: str
    period_start: str
    period_end: str


class FindingOut(Schema):
    """One finding: kind, subject, period, strength (0..1 and a word), a one-line explanation, evidence, figures."""

    kind: str
    kind_label: str
    subject_type: str
    subject_id: int
    subject_name: str
    unit_id: int | None
    unit_name: str
    start: str
    end: str
    strength: float
    strength_word: str
    explanation: str
    evidence: str
    figures: dict[str, Any]
    review: ReviewOut | None


class FindingsOut(Schema):
    start: str
    end: str
    as_of: str | None
    min_group: int
    count: int
    findings: list[FindingOut]


class BadParametersOut(Schema):
    """422: a parameter is not a date, a unit id or a kind of finding; the errors by parameter, in Chinese."""

    detail: str
    errors: dict[str, list[str]]


# Every status the findings API answers (api.py declares them, so the OpenAPI document lists each).
API_ANSWERS = {
    200: FindingsOut,
    401: ErrorOut,
    404: ErrorOut,
    422: BadParametersOut,
    429: ThrottledOut,
    503: ErrorOut,
}


def _as_of() -> Any:
    try:
        return engine.as_of()
    except Exception:  # an unreadable store reads as "not built yet" on the page, never a 500
        return None


def _unit_in_scope(scope: rules.GroupScope, unit_id: int | None) -> Unit | None:
    if unit_id is None:
        return None
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None or not scope.covers(unit.pk):
        raise Http404(_("找不到该单位。"))
    return unit


def review_out(review: Any) -> dict[str, Any] | None:
    if review is None:
        return None
    return {
        "decision": review.decision,
        "decision_label": str(review.get_decision_display()),
        "reason": review.reason,
        "decided_by": review.decided_by.full_name,
        "decided_at": review.decided_at.isoformat(),
        "period_start": review.period_start.isoformat(),
        "period_end": review.period_end.isoformat(),
    }


def finding_out(f: findings.Finding, review: Any) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "kind_label": f.kind_label,
        "subject_type": f.subject_type,
        "subject_id": f.subject_id,
        "subject_name": f.subject_name,
        "unit_id": f.unit_id,
        "unit_name": f.unit_name,
        "start": f.start.isoformat(),
        "end": f.end.isoformat(),
        "strength": f.strength,
        "strength_word": f.strength_word,
        "explanation": f.explanation,
        "evidence": f.evidence,
        "figures": f.figures,
        "review": review_out(review),
    }


def api_answer(request: HttpRequest) -> HttpResponse:
    """GET /api/v1/insights/findings?start=&end=&unit=&kind= — 422 with Chinese messages for a bad parameter, 404
    for a reader without a group scope or a unit outside it."""
    try:
        start, end, unit_id, kinds = findings.parse_filters(request.GET, local_today())
    except ValidationError as exc:
        return JsonResponse({"detail": _("参数有误"), "errors": exc.message_dict}, status=422)
    scope = rules.group_scope(request.user)
    if not scope:
        return JsonResponse({"detail": _("未找到")}, status=404)
    try:
        _unit_in_scope(scope, unit_id)
    except Http404:
        return JsonResponse({"detail": _("找不到该单位。")}, status=404)
    found = findings.findings_for(request.user, start=start, end=end, unit_id=unit_id, kinds=kinds)
    reviews = services.latest_reviews([f.key for f in found])
    as_of = _as_of()
    return JsonResponse(
        {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "as_of": as_of.isoformat() if as_of else None,
            "min_group": rules.min_group(),
            "count": len(found),
            "findings": [finding_out(f, reviews.get(f.key)) for f in found],
        },
        json_dumps_params={"ensure_ascii": False},
    )


PER_KIND = 20  # findings of each kind on the page when no kind is chosen
MAX_SHOWN = 300  # findings of a chosen kind on the page (the API returns them all)


@login_required
def findings_page(request: HttpRequest) -> HttpResponse:
    """发现 — what deserves a look in the reader's scope, filterable by kind, unit and period, with decisions."""
    scope = rules.group_scope(request.user)
    if not scope:
        raise Http404
    errors: dict[str, list[str]] = {}
    try:
        start, end, unit_id, kinds = findings.parse_filters(request.GET, local_today())
    except ValidationError as exc:
        errors = exc.message_dict
        start, end = findings.default_period(local_today())
        unit_id, kinds = None, []
    unit = _unit_in_scope(scope, unit_id)
    found = findings.findings_for(request.user, start=start, end=end, unit_id=unit_id, kinds=kinds)
    counts: dict[str, int] = {}
    for f in found:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    # A whole jurisdiction's list runs to hundreds (person findings above all): without a kind chosen, the strongest
    # PER_KIND of each kind, and a link to the rest of that kind.
    limit = MAX_SHOWN if kinds else PER_KIND
    shown: list[findings.Finding] = []
    taken: dict[str, int] = {}
    for f in found:
        if taken.get(f.kind, 0) < limit:
            taken[f.kind] = taken.get(f.kind, 0) + 1
            shown.append(f)
    more = [
        {"kind": k, "label": findings.KINDS[k], "more": counts[k] - taken.get(k, 0)}
        for k in findings.KINDS
        if counts.get(k, 0) > taken.get(k, 0)
    ]
    reviews = services.latest_reviews([f.key for f in shown])
    units = Unit.objects.filter(kind__in=[UnitKind.DEPARTMENT, UnitKind.TOWN]).order_by("sort_order", "name")
    if not scope.all:
        units = units.filter(pk__in=scope.unit_ids)
    return render(
        request,
        "insights/findings.html",
        {
            "rows": [{"finding": f, "review": reviews.get(f.key)} for f in shown],
            "total": len(found),
            "more": more,
            "unit_query": f"&unit={unit.pk}" if unit else "",
            "start": start,
            "end": end,
            "unit": unit,
            "units": list(units.values("pk", "name")),
            "kinds": [
                {"value": k, "label": v, "count": counts.get(k, 0), "on": k in kinds} for k, v in findings.KINDS.items()
            ],
            "errors": [m for ms in errors.values() for m in ms],
            "as_of": _as_of(),
            "min_group": rules.min_group(),
            "decisions": Decision.choices,
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_POST
def review_create(request: HttpRequest) -> HttpResponse:
    """A decision on one finding, with its reason (services.finding_review_create); back to the list."""
    data = request.POST
    back = reverse("insights:findings") + (f"?{data['back']}" if data.get("back") else "")
    try:
        subject_id = int(data.get("subject_id", ""))
        period = findings.parse_filters({"start": data.get("start"), "end": data.get("end")}, local_today())
        services.finding_review_create(
            user=request.user,
            kind=data.get("kind", ""),
            subject_id=subject_id,
            period_start=period[0],
            period_end=period[1],
            decision=data.get("decision", ""),
            reason=data.get("reason", ""),
        )
    except (ValueError, OverflowError):
        raise Http404 from None
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("研判已记录。"))
    return redirect(back)
