"""Task pages. Each view parses, calls a selector or service, and renders; htmx partials share URLs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.core.http import int_or_none
from jishi.org.http import AuthedRequest
from jishi.org.models import Unit
from jishi.records.models import WorkRecord
from jishi.records.selectors import record_detail
from jishi.tasks import rules
from jishi.tasks.forms import TaskForm, TransitionForm
from jishi.tasks.models import Status
from jishi.tasks.selectors import (
    Relation,
    TaskFilters,
    counts_for,
    department_overview,
    own_records_to_link,
    task_detail,
    task_flow,
    task_page,
)
from jishi.tasks.services import (
    TRANSITIONS,
    instruction_create,
    task_create,
    task_link_record,
    task_transition,
)


def _filters_from(request: AuthedRequest, unit_id: int | None = None) -> TaskFilters:
    relation = request.GET.get("rel", "")
    return TaskFilters(
        status=request.GET.get("status", ""),
        overdue=request.GET.get("overdue") == "1",
        stuck=request.GET.get("stuck") == "1",
        mine=request.GET.get("mine") == "1",
        unit_id=unit_id or int_or_none(request.GET.get("unit")),
        relation=relation if relation in Relation.CHOICES else "",
    )


def _list(
    request: AuthedRequest, template: str, extra: dict[str, Any], unit_id: int | None = None, overview: bool = False
) -> HttpResponse:
    filters = _filters_from(request, unit_id)
    page = task_page(user=request.user, filters=filters, cursor=request.GET.get("cursor"))
    context = {"page": page, "query": request.GET, "statuses": Status.choices, **extra}
    if request.htmx and request.GET.get("cursor"):
        return render(request, "tasks/_task_page.html", context)
    context["counts"] = counts_for(user=request.user, unit_id=unit_id, since=page.since)
    if overview:
        tallies = department_overview(user=request.user, since=page.since)
        context["overview"] = tallies if len(tallies) > 1 else []
    context["may_issue"] = rules.may_issue(request.user)
    return render(request, template, context)


@login_required
def task_list(request: AuthedRequest) -> HttpResponse:
    """督办: every task the reader may see (the jurisdiction's for leaders and inspectors), filtered; those who see
    several departments' tasks get the overview per department first."""
    return _list(request, "tasks/list.html", {}, overview=True)


@login_required
def unit_tasks(request: AuthedRequest, pk: int) -> HttpResponse:
    """A unit's tasks: owned by, collaborated on or issued by it (with its sections)."""
    unit = get_object_or_404(Unit, pk=pk)
    return _list(request, "tasks/unit.html", {"unit": unit, "relations": _relations()}, unit_id=unit.pk)


def _relations() -> list[tuple[str, str]]:
    return [(Relation.OWNED, _("承办")), (Relation.COLLABORATING, _("协办")), (Relation.ISSUED, _("下达"))]


@login_required
def task_new(request: AuthedRequest) -> HttpResponse:
    """下达督办."""
    if not rules.may_issue(request.user):
        raise PermissionDenied(_("只有领导和单位负责人可以下达督办。"))
    form = TaskForm(request.POST or None, issuer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            task = task_create(issuer=request.user, data=form.to_input())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("督办已下达。"))
            return redirect("tasks:detail", pk=task.pk)
    return render(request, "tasks/form.html", {"form": form, "record": None})


@login_required
def instruct(request: AuthedRequest, record_pk: int) -> HttpResponse:
    """批示 on a record: a task that points back to it. A record the reader cannot see is a 404."""
    record = record_detail(user=request.user, pk=record_pk)
    if not rules.may_issue(request.user):
        raise PermissionDenied(_("只有领导和单位负责人可以批示。"))
    if not getattr(
        record, "content_visible", False
    ):  # the form quotes the record: the same refusal instruction_create gives
        raise PermissionDenied(_("您无权阅读该记实的内容，不能对其批示。"))
    day = format_date(record.date, _("m月d日"))  # a date format in the reader's language
    title = _("关于%(name)s%(day)s记实的批示") % {"name": record.author.full_name, "day": day}
    initial = {"owner_unit": record.unit_id, "title": title}
    form = TaskForm(request.POST or None, issuer=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            task = instruction_create(issuer=request.user, record_id=record.pk, data=form.to_input())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("批示已下达。"))
            return redirect("tasks:detail", pk=task.pk)
    return render(request, "tasks/form.html", {"form": form, "record": record})


def _actions(user: Any, task: Any) -> list[dict[str, str]]:
    """The steps this viewer may take now (the service checks again)."""
    actions = []
    for (current, target), (side, kind) in TRANSITIONS.items():
        if current != task.status:
            continue
        allowed = rules.is_issuer(user, task) if side == "issuer" else rules.is_owner_side(user, task)
        if allowed:
            actions.append({"to": target, "kind": kind})
    return actions


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    task = task_detail(user=request.user, pk=pk)
    context = {
        "task": task,
        "flow": task_flow(user=request.user, task=task),
        "actions": _actions(request.user, task),
        "source_record": _source_record(request.user, task),
        "own_records": own_records_to_link(user=request.user, task=task),
    }
    if request.htmx:
        return render(request, "tasks/_task_main.html", context)
    return render(request, "tasks/detail.html", context)


def _source_record(user: Any, task: Any) -> WorkRecord | None:
    """The instructed record, only when the viewer may see it."""
    if not task.source_record_id:
        return None
    return WorkRecord.objects.visible_to(user).filter(pk=task.source_record_id).select_related("author").first()


@login_required
@require_POST
def transition(request: AuthedRequest, pk: int) -> HttpResponse:
    task = task_detail(user=request.user, pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请求无效。"))
    else:
        try:
            task_transition(
                actor=request.user,
                task=task,
                to_status=form.cleaned_data["to_status"],
                note=form.cleaned_data["note"],
                result=form.cleaned_data["result"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已更新督办状态。"))
    return redirect("tasks:detail", pk=pk)


@login_required
@require_POST
def link_own_record(request: AuthedRequest, pk: int) -> HttpResponse:
    """关联记实 from the task page: pick one of one's own recent records."""
    task = task_detail(user=request.user, pk=pk)
    record = record_detail(user=request.user, pk=int_or_none(request.POST.get("record")) or 0)
    try:
        task_link_record(actor=request.user, task=task, record=record)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已关联记实。"))
    return redirect("tasks:detail", pk=task.pk)


@login_required
@require_POST
def link_record(request: AuthedRequest, record_pk: int) -> HttpResponse:
    """关联督办 from the record page: the author links their record to a task they are on."""
    record = record_detail(user=request.user, pk=record_pk)
    task = task_detail(user=request.user, pk=int_or_none(request.POST.get("task")) or 0)
    try:
        task_link_record(actor=request.user, task=task, record=record)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已关联督办：%(title)s") % {"title": task.title})
    return redirect("records:detail", pk=record.pk)
