"""Reading reports: always through Summary.objects.visible_to (summaries.rules)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from jishi.summaries.models import Summary, SummaryVersion


def summary_detail(*, user: Any, pk: int) -> tuple[Summary, list[SummaryVersion]]:
    """A report `user` may read with its versions, newest first; a hidden report and a missing one are the same 404."""
    summary = Summary.objects.visible_to(user).select_related("author", "unit").filter(pk=pk).first()
    if summary is None:
        raise Http404("报告不存在或无权查看。")
    return summary, list(summary.versions.order_by("-number"))


def own_summaries(*, user: Any, limit: int = 20) -> list[Summary]:
    return list(Summary.objects.filter(author=user).select_related("author", "unit")[:limit])


def people_summaries(*, user: Any, kind: str = "", limit: int = 50) -> list[Summary]:
    """The submitted reports of the people `user` reads (their superiors' and scoped roles' view), newest first."""
    reports = Summary.objects.visible_to(user).exclude(author=user).select_related("author", "unit")
    if kind:
        reports = reports.filter(kind=kind)
    return list(reports.order_by("-submitted_at", "-id")[:limit])


def own_summary(*, user: Any, kind: str, period_start: Any) -> Summary | None:
    return Summary.objects.filter(author=user, kind=kind, period_start=period_start).first()
