"""What the chain seals: the kinds of history rows and the canonical form of each row.

A row's canonical form is sorted, compact JSON of its id and the fields listed for its kind, with times in
UTC to the microsecond, dates as ISO strings and decimals as strings. It is computed the same way from an
object just saved and from the row read back later, so `verify` can recompute every hash from the live rows.

JSON fields: SQLite stores the text Django wrote and returns it byte for byte, so the canonical value there is
that text (re-encoding 700,000 snapshots costs more than everything else together); PostgreSQL's jsonb
reorders keys and respaces, so there the value is parsed and enters the sorted JSON as a structure. A
database moved from one engine to the other is therefore verified on the old one and re-sealed
(`jishi chain build` on an empty chain) on the new one.

The field lists are fixed here: a column added to a model later does not change the hashes of rows sealed
before it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models
from django.db.models.functions import Cast

from jishi.integrity import conf

GENESIS = "0" * 64
RECORD_LABEL = "records.workrecord"


def _utc(value: datetime.datetime | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and len(value) in (19, 26) and value[10] == " ":
        # SQLite's text of a UTC time, "YYYY-MM-DD HH:MM:SS[.ffffff]": rewritten without parsing (700,000 rows)
        return f"{value[:10]}T{value[11:19]}.{value[20:] or '000000'}+00:00"
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value.tzinfo is None:  # a naive time from the database is UTC (USE_TZ)
        value = value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def _day(value: datetime.date | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


def _number(text: str) -> int | float:
    # jsonb keeps 1e20 as 100000000000000000000; read every integral float as an int on both databases.
    value = float(text)
    return int(value) if value.is_integer() else value


# One decoder and one encoder for every row: json.loads/dumps with options build a new one per call.
_DECODER = json.JSONDecoder(parse_float=_number)
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class RawJSON(str):
    """A JSON column's text exactly as SQLite stored it: part of the canonical form as it is."""


def parse_json(value: Any) -> Any:
    """A JSON column as read back: text on SQLite (and from jsonb through Django's cursor), parsed here."""
    if isinstance(value, str):
        return _DECODER.decode(value)
    return value


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value.normalize())


def _identity(value: Any) -> Any:
    return value


def _event_record(values: dict[str, Any]) -> int | None:
    if values.get("target_type") == RECORD_LABEL and str(values.get("target_id", "")).isdigit():
        return int(values["target_id"])
    return None


@dataclass(frozen=True)
class Kind:
    """A kind of history row the chain seals: which model, which fields, and how to name its record."""

    name: str
    model_label: str
    fields: tuple[str, ...]
    actor: str  # the attname whose value picks the chain in bulk (single writes use the acting person)
    time: str  # when the row was written, for reports
    record: str | None = None  # lookup giving the record id ("record_id", "comment__record_id")
    record_from_values: Callable[[dict[str, Any]], int | None] | None = None

    @cached_property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @property
    def available(self) -> bool:
        try:
            model = self.model
        except LookupError:
            return False
        names = {f.attname for f in model._meta.concrete_fields}
        return all(f in names for f in self.fields)

    @property
    def _db_converters(self) -> list[Callable[[Any], Any]]:
        return self.converters(connections[self.model._default_manager.db].vendor)

    @cache  # noqa: B019  # a handful of kinds, each with one list per database engine
    def converters(self, vendor: str) -> list[Callable[[Any], Any]]:
        """Per field, from a raw database value to its canonical value."""
        by_attname = {f.attname: f for f in self.model._meta.concrete_fields}
        out: list[Callable[[Any], Any]] = []
        for name in self.fields:
            field = by_attname[name]
            if isinstance(field, models.DateTimeField):
                out.append(_utc)
            elif isinstance(field, models.DateField):
                out.append(_day)
            elif isinstance(field, models.DecimalField):
                out.append(_decimal)
            elif isinstance(field, models.JSONField):
                out.append(RawJSON if vendor == "sqlite" else parse_json)
            elif isinstance(field, models.BooleanField):
                out.append(_bool)
            else:  # ints and text are canonical as the database returns them
                out.append(_identity)
        return out

    def lookups(self) -> list[str]:
        """values_list() arguments: id, the fields, the record lookup and the actor."""
        return ["id", *self.fields, self.record or "id", self.actor]

    def rows(
        self, queryset: models.QuerySet[Any] | None = None, *, order: tuple[str, ...] = ("id",), chunk: int = 5000
    ) -> Iterator[Row]:
        """Every row of this kind read back from the database, ready to hash.

        The ORM writes the SQL; the rows are read with a plain (server-side on PostgreSQL) cursor and converted
        here — the ORM's per-value converters would triple the time over 700,000 rows.
        """
        queryset = queryset if queryset is not None else self.model._default_manager.all()
        connection = connections[queryset.db]
        lookups: list[Any] = self.lookups()
        if connection.vendor == "sqlite":
            lookups = [as_text(self.model, name) for name in lookups]
        sql, params = queryset.order_by(*order).values_list(*lookups).query.sql_with_params()
        converters = self._db_converters
        names = self.fields
        derive = self.record_from_values
        has_record = self.record is not None
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(chunk):
                for values in batch:
                    canonical = {
                        name: convert(v) for name, convert, v in zip(names, converters, values[1:], strict=False)
                    }
                    canonical["id"] = values[0]
                    record_id = values[-2] if has_record else derive(canonical) if derive else None
                    yield Row(self.name, values[0], record_id, values[-1], canonical)

    @cached_property
    def _encoders(self) -> list[Any]:
        """Per field, the JSON encoder Django writes it with, or None for a field that is not JSON."""
        by_attname = {f.attname: f for f in self.model._meta.concrete_fields}
        return [
            getattr(by_attname[name], "encoder", None) if isinstance(by_attname[name], models.JSONField) else False
            for name in self.fields
        ]

    def row_of(self, instance: models.Model, actor_id: int | None) -> Row:
        """The row for an object just saved, exactly as `rows()` will read it back."""
        canonical: dict[str, Any] = {"id": instance.pk}
        for name, convert, encoder in zip(self.fields, self._db_converters, self._encoders, strict=True):
            value = getattr(instance, name)
            if encoder is not False:  # the text Django writes (kept by SQLite, parsed from jsonb)
                value = json.dumps(value, cls=encoder)
            canonical[name] = convert(value)
        if self.record is None:
            record_id = self.record_from_values(canonical) if self.record_from_values else None
        else:
            target: Any = instance
            for part in self.record.split("__"):
                target = getattr(target, part)
            record_id = target
        return Row(self.name, instance.pk, record_id, actor_id, canonical)


