"""周报 / 月报 pages: the person's draft and submission, the report with its versions, the people's reports."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jishi.org.calendar import local_today
from jishi.org.http import AuthedRequest
from jishi.summaries import rules
from jishi.summaries.models import Kind
from jishi.summaries.selectors import own_summaries, own_summary, people_summaries, summary_detail
from jishi.summaries.services import (
    BODY_MAX_CHARS,
    PLAN_MAX_CHARS,
    latest_version,
    period_containing,
    recipients,
    summary_draft,
    summary_submit,
)


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """周报: this week's and this month's report (drafted or submitted), the person's own, and their people's."""
    today = local_today()
    week, month = period_containing(Kind.WEEK, today), period_containing(Kind.MONTH, today)
    periods = [week, week.previous(), month, month.previous()]
    mine = {(s.kind, s.period_start): s for s in own_summaries(user=request.user, limit=60)}
    current = [(p, mine.get((p.kind, p.start))) for p in periods]
    context = {
        "current": current,
        "mine": list(mine.values())[:20],
        "is_reviewer": rules.is_reviewer(request.user),
        "people": people_summaries(user=request.user) if rules.is_reviewer(request.user) else [],
    }
    return render(request, "summaries/home.html", context)


def _parse(kind: str, start: str | None) -> datetime.date:
    if kind not in Kind.values:
        raise Http404(_("没有这种报告。"))
    if start is None:
        return period_containing(kind, local_today()).start
    try:
        return datetime.date.fromisoformat(start)
    except ValueError:
        raise Http404(_("日期有误。")) from None


@login_required
def period(request: AuthedRequest, kind: str, start: str | None = None) -> HttpResponse:
    """The draft (or the submitted report and its correction form) of the user's own report of a period."""
    day = _parse(kind, start)
    containing = period_containing(kind, day)
    if containing.start != day and start is not None:  # any day of the period leads to the period
        return redirect("summaries:period", kind=kind, start=containing.start.isoformat())
    if containing.start > local_today():
        messages.error(request, _("这一期尚未开始，不能起草或提交。"))
        return redirect("summaries:home")
    draft = summary_draft(person=request.user, kind=kind, period_start=containing.start)
    submitted = own_summary(user=request.user, kind=kind, period_start=containing.start)
    last = latest_version(submitted) if submitted else None
    body = last.body if last else draft.text()
    plan = last.plan if last else ""
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        body = request.POST.get("body", "")
        plan = request.POST.get("plan", "")
        try:
            version = summary_submit(user=request.user, kind=kind, period_start=containing.start, body=body, plan=plan)
        except ValidationError as exc:
            errors = exc.message_dict
            status = 400
        else:
            messages.success(request, _("已提交（第 %(n)d 版）。") % {"n": version.number})
            return redirect("summaries:detail", pk=version.summary_id)
    context = {
        "kind": kind,
        "kind_label": Kind(kind).label,
        "period": containing,
        "previous": containing.previous(),
        "next": containing.next() if containing.next().start <= local_today() else None,
        "draft": draft,
        "submitted": submitted,
        "last": last,
        "body": body,
        "plan": plan,
        "errors": errors,
        "top_errors": [m for key in ("period_start", "kind", "__all__") for m in errors.get(key, [])],
        "recipients": recipients(request.user),
        "body_max": BODY_MAX_CHARS,
        "plan_max": PLAN_MAX_CHARS,
    }
    return render(request, "summaries/period.html", context, status=status)


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A submitted report: its latest text and plan, every earlier version below."""
    summary, versions = summary_detail(user=request.user, pk=pk)
    context = {
        "summary": summary,
        "latest": versions[0] if versions else None,
        "earlier": versions[1:],
        "is_author": summary.author_id == request.user.pk,
        "recipients": recipients(summary),
    }
    return render(request, "summaries/detail.html", context)
