"""Record pages. Each view parses, calls a selector or service, and renders; htmx partials share URLs."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.core.http import date_or_none, int_or_none, period_param
from jishi.core.tables import template as sheet_template
from jishi.core.throttling import rate_limited
from jishi.org.calendar import local_today
from jishi.org.http import AuthedRequest
from jishi.org.models import AssignmentKind, Person, Unit
from jishi.org.rules import can_see_filing_status, can_see_person_filing
from jishi.org.selectors import current_posts, duties_for, unit_family
from jishi.records import exports, imports
from jishi.records.attachments import download_type
from jishi.records.fields import change_labels
from jishi.records.forms import AddendumForm, AttachmentForm, RecordForm, initial_from_record
from jishi.records.habits import frequent_entries, next_entry, repeatable_days
from jishi.records.hooks import page_home, record_opened
from jishi.records.models import WorkRecord
from jishi.records.rules import can_add_addendum, can_edit
from jishi.records.selectors import (
    RecordFilters,
    active_categories,
    missing_days,
    month_calendar,
    my_day,
    recent_own,
    record_detail,
    record_page,
    restricted_share,
    unfiled_by_section,
)
from jishi.records.services import addendum_create, attachment_add, record_create, record_update, record_withdraw


def _record_form(request: AuthedRequest, *, data: Any = None, initial: dict[str, Any] | None = None) -> RecordForm:
    day = local_today()
    return RecordForm(data, initial=initial or {"date": day}, author=request.user, duties=duties_for(request.user, day))


def _participant_chips(record: WorkRecord) -> list[dict[str, Any]]:
    return [{"person": p.person, "unit": p.unit, "contact_name": p.contact_name} for p in record.participants.all()]


@login_required
def today(request: AuthedRequest) -> HttpResponse:
    """今天: today's timeline and the quick-entry form; htmx posts swap both in place."""
    if request.method == "GET" and not request.GET and not request.htmx and "home_opened" not in request.session:
        # A leader's home opens on their dashboard once a sign-in (hook page.home); then `/` is the form again.
        home = next((url for url in page_home.run(user=request.user) if url), None)
        if home:
            request.session["home_opened"] = True
            return redirect(home)
    day = local_today()
    chips: list[dict[str, Any]] = []
    saved = False
    if request.method == "POST":
        form = _record_form(request, data=request.POST)
        if form.is_valid():
            try:
                record = record_create(author=request.user, data=form.to_input())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                saved = True
                saved_on = format_date(record.date, _("m月d日"))  # a date format in the reader's language
                saved_as = {"day": saved_on, "category": record.category.name}
                messages.success(request, _("已保存：%(day)s %(category)s") % saved_as)
                if not request.htmx:
                    return redirect(reverse("records:today") + "?saved=1")
                form = _record_form(request)
        if not saved:
            chips = _chips_from_post(request)
    else:
        copy_id = int_or_none(request.GET.get("copy"))
        if copy_id:
            # Through the visibility rule like every read: a withdrawn record's content is nobody's to copy.
            source = get_object_or_404(
                WorkRecord.objects.visible_to(request.user).filed(), pk=copy_id, author=request.user
            )
            # Everything but the old times: the copy starts where today's last record ended (below).
            untimed = {"start_time": None, "end_time": None, "ends_next_day": False, "duration_minutes": None}
            form = _record_form(request, initial=initial_from_record(source, day=day) | untimed)
            chips = _participant_chips(source)
        else:
            form = _record_form(request)
    timeline = my_day(person=request.user, day=day)
    if not form.is_bound:
        # The next entry starts where the day's last one ended, in its category (a copy keeps the copied category).
        follow = next_entry(timeline)
        form.initial = {**follow, **form.initial, **{k: v for k, v in follow.items() if k == "start_time"}}
    context = {
        "form": form,
        "chips": chips,
        "day": day,
        "timeline": timeline,
        "recent": recent_own(person=request.user, before=day),
        "habits": frequent_entries(person=request.user, day=day),
        "repeat_days": repeatable_days(person=request.user, today=day),
        "saved": saved,
        "fresh": request.method == "GET" and "copy" not in request.GET and "saved" not in request.GET,
        "just_saved": saved or "saved" in request.GET,
    }
    if request.htmx:
        response = render(request, "records/_today_main.html", context)
        if saved:
            response["HX-Trigger"] = "jishi:record-saved"
        return response
    return render(request, "records/today.html", context)


def _chips_from_post(request: AuthedRequest) -> list[dict[str, Any]]:
    """Re-show the participants a person had picked when the form comes back with errors."""
    ids = [int(v) for v in request.POST.getlist("participants") if v.isdigit()]
    people = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
    chips: list[dict[str, Any]] = [{"person": people[i], "unit": None, "contact_name": ""} for i in ids if i in people]
    unit_ids = [int(v) for v in request.POST.getlist("partner_unit") if v.isdigit()]
    contacts = request.POST.getlist("partner_contact")
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids)}
    for n, uid in enumerate(unit_ids):
        if uid in units:
            chips.append({"person": None, "unit": units[uid], "contact_name": contacts[n] if n < len(contacts) else ""})
    return chips


