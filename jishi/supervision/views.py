"""Supervision pages and the record page's panel. Each view parses, calls a service or selector, and renders;
htmx posts get the re-rendered panel back, plain posts a redirect to the record page."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jishi.core.http import date_or_none, ids, period_param
from jishi.org.calendar import local_today
from jishi.org.http import AuthedRequest
from jishi.org.models import Person
from jishi.org.selectors import unit_family
from jishi.records.models import WorkRecord
from jishi.supervision import rules, selectors, services
from jishi.supervision.models import Dimension


def _panel(
    request: AuthedRequest, record: WorkRecord, *, errors: dict[str, list[str]] | None = None, form: Any = None
) -> HttpResponse:
    context = {
        "supervision": selectors.record_panel(user=request.user, record=record),
        "supervision_errors": errors or {},
        "supervision_form": form or {},
    }
    return render(request, "supervision/_record_panel.html", context)


def _done(
    request: AuthedRequest,
    record_id: int,
    *,
    ok: str,
    act: Any,
    form: dict[str, Any] | None = None,
) -> HttpResponse:
    """Run a service call; htmx gets the panel (with errors beside the form), a plain post a redirect and a message."""
    errors: dict[str, list[str]] = {}
    try:
        act()
    except ValidationError as exc:
        errors = dict(exc.message_dict) if hasattr(exc, "error_dict") else {"general": exc.messages}
        # Templates cannot read "__all__"; errors that belong to no field show at the top of the panel.
        errors["general"] = errors.pop("__all__", []) + errors.get("general", [])
    except PermissionDenied as exc:
        errors = {"general": [str(exc) or "无权执行此操作。"]}
    if request.htmx:
        record = selectors.readable_record(request.user, record_id)
        return _panel(request, record, errors=errors, form=form if errors else None)
    if errors:
        for field_errors in errors.values():
            for message in field_errors:
                messages.error(request, message)
    else:
        messages.success(request, ok)
    return redirect("records:detail", pk=record_id)


@login_required
def record_panel(request: AuthedRequest, pk: int) -> HttpResponse:
    """The supervision panel alone (htmx refresh); the record page includes the same template."""
    return _panel(request, selectors.readable_record(request.user, pk))


@login_required
@require_POST
def comment_create(request: AuthedRequest, pk: int) -> HttpResponse:
    record = selectors.readable_record(request.user, pk)
    text = request.POST.get("text", "")

    def namesakes() -> list[tuple[Person, str]]:  # called by the template only when a name was ambiguous
        groups = selectors.mention_candidates(actor=request.user, record=record, text=text)
        return selectors.people_with_units([p for people in groups.values() if len(people) > 1 for p in people])

    return _done(
        request,
        pk,
        ok="点评已发表。",
        form={"comment_text": text, "namesakes": namesakes},
        act=lambda: services.comment_create(
            actor=request.user, record=record, text=text, mention_ids=ids(request.POST.getlist("mention"))
        ),
    )


@login_required
@require_POST
def comment_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    comment = selectors.comment_for(request.user, pk)
    text = request.POST.get("text", "")
    return _done(
        request,
        comment.record_id,
        ok="点评已修改，原文保留在历史中。",
        form={"edit_id": comment.pk, "edit_text": text},
        act=lambda: services.comment_edit(
            actor=request.user, comment=comment, text=text, mention_ids=ids(request.POST.getlist("mention"))
        ),
    )


@login_required
@require_POST
def inquiry_ask(request: AuthedRequest, pk: int) -> HttpResponse:
    record = selectors.readable_record(request.user, pk)
    question = request.POST.get("question", "")
    due_on = date_or_none(request.POST.get("due_on"))
    return _done(
        request,
        pk,
        ok="质询已提出，记录人将收到通知。",
        form={"question": question, "due_on": request.POST.get("due_on", "")},
        act=lambda: services.inquiry_ask(actor=request.user, record=record, question=question, due_on=due_on),
    )


@login_required
@require_POST
def inquiry_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    inquiry = selectors.inquiry_for(request.user, pk)
    answer = request.POST.get("answer", "")
    return _done(
        request,
        inquiry.record_id,
        ok="已答复。",
        form={"answer_id": inquiry.pk, "answer": answer},
        act=lambda: services.inquiry_answer(actor=request.user, inquiry=inquiry, answer=answer),
    )


@login_required
@require_POST
def confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    record = selectors.readable_record(request.user, pk)
    if request.POST.get("next") == "pending" and not request.htmx:
        try:
            confirmation = services.confirmation_confirm(actor=request.user, record=record)
        except (ValidationError, PermissionDenied) as exc:
            for message in getattr(exc, "messages", [str(exc)]):
                messages.error(request, message)
        else:
            messages.success(request, "已确认，并已为您生成一条记实。")
            return redirect("records:detail", pk=confirmation.own_record_id)
        return redirect("supervision:inbox")
    return _done(
        request,
        pk,
        ok="已确认，并已为您生成一条记实。",
        act=lambda: services.confirmation_confirm(actor=request.user, record=record),
    )


@login_required
@require_POST
def reject(request: AuthedRequest, pk: int) -> HttpResponse:
    record = selectors.readable_record(request.user, pk)
    reason = request.POST.get("reason", "")
    return _done(
        request,
        pk,
        ok="已告知记录人您未参与。",
        form={"reason": reason},
        act=lambda: services.confirmation_reject(actor=request.user, record=record, reason=reason),
    )


@login_required
@require_POST
def flag(request: AuthedRequest, pk: int) -> HttpResponse:
    record = selectors.readable_record(request.user, pk)
    reason = request.POST.get("reason", "")
    return _done(
        request,
        pk,
        ok="已提请纪检关注。仅纪检监察人员和您本人可见。",
        form={"flag_reason": reason},
        act=lambda: services.flag_create(actor=request.user, record=record, reason=reason),
    )


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    """待确认 / 质询: what waits for me (confirmations, inquiries to answer) and the inquiries I asked."""
    today = local_today()
    return render(
        request,
        "supervision/inbox.html",
        {
            "pending": list(selectors.pending_confirmations(person=request.user, today=today)[:50]),
            "to_answer": list(selectors.inquiries_to_answer(person=request.user, today=today)[:50]),
            "asked": selectors.inquiries_asked(person=request.user, today=today),
            "today": today,
        },
    )


@login_required
def flags(request: AuthedRequest) -> HttpResponse:
    """纪检关注: flags an inspector covers (open ones first), and one's own flags for everyone else."""
    scope = rules.inspector_unit_ids(request.user.pk, local_today())
    rows = list(selectors.flags_visible_to(request.user).order_by("-closed_at", "-created_at", "-id")[:200])
    rows.sort(key=lambda f: f.closed_at is not None)
    for row in rows:
        row.closable = row.closed_at is None and (scope is None or row.unit_id in scope)  # type: ignore[attr-defined]
        row.inspecting = scope is None or row.unit_id in scope  # type: ignore[attr-defined]
    return render(request, "supervision/flags.html", {"flags": rows})


