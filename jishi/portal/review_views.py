"""The publishers' review queue (/public/review/, signed in): the records of their units that are about to go public
and those already out, the original beside the redacted text, hold with a reason and release. Who may use it is
portal.rules.review_scope; anyone else — and any record outside the scope — gets a 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jishi.core.http import int_or_none
from jishi.org.http import AuthedRequest
from jishi.portal import publication, redaction
from jishi.portal.models import DecisionAction, Publication, PublicationDecision, live_record_q
from jishi.portal.rules import ReviewScope, review_scope
from jishi.records.models import WorkRecord
from jishi.records.rules import public_q

PAGE_SIZE = 50
TABS = [
    ("upcoming", gettext_lazy("待公开")),
    ("published", gettext_lazy("已公开")),
    ("held", gettext_lazy("暂缓公开")),
]


class ReasonForm(forms.Form):
    """The reason for a hold or a release; the service checks it (one set of messages for every caller)."""

    reason = forms.CharField(
        label=gettext_lazy("理由"),
        required=False,
        help_text=format_lazy(gettext_lazy("必填，{max} 字以内；记入审计日志，不公开。"), max=publication.REASON_MAX),
    )


def _scope(request: AuthedRequest) -> ReviewScope:
    scope = review_scope(request.user)
    if scope.empty:
        raise Http404
    return scope


def _readable(request: AuthedRequest, scope: ReviewScope) -> QuerySet[WorkRecord]:
    """The records of the scope this reader may read with their content (content_visible: not withdrawn, not
    sensitive unless the reader may read that) — every tab and the record's page start here, so a record held and
    then restricted, made sensitive or withdrawn by its author leaves the queue for whoever may no longer read it."""
    return (
        WorkRecord.objects.visible_to(request.user).filter(scope.record_q()).filter(content_visible=True)  # type: ignore[misc]  # the annotation visible_to adds
    )


def _public_or_published() -> Q:
    return public_q() | Q(publication__isnull=False)


def _upcoming(request: AuthedRequest, scope: ReviewScope) -> QuerySet[WorkRecord]:
    return publication.upcoming(_readable(request, scope)).filter(publication.not_held_q())


def _held(request: AuthedRequest, scope: ReviewScope) -> QuerySet[WorkRecord]:
    # Only records with a decision at all: the latest-decision subquery is not run for every record of the scope.
    decided = PublicationDecision.objects.values("record_id")
    records = _readable(request, scope).filter(_public_or_published(), pk__in=decided)
    return publication.with_decision(records).filter(publication.held_q())


def _published(request: AuthedRequest, scope: ReviewScope) -> QuerySet[WorkRecord]:
    # From the records' side, joined to their live publication (a subquery of readable ids cost 0.3 s a count for an
    # administrator at Jiading scale; the join costs what live() alone did).
    return _readable(request, scope).filter(live_record_q())


@never_cache
@login_required
def review(request: AuthedRequest) -> HttpResponse:
    """The queue: records about to go public (oldest first: they go first), published ones (newest first), held."""
    scope = _scope(request)
    view = request.GET.get("view", "upcoming")
    if view not in {key for key, _label in TABS}:
        view = "upcoming"
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, 10_000))
    start = (page - 1) * PAGE_SIZE
    counts = {
        "upcoming": _upcoming(request, scope).count(),
        "published": _published(request, scope).count(),
        "held": _held(request, scope).count(),
    }
    now = timezone.now()
    rows: list[dict[str, Any]] = []
    if view == "published":
        for record in (
            _published(request, scope)
            .select_related("publication", "publication__unit")
            .order_by("-publication__published_at", "-publication__date", "-id")[start : start + PAGE_SIZE]
        ):
            item = record.publication
            rows.append({"record_id": record.pk, "date": item.date, "who": item.author_name, "unit": item.unit,
                         "text": item.content_redacted, "when": item.published_at, "locked": True})  # fmt: skip
    else:
        records = _upcoming(request, scope) if view == "upcoming" else _held(request, scope)
        ordered = records.select_related("author", "unit").order_by("date", "id")[start : start + PAGE_SIZE]
        for record in ordered:
            rows.append({"record_id": record.pk, "date": record.date, "who": record.author.full_name,
                         "unit": record.unit, "text": record.content, "when": publication.publication_day(record.date),
                         "locked": record.locks_at <= now})  # fmt: skip
    context = {
        "tabs": TABS,
        "view": view,
        "counts": counts,
        "rows": rows,
        "page": page,
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if counts[view] > start + PAGE_SIZE else None,
        "delay": publication.delay_days(),
    }
    return render(request, "portal/review.html", context)


def _record(request: AuthedRequest, scope: ReviewScope, pk: int) -> WorkRecord:
    """A record of the scope this reader may read (`_readable`), public or published; else a 404."""
    record = (
        _readable(request, scope).filter(_public_or_published()).select_related("author", "unit").filter(pk=pk).first()
    )
    if record is None:
        raise Http404
    return record


def _page(
    request: AuthedRequest, record: WorkRecord, *, form: ReasonForm | None = None, status: int = 200
) -> HttpResponse:
    published = Publication.objects.filter(record=record).first()
    if published is not None:
        content, result, counts = published.content_redacted, published.result_redacted, published.redactions
    else:
        names = publication.officials()
        redacted_content = redaction.redact(record.content, officials=names)
        redacted_result = redaction.redact(record.result, officials=names)
        content, result = redacted_content.text, redacted_result.text
        counts = {k: redacted_content.counts.get(k, 0) + redacted_result.counts.get(k, 0) for k in redaction.KINDS}
    decisions = list(
        PublicationDecision.objects.filter(record=record).select_related("actor").order_by("-decided_at", "-id")
    )
    held = bool(decisions) and decisions[0].action == DecisionAction.HOLD
    context = {
        "record": record,
        "published": published,
        "is_public": WorkRecord.objects.filter(public_q(), pk=record.pk).exists(),
        "content_redacted": content,
        "result_redacted": result,
        "redactions": [(redaction.PLACEHOLDERS[k], n) for k, n in counts.items() if n],
        "decisions": decisions,
        "held": held,
        "publication_day": publication.publication_day(record.date),
        "locked": record.locks_at <= timezone.now(),
        "form": form or ReasonForm(),
    }
    return render(request, "portal/review_record.html", context, status=status)


@never_cache
@login_required
def review_record(request: AuthedRequest, pk: int) -> HttpResponse:
    """One record: the original beside what the portal shows (or will show), the decisions, hold or release."""
    return _page(request, _record(request, _scope(request), pk))


def _decide(request: AuthedRequest, pk: int, *, action: str) -> HttpResponse:
    record = _record(request, _scope(request), pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        service = publication.hold if action == DecisionAction.HOLD else publication.release
        try:
            service(actor=request.user, record=record, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for field, reasons in error.message_dict.items():
                form.add_error(None if field == NON_FIELD_ERRORS or field not in form.fields else field, reasons)
    if form.errors:
        return _page(request, record, form=form, status=400)
    if action == DecisionAction.HOLD:
        messages.success(request, _("已暂缓公开：门户上不再显示这条记实。"))
    else:
        messages.success(request, _("已恢复公开。"))
    return redirect(reverse("portal:review_record", args=[record.pk]))


@login_required
@require_POST
def review_hold(request: AuthedRequest, pk: int) -> HttpResponse:
    """暂缓公开, with a reason."""
    return _decide(request, pk, action=DecisionAction.HOLD)


@login_required
@require_POST
def review_release(request: AuthedRequest, pk: int) -> HttpResponse:
    """恢复公开, with a reason."""
    return _decide(request, pk, action=DecisionAction.RELEASE)