@login_required
def record_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    record = record_detail(user=request.user, pk=pk)
    if not can_edit(request.user, record):
        raise PermissionDenied("该记实已锁定或不是您记录的，不能修改。")
    if request.method == "POST":
        form = RecordForm(request.POST, author=request.user, duties=duties_for(request.user, record.date))
        if form.is_valid():
            try:
                record_update(actor=request.user, record=record, data=form.to_input())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, "已保存修改，旧版本保留在历史中。")
                return redirect("records:detail", pk=record.pk)
        chips = _chips_from_post(request)
    else:
        form = RecordForm(
            initial=initial_from_record(record, day=record.date)
            | {"result": record.result, "reflection": record.reflection},
            author=request.user,
            duties=duties_for(request.user, record.date),
        )
        chips = _participant_chips(record)
    return render(request, "records/edit.html", {"form": form, "record": record, "chips": chips})


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    record = record_detail(user=request.user, pk=pk)
    record_opened.run(viewer=request.user, record=record)  # opening the page is a view (PRODUCT.md), once a day
    versions = list(record.versions.all())
    for previous, version in itertools.pairwise(versions):
        version.changed_fields = change_labels(previous.data, version.data)  # type: ignore[attr-defined]
    return render(
        request,
        "records/detail.html",
        {
            "record": record,
            "versions": versions,
            "editable": can_edit(request.user, record),
            "addendum_form": AddendumForm() if can_add_addendum(request.user, record) else None,
            "attachment_form": AttachmentForm() if can_edit(request.user, record) else None,
        },
    )


