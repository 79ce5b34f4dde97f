"""Drafting a person's report of a period from their own records — extractive: their own words, never invented.

`draft_from_records` serves any period (周报, 月报, and later the assessment's 个人总结 over a quarter or a year): the
records of the period, withdrawn ones left out, grouped by duty (then 未关联职责), each the first sentence of its
content with its result; the tasks the records moved forward; the hours by category. `Draft.text()` is the editable
body. Nothing here writes.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from jishi.org.models import Person
from jishi.records.models import WorkRecord
from jishi.tasks.models import TaskRecordLink

CONDENSED_MAX_CHARS = 80
_SENTENCE_END = re.compile(r"[。！？；!?;\n]")
_NUMERALS = "一二三四五六七八九十"


def condense(text: str, limit: int = CONDENSED_MAX_CHARS) -> str:
    """The first sentence of `text` (its own words), cut at `limit` characters with an ellipsis."""
    text = " ".join(text.split("\r")).strip()
    match = _SENTENCE_END.search(text)
    first = text[: match.start()] if match else text
    first = " ".join(first.split())
    if not first:  # the text opens with a sentence end
        first = " ".join(text.split())
    return first if len(first) <= limit else first[: limit - 1] + "…"


def hours(minutes: int) -> str:
    value = round(minutes / 60, 1)
    return f"{value:g}"


@dataclass(frozen=True)
class DraftItem:
    record_id: int
    date: datetime.date
    text: str
    result: str
    minutes: int
    category: str


@dataclass
class DraftSection:
    title: str
    items: list[DraftItem] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(item.minutes for item in self.items)


@dataclass(frozen=True)
class TaskLine:
    task_id: int
    title: str
    status: str
    records: int


@dataclass
class Draft:
    """A report drafted from the records of [start, end]; `previous_plan` is the last period's 下期计划."""

    person_id: int
    start: datetime.date
    end: datetime.date
    sections: list[DraftSection]
    tasks: list[TaskLine]
    hours_by_category: list[tuple[str, int]]
    previous_plan: str = ""

    @property
    def record_count(self) -> int:
        return sum(len(s.items) for s in self.sections)

    @property
    def total_minutes(self) -> int:
        return sum(m for _, m in self.hours_by_category)

    def text(self) -> str:
        """The body the person edits and submits: one plain text, headed sections."""
        lines: list[str] = []
        for index, section in enumerate(self.sections):
            numeral = _NUMERALS[index] if index < len(_NUMERALS) else str(index + 1)
            lines.append(
                _("%(n)s、%(title)s（%(hours)s 小时）")
                % {"n": numeral, "title": section.title, "hours": hours(section.minutes)}
            )
            for number, item in enumerate(section.items, 1):
                line = _("%(n)d. %(month)d月%(day)d日 %(text)s") % {
                    "n": number,
                    "month": item.date.month,
                    "day": item.date.day,
                    "text": item.text,
                }
                if item.result:
                    line += _("。结果/进展：%(result)s") % {"result": item.result}
                lines.append(line)
            lines.append("")
        if self.tasks:
            lines.append(_("推进的督办事项"))
            for task in self.tasks:
                lines.append(
                    _("- %(title)s（%(status)s，本期关联记实 %(count)d 条）")
                    % {"title": task.title, "status": task.status, "count": task.records}
                )
            lines.append("")
        if self.hours_by_category:
            parts = [
                _("%(category)s %(hours)s 小时") % {"category": c, "hours": hours(m)} for c, m in self.hours_by_category
            ]
            lines.append(
                _("工时：%(parts)s；合计 %(total)s 小时")
                % {"parts": "；".join(parts), "total": hours(self.total_minutes)}
            )
        if not self.sections:
            lines.append(_("本期没有记实。"))
        return "\n".join(lines).strip()


def draft_from_records(*, person: Person, start: datetime.date, end: datetime.date, previous_plan: str = "") -> Draft:
    """The draft of `person`'s report over [start, end] from their own filed records (three queries)."""
    records = list(
        WorkRecord.objects.filter(author=person, date__gte=start, date__lte=end)
        .filed()
        .select_related("duty", "category")
        .order_by("date", "start_at", "id")
    )
    by_duty: dict[int | None, DraftSection] = {}
    minutes_by_category: dict[str, int] = defaultdict(int)
    category_order: dict[str, int] = {}
    for record in records:
        key = record.duty_id
        if key not in by_duty:
            by_duty[key] = DraftSection(record.duty.title if record.duty else _("未关联职责"))
        by_duty[key].items.append(
            DraftItem(
                record_id=record.pk,
                date=record.date,
                text=condense(record.content),
                result=condense(record.result) if record.result.strip() else "",
                minutes=record.duration_minutes,
                category=record.category.name,
            )
        )
        minutes_by_category[record.category.name] += record.duration_minutes
        category_order.setdefault(record.category.name, record.category.sort_order)
    # Duties by time spent (most first), 未关联职责 last.
    duties = sorted((s for k, s in by_duty.items() if k is not None), key=lambda s: (-s.minutes, s.title))
    sections = duties + ([by_duty[None]] if None in by_duty else [])
    links = (
        TaskRecordLink.objects.filter(record_id__in=[r.pk for r in records])
        .select_related("task")
        .order_by("task__deadline", "task_id")
    )
    tasks: dict[int, TaskLine] = {}
    for link in links:
        line = tasks.get(link.task_id)
        count = line.records + 1 if line else 1
        tasks[link.task_id] = TaskLine(link.task_id, link.task.title, link.task.get_status_display(), count)
    categories = sorted(minutes_by_category.items(), key=lambda kv: (category_order[kv[0]], kv[0]))
    return Draft(
        person_id=person.pk,
        start=start,
        end=end,
        sections=sections,
        tasks=list(tasks.values()),
        hours_by_category=categories,
        previous_plan=previous_plan,
    )
