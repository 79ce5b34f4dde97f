"""The record's fields, declared once: label, limit, whether it is content, how a version's snapshot writes it.

Everything that lists the record's fields reads this list instead of naming them again: the rules' text limits
(records.validation), the snapshot each version keeps (services.record_snapshot, hashed by the integrity chain),
and the one "mask content" step (`masked`) that the API, the exports, the admin and search snippets go through, so a
sensitive record's content fields are hidden the same way everywhere. Whether a reader sees the content is decided
by rules.content_q (the `content_visible` flag every surface's query carries); which fields that hides is decided
here.

A "plain" field is stored as the person gave it (text stripped): the service copies it from the input to the record,
the form, the import and the bulk writer carry it under its name, its choices (the model field's) and its limit are
checked by records.validation, and the export writes it (choices as their Chinese labels). Such a field is written
by hand only as a typed attribute of RecordInput, BulkRecord and RecordValues (the three shapes a record's values
take), in the model, its migration, one RecordField here, one SheetColumn if it is exported, the templates and tests.

FIELDS' order is the snapshot's key order, which must not change: the chain hashes the stored text. A field added to
the snapshot would make every existing record differ from its latest version in `verify`: declare it with
`omit_blank=True` (left out of the snapshot while it is "", as every record written before it has it), or with
snapshot=None. Readers of snapshots therefore compare them over the union of their keys (`snapshot_changes`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from jishi.records.models import WorkRecord

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _utc_iso(moment: datetime.datetime | None) -> str | None:
    return moment.astimezone(datetime.UTC).isoformat() if moment else None


def _iso_day(day: datetime.date) -> str:
    return day.isoformat()


def _as_is(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class RecordField:
    """One field of the work record as every surface sees it."""

    name: str  # the snapshot's key and the API's name
    label: StrOrPromise  # what people read (Chinese first)
    attribute: str = ""  # the model attribute the snapshot reads; the name by default
    max_chars: int | None = None  # the rules' limit on its length (records.validation)
    content: bool = False  # part of the record's content: hidden where the reader may not read it (rules.content_q)
    snapshot: Callable[[Any], Any] | None = _as_is  # how a version's snapshot writes it; None: not snapshotted
    omit_blank: bool = False  # left out of the snapshot while "": a field added later keeps older snapshots unchanged
    plain: bool = False  # stored as given (text stripped), under its name in every shape of the record's values

    @property
    def source(self) -> str:
        return self.attribute or self.name


FIELDS: tuple[RecordField, ...] = (
    RecordField("date", _("日期"), snapshot=_iso_day),
    RecordField("unit", _("单位"), attribute="unit_id"),
    RecordField("start_at", _("开始"), snapshot=_utc_iso),
    RecordField("end_at", _("结束"), snapshot=_utc_iso),
    RecordField("duration_minutes", _("时长（分钟）")),
    RecordField("category", _("类别"), attribute="category_id"),
    RecordField("content", _("工作内容"), max_chars=5000, content=True, plain=True),
    RecordField("place", _("地点"), max_chars=200, content=True, plain=True),
    RecordField("duty", _("对应职责"), attribute="duty_id"),
    RecordField("result", _("结果/进展"), max_chars=2000, content=True, plain=True),
    RecordField("reflection", _("体会/反思"), max_chars=2000, content=True, plain=True),
    RecordField("visibility", _("可见范围"), plain=True),
    RecordField("is_sensitive", _("敏感"), plain=True),
    # Who took part: written to the snapshot from the participant rows (services.record_snapshot), not an attribute.
    RecordField("participants", _("参与者"), content=True, snapshot=None),
)
BY_NAME = {f.name: f for f in FIELDS}
SNAPSHOT_FIELDS = tuple(f for f in FIELDS if f.snapshot is not None)
PLAIN_FIELDS = tuple(f.name for f in FIELDS if f.plain)
CONTENT_FIELDS = tuple(f.name for f in FIELDS if f.content)  # content, place, result, reflection, participants
CONTENT_TEXT_FIELDS = tuple(f.name for f in FIELDS if f.content and f.max_chars)  # the searchable texts
TEXT_LIMITS = {f.name: f.max_chars for f in FIELDS if f.max_chars and f.name != "content"}  # content: its own rule
CONTENT_MAX_CHARS: int = BY_NAME["content"].max_chars or 0
# What the history calls each key of a snapshot: the declared labels, and the withdrawal services.record_snapshot adds.
SNAPSHOT_LABELS: dict[str, StrOrPromise] = {f.name: f.label for f in FIELDS} | {"withdrawn": _("撤回")}


def model_field(name: str) -> models.Field[Any, Any]:
    """The model field a declared field is stored in: its type, its choices and its default."""
    field = WorkRecord._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def plain_values(values: Any) -> dict[str, Any]:
    """The plain fields of a RecordInput, a BulkRecord or a record, by name (to build another of those shapes)."""
    return {name: getattr(values, name) for name in PLAIN_FIELDS}


def snapshot_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The keys whose values differ between two snapshots, in the snapshot's order: over the keys of both, since a
    field declared omit_blank leaves the snapshot when it is cleared and enters it when it is set."""
    keys = [*after, *(key for key in before if key not in after)]
    return [key for key in keys if after.get(key) != before.get(key)]


