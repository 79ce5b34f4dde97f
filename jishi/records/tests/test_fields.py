"""The record's fields declared once (records.fields): the snapshot keeps the form sealed versions were written in,
and the one mask step hides every content field."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from pydantic import TypeAdapter, ValidationError

from jishi.core.models import ReadableJSONEncoder
from jishi.integrity.verification import verify
from jishi.records.api import RecordIn, RecordOut, RecordPatch
from jishi.records.fields import CONTENT_FIELDS, FIELDS, PLAIN_FIELDS, masked
from jishi.records.models import RecordVersion, Visibility, WorkRecord
from jishi.records.services import addendum_create, record_snapshot, record_update, record_withdraw
from jishi.records.validation import CHOICES
from jishi.testing import Org, record_input, write_record


def _utc_iso(moment: datetime.datetime | None) -> str | None:
    return moment.astimezone(datetime.UTC).isoformat() if moment else None


def snapshot_before_fields(record: WorkRecord, participants: list[dict[str, Any]]) -> dict[str, Any]:
    """services.record_snapshot as it was written before records.fields, kept here as the frozen form."""
    snapshot = {
        "date": record.date.isoformat(),
        "unit": record.unit_id,
        "start_at": _utc_iso(record.start_at),
        "end_at": _utc_iso(record.end_at),
        "duration_minutes": record.duration_minutes,
        "category": record.category_id,
        "content": record.content,
        "place": record.place,
        "duty": record.duty_id,
        "result": record.result,
        "reflection": record.reflection,
        "visibility": record.visibility,
        "is_sensitive": record.is_sensitive,
        "participants": participants,
    }
    if record.withdrawn_at is not None:
        snapshot["withdrawn"] = {"at": _utc_iso(record.withdrawn_at), "reason": record.withdrawal_reason}
    return snapshot


def stored_text(data: dict[str, Any]) -> str:
    """The JSON text a version's data is stored as (what the chain hashes on SQLite)."""
    return json.dumps(data, cls=ReadableJSONEncoder)  # as Django writes a JSONField on SQLite


def participant_rows(record: WorkRecord) -> list[dict[str, Any]]:
    return [
        {"person": p.person_id, "unit": p.unit_id, "contact_name": p.contact_name}
        for p in record.participants.order_by("id")
    ]


def test_a_snapshot_is_written_as_before_to_the_byte_and_a_version_written_before_still_verifies(org: Org) -> None:
    first = write_record(org.author, participant_ids=[org.colleague.pk], partner_units=[(org.civil.pk, "孙科长")])
    second = write_record(org.colleague, start_time=datetime.time(14, 0), end_time=datetime.time(15, 0))
    record_update(
        actor=org.colleague,
        record=second,
        data=record_input(start_time=datetime.time(14, 0), end_time=datetime.time(15, 30), place="区政府"),
    )
    withdrawn = write_record(org.section_head, is_sensitive=True, result="形成会议纪要")
    record_withdraw(actor=org.section_head, record=withdrawn, reason="记错了日期")
    for record in WorkRecord.objects.all():
        rows = participant_rows(record)
        before = snapshot_before_fields(record, rows)
        assert list(record_snapshot(record, rows)) == list(before)  # the same keys in the same order
        assert stored_text(record_snapshot(record, rows)) == stored_text(before)
    # Each latest version rewritten with the text the code before records.fields wrote: the chain, sealed over the
    # stored rows, still verifies (a single byte of difference would be reported as a changed version).
    for record in WorkRecord.objects.all():
        version = record.versions.order_by("-number").first()
        assert version is not None
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {RecordVersion._meta.db_table} SET data = %s WHERE id = %s",
                [stored_text(snapshot_before_fields(record, participant_rows(record))), version.pk],
            )
    report = verify()
    assert report.ok, [p.line() for p in report.problems]
    assert report.rows["version"] == 5
    assert first.versions.get().data["participants"][1]["contact_name"] == "孙科长"


def test_the_mask_step_hides_every_content_field_and_nothing_else() -> None:
    values = {f.name: f"{f.name}-value" for f in FIELDS}
    assert masked(values, shown=True) == values
    hidden = masked(values, shown=False)
    assert {name for name, value in hidden.items() if value is None} == set(CONTENT_FIELDS)
    assert set(CONTENT_FIELDS) == {"content", "place", "result", "reflection", "participants"}
    assert masked({"content": "x", "place": "y"}, shown=False, hidden="", hidden_as={"content": "（敏感内容）"}) == {
        "content": "（敏感内容）",
        "place": "",
    }