def as_text(model: type[models.Model], name: str) -> Any:
    """On SQLite, a date or time column read as its text (Django's converter parses with a regex, 3× slower)."""
    try:
        field = model._meta.get_field(name.removesuffix("_id") if name.endswith("_id") else name)
    except FieldDoesNotExist:
        return name
    if isinstance(field, models.DateField):  # DateTimeField too
        return Cast(name, output_field=models.TextField())
    return name


@dataclass(slots=True)
class Row:
    """One history row in canonical form, with the record it belongs to and its actor."""

    kind: str
    object_id: int
    record_id: int | None
    actor_id: int | None
    canonical: dict[str, Any]

    def text(self) -> bytes:
        """Sorted compact JSON of the fields (what `_ENCODER.encode` gives, written out field by field: twice as
        fast); a JSON field SQLite keeps as text follows on its own line as "name=<text as stored>"."""
        canonical = self.canonical
        fields, raw = [], []
        for key in sorted(canonical):
            value = canonical[key]
            if type(value) is RawJSON:
                raw.append(f"{key}={value}")
            else:
                fields.append(f"{_encode_str(key)}:{_scalar(value)}")
        text = "{" + ",".join(fields) + "}"
        if raw:
            text += "\n" + "\n".join(raw)
        return text.encode()


_encode_str = json.encoder.encode_basestring  # the C one when available


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is str:
        return _encode_str(value)
    return _ENCODER.encode(value)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "version",
            "records.RecordVersion",
            ("record_id", "number", "data", "changed_by_id", "changed_at"),
            actor="changed_by_id",
            time="changed_at",
            record="record_id",
        ),
        Kind(
            "addendum",
            "records.Addendum",
            ("record_id", "author_id", "created_at", "content"),
            actor="author_id",
            time="created_at",
            record="record_id",
        ),
        Kind(
            "event",
            "core.AuditEvent",
            ("at", "actor_id", "verb", "target_type", "target_id", "data"),
            actor="actor_id",
            time="at",
            record_from_values=_event_record,
        ),
        # 点评: each text of a comment is a CommentVersion (supervision); the comment row itself may be edited.
        Kind(
            "comment",
            "supervision.CommentVersion",
            ("comment_id", "number", "text", "written_at"),
            actor="comment_id",
            time="written_at",
            record="comment__record_id",
        ),
        # 周报/月报: each submitted text of a report is a SummaryVersion (summaries); a correction is a new one.
        Kind(
            "summary",
            "summaries.SummaryVersion",
            ("summary_id", "number", "body", "plan", "submitted_by_id", "submitted_at"),
            actor="submitted_by_id",
            time="submitted_at",
        ),
        # 批量写入登记: what a bulk load wrote; sealed when registered, so that one inserted by hand is not trusted.
        Kind(
            "load",
            "integrity.BulkLoad",
            ("source", "registered_by_id", "registered_at", "rows", "signature"),
            actor="registered_by_id",
            time="registered_at",
        ),
    )
}


def chained_kinds() -> list[Kind]:
    """The kinds whose model exists in this installation."""
    return [kind for kind in KINDS.values() if kind.available]


def kind_of(instance: models.Model) -> Kind:
    label = instance._meta.label
    for kind in KINDS.values():
        if kind.model_label == label:
            return kind
    raise ValueError(f"{label} is not a chained kind (integrity.canonical.KINDS)")


def hasher() -> Callable[[bytes], Any]:
    """The configured hash constructor (hashlib.sha256, or hashlib.new('sm3', …))."""
    name = conf.algorithm()
    direct = getattr(hashlib, name, None)
    if direct is not None:
        return direct
    return lambda data: hashlib.new(name, data)


def entry_text(
    *,
    prev: str,
    shard: int,
    seq: int,
    kind: str,
    object_id: int,
    record_id: int | None,
    created_at: str,
    content_hash: str,
) -> bytes:
    """What an entry's hash covers: the previous hash and every field of the entry."""
    record = "" if record_id is None else str(record_id)
    return f"{prev}|{shard}|{seq}|{kind}|{object_id}|{record}|{created_at}|{content_hash}".encode()