def change_labels(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """What the history says was changed between two versions: the changed fields' labels (修改了：地点、可见范围)."""
    return [str(SNAPSHOT_LABELS.get(key, key)) for key in snapshot_changes(before, after)]


@dataclass(frozen=True)
class SheetColumn:
    """A column of the records' spreadsheets: the export writes it, the import reads it (or, for a column only people
    read, accepts and ignores it, so that an export imports again)."""

    key: str
    headers: tuple[str, ...]  # the Chinese header first (the file is Chinese whatever the language), then alternatives
    imported: bool = True
    # What the export writes: the record's value at `source` (a lookup; the key by default), as its model field says
    # (a choice as its Chinese label, yes/no as 是/否, a moment in local time); or, `computed`, a cell of exports.py's.
    source: str = ""
    computed: bool = False

    @property
    def header(self) -> str:
        return self.headers[0]

    @property
    def lookup(self) -> str:
        return self.source or self.key


# The export's columns in order; the import reads those marked imported, and its template lists them in this order.
SHEET_COLUMNS: tuple[SheetColumn, ...] = (
    SheetColumn("id", ("编号",), imported=False),
    SheetColumn("date", ("日期", "date")),
    SheetColumn("start", ("开始", "开始时间", "start", "start_time"), computed=True),
    SheetColumn("end", ("结束", "结束时间", "end", "end_time"), computed=True),
    SheetColumn("ends_next_day", ("次日结束", "ends_next_day"), computed=True),
    SheetColumn("duration_minutes", ("时长（分钟）", "时长", "duration_minutes")),
    SheetColumn("employee_number", ("工号", "employee_number"), computed=True),
    SheetColumn("author", ("记录人",), imported=False, source="author__full_name"),
    SheetColumn("unit", ("单位",), imported=False, source="unit__name"),
    SheetColumn("department", ("本单位",), imported=False, source="department__name"),
    SheetColumn("category", ("类别", "category"), source="category__name"),
    SheetColumn("content", ("工作内容", "内容", "content")),
    SheetColumn("place", ("地点", "place")),
    SheetColumn("participants", ("参与人员", "participants"), computed=True),
    SheetColumn("partner_units", ("合作单位", "partner_units"), computed=True),
    SheetColumn("duty_code", ("职责编码", "duty_code"), source="duty__code"),
    SheetColumn("duty", ("对应职责",), imported=False, source="duty__title"),
    SheetColumn("result", ("结果/进展", "结果", "result")),
    SheetColumn("reflection", ("体会/反思", "reflection")),
    SheetColumn("visibility", ("可见范围", "visibility")),
    SheetColumn("sensitive", ("敏感", "sensitive"), source="is_sensitive"),
    SheetColumn("late", ("补记",), imported=False, source="is_late"),
    SheetColumn("submitted_at", ("提交时间", "submitted_at")),
    SheetColumn("version", ("版本",), imported=False),
)


# Read with one attrgetter, converting only the fields that need it: the demo world writes millions of snapshots.
_SNAPSHOT_NAMES = tuple(f.name for f in SNAPSHOT_FIELDS)
_SNAPSHOT_READ = attrgetter(*(f.source for f in SNAPSHOT_FIELDS))
_SNAPSHOT_CONVERT = tuple((i, f.snapshot) for i, f in enumerate(SNAPSHOT_FIELDS) if f.snapshot is not _as_is)
_SNAPSHOT_OMIT_BLANK = tuple(f.name for f in SNAPSHOT_FIELDS if f.omit_blank)


def snapshot_values(record: Any) -> dict[str, Any]:
    """The record's own fields as a version's snapshot writes them, in the declared order (participants and the
    withdrawal are added by services.record_snapshot)."""
    values = list(_SNAPSHOT_READ(record))
    for i, convert in _SNAPSHOT_CONVERT:
        values[i] = convert(values[i])  # type: ignore[misc]
    snapshot = dict(zip(_SNAPSHOT_NAMES, values, strict=True))
    for name in _SNAPSHOT_OMIT_BLANK:
        if snapshot[name] == "":
            del snapshot[name]
    return snapshot


def masked(
    values: dict[str, Any], *, shown: bool, hidden: Any = None, hidden_as: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The one "mask content" step: `values` with each content field replaced by `hidden` (or its own placeholder in
    `hidden_as`, such as an export's "（敏感内容）") unless the content is `shown` (the row's `content_visible`)."""
    if shown:
        return values
    placeholders = hidden_as or {}
    return {
        name: (placeholders.get(name, hidden) if name in CONTENT_FIELDS else value) for name, value in values.items()
    }


def content_of(record: Any) -> dict[str, Any]:
    """The record's content text fields (content, place, result, reflection), masked as the reader's flag says:
    None where the content is hidden."""
    shown = bool(getattr(record, "content_visible", False))
    return masked({name: getattr(record, name) for name in CONTENT_TEXT_FIELDS}, shown=shown)
