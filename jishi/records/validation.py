"""The record's rules over its values — one pure function, one set of messages.

The service (a person filing through the page, the API or the command line), the bulk writer (the demo world) and
the import all call `record_errors`: the same bad value gets the same message, keyed by the same field, wherever it
was written. What needs the database — whether the category, the post, the duty, the people and units named exist,
and the overlap with the author's other records — is looked up by each caller (each reads it its own way: one row
at a time, or once for a whole file) and is not repeated here.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import translation

from jishi.records.fields import BY_NAME, CONTENT_MAX_CHARS, PLAIN_FIELDS, TEXT_LIMITS, model_field
from jishi.records.models import Visibility

MIN_SUBSTANCE = 10
MIN_DISTINCT_CHARS = 5
MAX_PARTICIPANTS = 50
CONTACT_NAME_MAX_CHARS = 50
MAX_DURATION_MINUTES = 24 * 60
# The allowed values of every declared field whose model field has choices (visibility …), read once: the bulk
# writer checks millions of records.
CHOICES: dict[str, frozenset[str]] = {
    name: frozenset(str(value) for value, _ in model_field(name).choices or ())
    for name in PLAIN_FIELDS
    if model_field(name).choices
}
VISIBILITIES = CHOICES["visibility"]
SUBSTANCE_HINT = "请写明做了什么：做了什么事、与谁、结果如何。例如：“与区财政局对接2027年预算编制，确定三项重点支出”。"

_NOT_CJK = re.compile(r"[^\u3400-\u9fff\uf900-\ufaff]+")
_NOT_LATIN = re.compile(r"[^A-Za-z0-9]+")


@dataclass(frozen=True)
class RecordValues:
    """What the rules look at: the record's own values, resolved to moments and counts."""

    date: datetime.date
    content: str
    start_at: datetime.datetime | None = None
    end_at: datetime.datetime | None = None
    duration_minutes: int | None = None  # read only when the record has no start and end
    place: str = ""
    result: str = ""
    reflection: str = ""
    visibility: str = Visibility.INTERNAL
    is_sensitive: bool = False
    participants: int = 0  # colleagues and partner units named, the author not among them
    names_author: bool = False  # the author named themself as a participant
    contact_names: Iterable[str] = field(default_factory=tuple)
    legacy_content: bool = False  # an import's 旧系统内容: the substance rule is waived, not the length


@dataclass(frozen=True)
class RecordFacts:
    """What the rules need besides the values: the day it is, when the record was submitted, the categories."""

    today: datetime.date | None  # None: the writer is not filing today (the demo world), only the submission binds
    submitted_day: datetime.date
    late_window: int | None  # days a late entry may be made; None where it does not bind (a migration)
    category_names: list[str]  # longest first: category words do not count as substance


def content_substance(text: str) -> tuple[float, int]:
    """How much a text says: CJK characters count one, Latin letters and digits half; and its distinct characters."""
    cjk = _NOT_CJK.sub("", text)
    latin = _NOT_LATIN.sub("", text).lower()
    return len(cjk) + len(latin) / 2, len(set(cjk) | set(latin))


def content_errors(content: str, category_names: list[str]) -> list[str]:
    """The substance rule: after category words are set aside, the content must say what was done."""
    if not content.strip():
        return ["请填写工作内容。" + SUBSTANCE_HINT]
    if len(content) > CONTENT_MAX_CHARS:
        return [f"工作内容不能超过 {CONTENT_MAX_CHARS} 字（当前 {len(content)} 字）。"]
    remainder = content
    for name in category_names:
        if name in remainder:
            remainder = remainder.replace(name, "")
    amount, distinct = content_substance(remainder)
    if amount < MIN_SUBSTANCE or distinct < MIN_DISTINCT_CHARS:
        return ["内容过于简单，看不出做了什么。" + SUBSTANCE_HINT]
    return []


def choice_message(name: str) -> str:
    """The one message for a value not among a field's choices, naming them ("可见范围应为：公开、政府内部、本单位、
    仅上级。"); in Chinese, as the rules' other messages."""
    choices = model_field(name).choices or ()
    with translation.override("zh-hans"):
        labels = "、".join(str(label) for value, label in choices if value != "")
        blank = "，或留空" if "" in CHOICES[name] else ""
        return f"{BY_NAME[name].label}应为：{labels}{blank}。"


def span_minutes(start_at: datetime.datetime, end_at: datetime.datetime) -> int:
    """Whole minutes from start to end: the duration of a timed record."""
    return int((end_at - start_at).total_seconds() // 60)


def record_errors(values: RecordValues, facts: RecordFacts) -> dict[str, list[str]]:
    """Every rule the record's values break, as {field: [message]}; empty when it may be written."""
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    day = values.date
    if facts.today is not None and day > facts.today:
        err("date", "日期不能晚于今天：只记录已经做过的工作。")
    elif day > facts.submitted_day:
        err("date", "日期不能晚于提交日期：只记录已经做过的工作。")
    elif facts.late_window is not None and (facts.submitted_day - day).days > facts.late_window:
        late = (facts.submitted_day - day).days
        err("date", f"补记只能在工作发生后 {facts.late_window} 天内进行（该日期已超过 {late} 天）。")

    found = content_errors(values.content, facts.category_names)
    waived = values.legacy_content and values.content.strip() and len(values.content) <= CONTENT_MAX_CHARS
    if found and not waived:  # legacy content is spared the substance rule only: never empty or too long
        errors["content"] = found
    for name, limit in TEXT_LIMITS.items():
        if len(getattr(values, name)) > limit:
            err(name, f"不能超过 {limit} 字。")
    for name, allowed in CHOICES.items():
        if getattr(values, name) not in allowed:
            err(name, choice_message(name))

    start_at, end_at = values.start_at, values.end_at
    if (start_at is None) != (end_at is None):
        err(
            "end_time" if end_at is None else "start_time",
            "开始和结束时间须同时填写；只知道时长时请都不填，填写时长。",
        )
    elif start_at is not None and end_at is not None:
        if end_at <= start_at:
            err("end_time", "结束时间必须晚于开始时间（跨夜值班请勾选“次日结束”）。")
        elif span_minutes(start_at, end_at) > MAX_DURATION_MINUTES:
            err("end_time", "一条记实不能超过 24 小时，请分开记录。")
    elif values.duration_minutes is None:
        err("duration_minutes", "请填写起止时间，或者填写时长。")
    elif not 1 <= values.duration_minutes <= MAX_DURATION_MINUTES:
        err("duration_minutes", "时长须在 1 分钟到 24 小时之间。")

    if values.names_author:
        err("participants", "参与者中不必包含记录人本人。")
    if values.participants > MAX_PARTICIPANTS:
        err("participants", f"参与者最多 {MAX_PARTICIPANTS} 个（现有 {values.participants} 个）。")
    if any(len(name) > CONTACT_NAME_MAX_CHARS for name in values.contact_names):
        err("partner_units", f"联系人姓名不能超过 {CONTACT_NAME_MAX_CHARS} 字。")
    return errors