@login_required
@require_POST
def addendum(request: AuthedRequest, pk: int) -> HttpResponse:
    record = record_detail(user=request.user, pk=pk)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            addendum_create(actor=request.user, record=record, content=form.cleaned_data["content"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, "补充说明已添加。")
    else:
        messages.error(request, "请填写补充说明（不超过 2000 字）。")
    return redirect("records:detail", pk=pk)


@login_required
@require_POST
def withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    """撤回: the author takes the record back before it locks; the page then shows the tombstone."""
    record = record_detail(user=request.user, pk=pk)
    try:
        record_withdraw(actor=request.user, record=record, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "记实已撤回：内容不再显示，撤回记录和历史版本保留。")
    return redirect("records:detail", pk=pk)


@login_required
@require_POST
def attachment_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    record = record_detail(user=request.user, pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的文件。")
    else:
        try:
            attachment_add(actor=request.user, record=record, upload=form.cleaned_data["file"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, "附件已上传。")
    return redirect("records:detail", pk=pk)


@login_required
def attachment_download(request: AuthedRequest, pk: int, attachment_id: int) -> FileResponse:
    record = record_detail(user=request.user, pk=pk)
    if not record.content_visible:  # type: ignore[attr-defined]
        raise Http404("附件不存在或无权查看。")
    attachment = get_object_or_404(record.attachments, pk=attachment_id)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=download_type(attachment.original_name),
    )
    # Saved, never opened on Jishi's origin: no sniffing into a page, and no script even if a browser renders it.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def filters_from(request: HttpRequest) -> RecordFilters:
    return RecordFilters(
        author_id=int_or_none(request.GET.get("author")),
        unit_id=int_or_none(request.GET.get("unit")),
        date_from=date_or_none(period_param(request.GET, "date_from")),
        date_to=date_or_none(period_param(request.GET, "date_to")),
        category_id=int_or_none(request.GET.get("category")),
        duty_id=int_or_none(request.GET.get("duty")),
        q=request.GET.get("q", "")[:100],
    )


@login_required
def record_list(request: AuthedRequest) -> HttpResponse:
    """全部记实 / 检索: everything the reader may see, filtered, 20 a page."""
    filters = filters_from(request)
    page = record_page(user=request.user, filters=filters, cursor=request.GET.get("cursor"), participants=False)
    context = {"page": page, "categories": active_categories(), "query": request.GET}
    template = "records/_record_page.html" if request.htmx else "records/list.html"
    return render(request, template, context)


@login_required
def my_records(request: AuthedRequest) -> HttpResponse:
    """我的记实: a month calendar of filed, missing, holiday and absent days, and the records of one day."""
    today = local_today()
    month = request.GET.get("month", "")
    try:
        year, mon = (int(x) for x in month.split("-")) if month else (today.year, today.month)
        first = datetime.date(year, mon, 1)
    except ValueError:
        first = today.replace(day=1)
    day = date_or_none(request.GET.get("date")) or (today if first.month == today.month else first)
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    context = {
        "weeks": month_calendar(person=request.user, year=first.year, month=first.month),
        "first": first,
        "previous": previous,
        "following": following if following <= today else None,
        "day": day,
        "records": my_day(person=request.user, day=day),
    }
    if request.htmx and request.GET.get("date"):
        return render(request, "records/_day_records.html", context)
    return render(request, "records/my_records.html", context)


@login_required
def unit_page(request: AuthedRequest, pk: int) -> HttpResponse:
    """A unit's records by day, with who has not filed (for its own staff, superiors and scoped roles)."""
    family = unit_family(pk)
    if family is None:
        raise Http404("单位不存在。")
    unit = family.unit
    today = local_today()
    day = min(date_or_none(request.GET.get("date")) or today, today)
    filters = RecordFilters(unit_id=unit.pk, date_from=day, date_to=day)
    page = record_page(user=request.user, filters=filters, cursor=request.GET.get("cursor"), participants=False)
    if request.htmx and request.GET.get("cursor"):
        return render(request, "records/_record_page.html", {"page": page, "query": request.GET})
    shows_filing = can_see_filing_status(request.user, unit)
    unfiled = unfiled_by_section(unit=unit, day=day) if shows_filing else []  # by section, the largest first
    return render(
        request,
        "records/unit.html",
        {
            "unit": unit,
            "day": day,
            "previous": day - datetime.timedelta(days=1),
            "following": day + datetime.timedelta(days=1) if day < today else None,
            "page": page,
            "query": request.GET,
            "children": family.children,
            "ancestors": family.ancestors,
            "shows_filing": shows_filing,
            "unfiled": unfiled,
            "unfiled_count": sum(len(group.people) for group in unfiled),
        },
    )


@login_required
def my_unit(request: AuthedRequest) -> HttpResponse:
    posts = current_posts(request.user)
    if not posts:
        messages.info(request, "您当前没有在职岗位。")
        return redirect("records:units")
    # The clerk's own section first; its department is one tap away (the page's path above the title).
    primary = next((a for a in posts if a.kind == AssignmentKind.PRIMARY), posts[0])
    return redirect("records:unit", pk=primary.position.unit_id)


@login_required
def units(request: AuthedRequest) -> HttpResponse:
    roots = Unit.objects.filter(tier__lte=1, kind__in=["jurisdiction", "department", "town"], valid_to__isnull=True)
    return render(request, "records/units.html", {"units": roots})


@login_required
def person_page(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    posts = current_posts(person)
    filters = RecordFilters(author_id=person.pk)
    page = record_page(user=request.user, filters=filters, cursor=request.GET.get("cursor"), participants=False)
    if request.htmx and request.GET.get("cursor"):
        return render(request, "records/_record_page.html", {"page": page, "query": request.GET})
    primary_unit = posts[0].position.unit_id if posts else None
    today = local_today()
    shows_missing = can_see_person_filing(request.user, person.pk, primary_unit)
    leads = any(a.position.is_leader for a in posts)
    missing = missing_days(person, today.replace(day=1), today) if shows_missing else []
    return render(
        request,
        "records/person.html",
        {
            "person": person,
            "posts": posts,
            "page": page,
            "query": request.GET,
            "missing": missing,
            "shows_missing": shows_missing,
            "restriction": restricted_share(person=person, since=today - datetime.timedelta(days=90))
            if leads
            else None,
        },
    )


@login_required
@rate_limited("export")
def export(request: AuthedRequest) -> HttpResponseBase:
    """Download what the list shows (same filters), as CSV, Excel or Parquet — only records the reader may see."""
    kind = request.GET.get("format", "csv")
    if kind not in exports.FORMATS:
        return HttpResponse("格式应为 csv、xlsx 或 parquet。", status=400, content_type="text/plain; charset=utf-8")
    return exports.download(kind, user=request.user, filters=filters_from(request))


@login_required
def import_page(request: AuthedRequest) -> HttpResponse:
    """导入 (administrators and HR): records or organisation data; check (dry run) or import; every bad row listed."""
    if not imports.can_import(request.user):
        raise PermissionDenied("只有系统管理员和组织人事可以导入。")
    what = request.POST.get("kind") or request.GET.get("kind") or "records"
    if what not in imports.KINDS:
        raise Http404("没有这种导入。")
    kind = imports.KINDS[what]
    report = None
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "请选择要导入的文件。"
        elif (upload.size or 0) > imports.MAX_BYTES:
            error = f"文件过大，上限为 {imports.MAX_BYTES // 1024 // 1024} MB。"
        else:
            try:
                report = kind.run(
                    actor=request.user,
                    data=upload.read(),
                    filename=upload.name or "",
                    dry_run=bool(request.POST.get("dry_run")),
                    **{name: True for name in kind.options if request.POST.get(name)},  # the page's checkboxes
                )
            except imports.ImportFileError as exc:
                error = str(exc)
    context = {
        "kinds": imports.KINDS,
        "what": what,
        "kind": kind,
        "report": report,
        "error": error,
        "legacy_content": bool(request.POST.get("legacy_content")),
    }
    return render(request, "records/import.html", context)


@login_required
def import_template(request: AuthedRequest, kind: str, what: str = "records") -> HttpResponse:
    """The template of one kind of import (csv or xlsx), with its headers and an example row."""
    if kind not in ("csv", "xlsx") or what not in imports.KINDS:
        raise Http404("没有这种模板。")
    response = HttpResponse(sheet_template(imports.KINDS[what].sheet, kind), content_type=exports.FORMATS[kind])
    response["Content-Disposition"] = f'attachment; filename="jishi-{what}-template.{kind}"'
    return response
