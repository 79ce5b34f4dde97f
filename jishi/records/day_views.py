"""整天录入 and 同昨天: several records at once, previewed, then saved together through record_create.

Two inputs share one preview and one save: lines typed in the day mode (records.daylines parses them, this view
resolves the categories and @names), and an earlier day's records repeated today (times kept, on today's date).
Saving is all-or-nothing, or only the good ones — the person chooses on the preview.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jishi.core.http import date_or_none, ids
from jishi.org.calendar import local_today
from jishi.org.http import AuthedRequest
from jishi.org.models import Person, Unit
from jishi.records.daylines import parse_day
from jishi.records.habits import categories_by_name, day_to_repeat, next_entry, resolve_mentions
from jishi.records.selectors import my_day
from jishi.records.services import RecordInput, records_create_together

TEXT_MAX_CHARS = 20_000


@dataclass
class Item:
    """One row of the preview: what will be saved, and why it cannot be."""

    label: str  # "第 3 行" or the repeated record's time span
    text: str
    span: str
    category: str
    content: str
    participants: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    data: RecordInput | None = None
    source_id: int | None = None


def _span(start: datetime.time | None, end: datetime.time | None, next_day: bool) -> str:
    if not (start and end):
        return ""
    return f"{start:%H:%M}–{end:%H:%M}" + (_("（次日）") if next_day else "")


def items_from_lines(*, author: Person, text: str, day: datetime.date) -> list[Item]:
    """The typed lines as preview rows, each with the RecordInput it gives when its shape is right. A line without
    its start follows the line before, the first one the day's last record (habits.next_entry)."""
    categories = categories_by_name()
    after = next_entry(my_day(person=author, day=day)).get("start_time")
    lines = parse_day(text, list(categories), after=after)
    mentions = resolve_mentions(author=author, lines=lines)
    items = []
    for line in lines:
        item = Item(
            label=_("第 %(n)d 行") % {"n": line.number},
            text=line.text,
            span=_span(line.start, line.end, line.ends_next_day),
            category=line.category,
            content=line.content or line.text,
            errors=list(line.errors),
        )
        people: list[int] = []
        units: list[tuple[int, str]] = []
        for name in line.mentions:
            found = mentions.get(name)
            if isinstance(found, Person):
                people.append(found.pk)
                item.participants.append(found.full_name)
            elif isinstance(found, Unit):
                units.append((found.pk, ""))
                item.participants.append(found.name)
            elif found:
                item.errors.append(found)
        if not item.errors:
            item.data = RecordInput(
                date=day,
                category_id=categories[line.category].pk,
                content=line.content,
                start_time=line.start,
                end_time=line.end,
                ends_next_day=line.ends_next_day,
                participant_ids=people,
                partner_units=units,
            )
        items.append(item)
    return items


def items_from_day(*, author: Person, source: datetime.date, day: datetime.date, only: set[int] | None) -> list[Item]:
    """An earlier day's records as preview rows on `day`: times kept, result and reflection left for the new day."""
    items = []
    for record in day_to_repeat(person=author, day=source):
        if only is not None and record.pk not in only:
            continue
        data = RecordInput.from_record(record)
        data.date, data.result, data.reflection = day, "", ""
        items.append(
            Item(
                label=record.time_span,
                text="",
                span=record.time_span,
                category=record.category.name,
                content=record.content,
                participants=[str(p) for p in record.participants.all()],
                data=data,
                source_id=record.pk,
            )
        )
    return items


@login_required
def day_entry(request: AuthedRequest) -> HttpResponse:
    """GET: the day mode (with ?from=<date>, that day's records to repeat today); POST: preview or save."""
    author = request.user
    day = local_today()
    params = request.POST if request.method == "POST" else request.GET
    action = params.get("action", "preview")
    text = params.get("text", "")[:TEXT_MAX_CHARS]
    source = date_or_none(params.get("from"))
    if source is not None and not (day - datetime.timedelta(days=400) <= source < day):
        source = None  # only an earlier day can be repeated; a wrong one shows the empty day mode
    if source is not None:
        chosen = set(ids(params.getlist("record"))) if request.method == "POST" else None
        items = items_from_day(author=author, source=source, day=day, only=chosen)
    else:
        items = items_from_lines(author=author, text=text, day=day) if text.strip() else []
    saved_count = 0
    if request.method == "POST" and action in ("save_all", "save_valid") and items:
        good = [item for item in items if item.data is not None]
        if action == "save_all" and len(good) < len(items):
            messages.error(request, _("有的行还有错误：改好后再保存，或选择“只保存正确的”。"))
        elif good:  # for save_valid, the wrong lines are left as they are
            created, errors = records_create_together(
                author=author,
                inputs=[item.data for item in good if item.data is not None],
                all_or_nothing=action == "save_all",
            )
            for index, problems in errors.items():
                good[index].errors.extend(problems)
            saved_count = len(created)
            if errors and not created:
                messages.error(request, _("没有保存：下面标出的条目未通过检查。可以改好后再保存，或只保存正确的。"))
    if saved_count:
        messages.success(
            request, ngettext("已保存 %(n)d 条记实。", "已保存 %(n)d 条记实。", saved_count) % {"n": saved_count}
        )
    left = [item for item in items if item.errors]
    if saved_count and left:
        # The good ones are saved; the wrong ones stay on the page to be corrected.
        items, text = left, "\n".join(item.text for item in left)
    elif saved_count:
        target = reverse("records:today") + "?saved=day"  # the page clears the day mode's draft
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
    context: dict[str, Any] = {
        "day": day,
        "text": text,
        "source": source,
        "items": items,
        "ready": sum(1 for item in items if item.data is not None and not item.errors),
        "wrong": sum(1 for item in items if item.errors),
    }
    if request.htmx:
        return render(request, "records/_day_entry.html", context)
    return render(request, "records/day_entry.html", context)