@login_required
@require_POST
def flag_close(request: AuthedRequest, pk: int) -> HttpResponse:
    flag = selectors.flag_for(request.user, pk)
    try:
        services.flag_close(actor=request.user, flag=flag, note=request.POST.get("note", ""))
    except (ValidationError, PermissionDenied) as exc:
        for message in getattr(exc, "messages", [str(exc)]):
            messages.error(request, message)
    else:
        messages.success(request, "已记录处理意见。")
    return redirect("supervision:flags")


def _period(request: AuthedRequest) -> tuple[datetime.date, datetime.date]:
    today = local_today()
    end = min(date_or_none(period_param(request.GET, "date_to")) or today, today)
    start = date_or_none(period_param(request.GET, "date_from")) or end.replace(day=1)
    if start > end:
        start = end
    if (end - start).days > 366:
        start = end - datetime.timedelta(days=366)
    return start, end


@login_required
def overview(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    """监督概况: how much of each unit's work was seen, reviewed and inquired into, by dimension."""
    family = unit_family(pk) if pk is not None else None
    department_id = family.unit.department_id if family else None
    if department_id is not None and department_id != pk:
        # A section's overview is its 本单位's, section by section: show it under the 本单位's name.
        department = unit_family(department_id)
        if department is not None and rules.can_see_overview(request.user, department.unit):
            target = reverse("supervision:unit_overview", args=[department_id])
            return redirect(f"{target}?{request.GET.urlencode()}" if request.GET else target)
    start, end = _period(request)
    data = selectors.overview_for(viewer=request.user, unit_id=pk, start=start, end=end)
    return render(
        request,
        "supervision/overview.html",
        {
            "overview": data,
            "dimensions": [Dimension(d.dimension).label for d in data.total.dimensions],
            # Whoever may see the jurisdiction's overview may see every unit's: its rows open each unit's own.
            "link_rows": data.unit is None,
            "link_jurisdiction": data.unit is not None and rules.can_see_overview(request.user, None),
        },
    )