def test_addenda_and_a_sensitive_record_go_through_the_same_mask_in_the_export_and_the_api(org: Org) -> None:
    from django.test import Client

    record = write_record(org.author, is_sensitive=True, place="区信访办", result="办结", reflection="体会")
    WorkRecord.objects.filter(pk=record.pk).update(locks_at=record.submitted_at)
    addendum_create(actor=org.author, record=WorkRecord.objects.get(pk=record.pk), content="补充：已电话回访当事人")
    client = Client()
    client.force_login(org.unrelated)
    body = client.get(f"/api/v1/records/{record.pk}").json()
    assert (
        body["content_hidden"] and [body[name] for name in ("content", "place", "result", "reflection")] == [None] * 4
    )
    assert body["participants"] == []
    response: Any = client.get("/api/v1/records/export?format=csv")
    exported = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "（敏感内容）" in exported and "区信访办" not in exported and "办结" not in exported


def test_the_api_answers_a_list_and_a_record_through_its_declared_schema(org: Org, monkeypatch: Any) -> None:
    from django.test import Client

    from jishi.records import api

    record = write_record(org.author)
    client = Client(raise_request_exception=False)
    client.force_login(org.author)
    assert client.get("/api/v1/records").status_code == 200
    original = api.record_out
    # A shape RecordOut does not declare never reaches a caller: the list and the detail are checked against it.
    monkeypatch.setattr(api, "record_out", lambda *args, **kwargs: original(*args, **kwargs) | {"version": "v1"})
    assert client.get("/api/v1/records").status_code == 500
    assert client.get(f"/api/v1/records/{record.pk}").status_code == 500


def test_the_history_names_each_changed_field_by_its_label_also_one_set_then_cleared(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """修改了：地点 — the declared label, not the snapshot's key; and a field that left the snapshot (declared
    omit_blank, then cleared) is a change too (place stands in for such a field)."""
    from jishi.records import fields

    monkeypatch.setattr(fields, "_SNAPSHOT_OMIT_BLANK", ("place",))
    record = write_record(org.author)
    record_update(actor=org.author, record=record, data=record_input(place="区政府", visibility=Visibility.UNIT))
    record_update(actor=org.author, record=record, data=record_input(visibility=Visibility.UNIT))
    client = Client()
    client.force_login(org.author)
    page = client.get(f"/records/{record.pk}/").content.decode()
    changed = re.findall(r"修改了：([^<]*)</div>", page)
    assert changed == ["地点", "地点、可见范围"]  # newest first; in the snapshot's order


def test_the_api_schemas_agree_with_the_declaration() -> None:
    """RecordIn, RecordPatch and RecordOut stay declared classes (the OpenAPI contract is read there), so this is
    what keeps them with records.fields: every declared field is answered under its name, every plain field is
    accepted under its name, and a field with choices takes exactly its model field's choices."""
    assert [f.name for f in FIELDS if f.name not in RecordOut.model_fields] == []
    for schema in (RecordIn, RecordPatch):
        assert [name for name in PLAIN_FIELDS if name not in schema.model_fields] == [], schema.__name__
    for name, allowed in CHOICES.items():
        for schema in (RecordIn, RecordPatch, RecordOut):
            adapter = TypeAdapter(schema.model_fields[name].annotation)
            assert {str(adapter.validate_python(value)) for value in allowed} == allowed
            with pytest.raises(ValidationError):
                adapter.validate_python("not-a-choice")


def test_an_optional_choice_exports_its_blank_as_an_empty_cell() -> None:
    """A choice field whose blank choice has a label (来源: "" 未填写, as a field added later would declare it): the
    export writes the blank as an empty cell, which the import reads as blank, not as 未填写, which it would refuse
    (found by adding such a field: notes/new-field.md)."""
    from django.db import models

    from jishi.records.exports import _cell

    write = _cell(models.CharField(choices=[("", "未填写"), ("meeting", "会议部署")], blank=True))
    assert [write(""), write("meeting")] == ["", "会议部署"]


def test_every_plain_field_is_a_spreadsheet_column_so_that_an_export_imports_again() -> None:
    """A plain field left out of SHEET_COLUMNS would be lost silently by an export and its import."""
    from jishi.records.fields import SHEET_COLUMNS

    read_back = {column.lookup for column in SHEET_COLUMNS if column.imported and not column.computed}
    assert [name for name in PLAIN_FIELDS if name not in read_back] == []
