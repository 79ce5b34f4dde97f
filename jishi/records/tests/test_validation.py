"""The record's rules are written once: a person filing, the bulk writer and an import get the same message for the
same bad value (records.validation)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from jishi.org.calendar import at
from jishi.records.bulk import BulkRecord, category_names, check
from jishi.records.imports import import_records
from jishi.records.services import record_create
from jishi.records.tests.test_imports import people, row, to_csv  # noqa: F401  (people: a fixture)
from jishi.records.validation import RecordFacts, RecordValues, record_errors
from jishi.testing import GOOD_CONTENT, Org, record_input

DAY = datetime.date(2025, 3, 5)  # the import's rows are dated so; the service files today (the late window binds it)

# (the rule's field, the service's input, the bulk record's, the import row's cells, the sheet's column)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, str], str]] = [
    ("place", {"place": "地" * 201}, {"place": "地" * 201}, {"地点": "地" * 201}, "地点"),
    ("result", {"result": "果" * 2001}, {"result": "果" * 2001}, {"结果/进展": "果" * 2001}, "结果/进展"),
    ("content", {"content": "参加会议"}, {"content": "参加会议"}, {"工作内容": "参加会议"}, "工作内容"),
    ("content", {"content": "预" * 5001}, {"content": "预" * 5001}, {"工作内容": "预" * 5001}, "工作内容"),
    (
        "end_time",
        {"start_time": datetime.time(11), "end_time": datetime.time(10)},
        {"start_at": (11, 0), "end_at": (10, 0)},
        {"开始": "11:00", "结束": "10:00"},
        "结束",
    ),
    (
        "end_time",
        {"start_time": datetime.time(9), "end_time": None},
        {"start_at": (9, 0), "end_at": None},
        {"开始": "09:00", "结束": ""},
        "结束",
    ),
    (
        "duration_minutes",
        {"start_time": None, "end_time": None, "duration_minutes": 1500},
        {"start_at": None, "end_at": None, "duration_minutes": 1500},
        {"开始": "", "结束": "", "时长（分钟）": "1500"},
        "时长（分钟）",
    ),
]


def service_message(org: Org, field: str, values: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as exc:
        record_create(author=org.author, data=record_input(**values))
    return exc.value.message_dict[field][0]


def bulk_message(org: Org, field: str, values: dict[str, Any]) -> str:
    times = {k: at(DAY, datetime.time(*v)) if v else None for k, v in values.items() if k in ("start_at", "end_at")}
    fields: dict[str, Any] = {
        "content": GOOD_CONTENT,
        "start_at": at(DAY, datetime.time(9)),
        "end_at": at(DAY, datetime.time(10)),
    }
    record = BulkRecord(
        author_id=org.author.pk,
        unit_id=org.budget.pk,
        department_id=org.finance.pk,
        date=DAY,
        category_id=1,
        submitted_at=at(DAY, datetime.time(18, 0)),
        **(fields | values | times),
    )
    return check(record, category_names=category_names(), enforce_late_window=False)[field]


def import_message(org: Org, cells: dict[str, str], column: str) -> str:
    report = import_records(actor=org.admin, data=to_csv([row(**cells)]), filename="bad.csv", dry_run=True)
    return next(e.message for e in report.errors if e.column == column)


@pytest.mark.parametrize(("field", "service", "bulk", "cells", "column"), CASES)
def test_the_service_the_bulk_writer_and_the_import_give_one_message(
    people: Org,  # noqa: F811
    field: str,
    service: dict[str, Any],
    bulk: dict[str, Any],
    cells: dict[str, str],
    column: str,
) -> None:
    message = service_message(people, field, service)
    assert bulk_message(people, field, bulk) == message
    assert import_message(people, cells, column) == message


def test_the_author_as_a_participant_and_a_long_contact_name_read_alike_everywhere(people: Org) -> None:  # noqa: F811
    author = service_message(people, "participants", {"participant_ids": [people.author.pk]})
    assert "记录人本人" in author
    assert bulk_message(people, "participants", {"participants": [(people.author.pk, None, "")]}) == author
    assert import_message(people, {"参与人员": "E-AUTHOR"}, "参与人员") == author
    contact = service_message(people, "participants", {"partner_units": [(people.civil.pk, "名" * 51)]})
    assert "50" in contact
    assert bulk_message(people, "partner_units", {"participants": [(None, people.civil.pk, "名" * 51)]}) == contact
    assert import_message(people, {"合作单位": f"{people.civil.code}/{'名' * 51}"}, "合作单位") == contact


FACTS = RecordFacts(today=DAY, submitted_day=DAY, late_window=7, category_names=["会议"])


def values(**overrides: Any) -> RecordValues:
    base: dict[str, Any] = {"date": DAY, "content": GOOD_CONTENT, "duration_minutes": 30}
    return RecordValues(**(base | overrides))


def test_a_good_record_breaks_no_rule() -> None:
    assert record_errors(values(), FACTS) == {}
    assert record_errors(values(place="地" * 200, participants=50), FACTS) == {}


def test_dates_after_today_after_the_submission_or_past_the_late_window_are_refused() -> None:
    tomorrow = DAY + datetime.timedelta(days=1)
    assert "不能晚于今天" in record_errors(values(date=tomorrow), FACTS)["date"][0]
    as_of_submission = RecordFacts(today=None, submitted_day=DAY, late_window=None, category_names=[])
    assert "不能晚于提交日期" in record_errors(values(date=tomorrow), as_of_submission)["date"][0]
    assert "7 天内" in record_errors(values(date=DAY - datetime.timedelta(days=8)), FACTS)["date"][0]
    migration = RecordFacts(today=DAY, submitted_day=DAY, late_window=None, category_names=[])
    assert record_errors(values(date=DAY - datetime.timedelta(days=800)), migration) == {}


def test_legacy_content_is_spared_the_substance_rule_but_not_emptiness_or_length() -> None:
    assert "content" in record_errors(values(content="开会"), FACTS)
    assert record_errors(values(content="开会", legacy_content=True), FACTS) == {}
    assert "content" in record_errors(values(content="  ", legacy_content=True), FACTS)
    assert "5000" in record_errors(values(content="预" * 5001, legacy_content=True), FACTS)["content"][0]


def test_an_unknown_visibility_and_too_many_participants_are_refused() -> None:
    refused = record_errors(values(visibility="everyone"), FACTS)["visibility"]
    assert refused == ["可见范围应为：公开、政府内部、本单位、仅上级。"]
    assert "51" in record_errors(values(participants=51), FACTS)["participants"][0]
