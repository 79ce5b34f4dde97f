"""The record's rules, as a person filing would meet them; every failure leaves nothing written."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from jishi.org.models import CalendarOverride, Duty
from jishi.records.models import Addendum, RecordVersion, Visibility, WorkRecord
from jishi.records.services import RecordInput, addendum_create, lock_time, record_create, record_update
from jishi.testing import GOOD_CONTENT, Org, category, record_input, write_record


def at(day: str, time: str = "18:00") -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{day}T{time}"))


def errors_of(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def create(org: Org, now: datetime.datetime | None = None, **overrides: object) -> WorkRecord:
    return record_create(author=org.author, data=record_input(**overrides), now=now)


def test_a_record_is_created_with_its_unit_first_version_and_server_time(org: Org) -> None:
    now = at("2026-09-29", "17:55")
    record = create(org, now=now, date=datetime.date(2026, 9, 29))
    assert record.unit == org.budget and record.department == org.finance
    assert record.submitted_at == now and record.duration_minutes == 60 and not record.is_late
    assert list(record.versions.values_list("number", flat=True)) == [1]
    assert record.versions.get().data["content"] == GOOD_CONTENT


def test_date_in_the_future_is_rejected(org: Org) -> None:
    with pytest.raises(ValidationError) as exc:
        create(org, now=at("2026-09-29"), date=datetime.date(2026, 9, 30))
    assert "不能晚于今天" in errors_of(exc)["date"][0]
    assert not WorkRecord.objects.exists()


def test_end_must_follow_start_unless_it_ends_the_next_day(org: Org) -> None:
    with pytest.raises(ValidationError) as exc:
        create(org, start_time=datetime.time(10, 0), end_time=datetime.time(9, 0))
    assert "结束时间必须晚于开始时间" in errors_of(exc)["end_time"][0]
    overnight = create(
        org,
        category_id=category("duty_shift").pk,
        start_time=datetime.time(20, 0),
        end_time=datetime.time(8, 0),
        ends_next_day=True,
        content="夜间值班，处置防汛相关突发情况两起并按时报送值班信息",
        date=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert overnight.duration_minutes == 12 * 60
    assert timezone.localtime(overnight.end_at).date() == overnight.date + datetime.timedelta(days=1)


def test_a_duration_alone_is_allowed_but_something_is_needed(org: Org) -> None:
    record = create(org, start_time=None, end_time=None, duration_minutes=45)
    assert record.start_at is None and record.duration_minutes == 45
    with pytest.raises(ValidationError) as exc:
        create(org, start_time=None, end_time=None)
    assert "duration_minutes" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        create(org, start_time=datetime.time(9, 0), end_time=None)
    assert "end_time" in errors_of(exc)
    with pytest.raises(ValidationError):
        create(org, start_time=None, end_time=None, duration_minutes=0)


def test_overlapping_records_are_rejected_naming_the_clash(org: Org) -> None:
    first = create(org, start_time=datetime.time(9, 0), end_time=datetime.time(10, 30))
    with pytest.raises(ValidationError) as exc:
        create(
            org,
            start_time=datetime.time(10, 0),
            end_time=datetime.time(11, 0),
            content="审核国库科报送的资金调度材料，提出两条修改意见",
        )
    message = errors_of(exc)["start_time"][0]
    assert "09:00–10:30" in message and first.content[:10] in message
    adjacent = create(org, start_time=datetime.time(10, 30), end_time=datetime.time(11, 0))
    assert adjacent.pk
    assert WorkRecord.objects.count() == 2


def test_overnight_work_clashes_with_the_next_morning(org: Org) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    create(org, date=yesterday, start_time=datetime.time(22, 0), end_time=datetime.time(2, 0), ends_next_day=True)
    with pytest.raises(ValidationError) as exc:
        create(org, date=timezone.localdate(), start_time=datetime.time(1, 0), end_time=datetime.time(3, 0))
    assert "时间重叠" in errors_of(exc)["start_time"][0]


def test_overnight_work_clashes_with_a_record_of_the_next_morning_written_before_it(org: Org) -> None:
    """The overlap check reads only the dates a clash can have (the day before to the day after): both edges."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    create(org, date=timezone.localdate(), start_time=datetime.time(1, 0), end_time=datetime.time(3, 0))
    with pytest.raises(ValidationError) as exc:
        create(org, date=yesterday, start_time=datetime.time(22, 0), end_time=datetime.time(2, 0), ends_next_day=True)
    assert "时间重叠" in errors_of(exc)["start_time"][0]
    assert WorkRecord.objects.count() == 1


@pytest.mark.parametrize(
    "content", ["会议", "开会", "参加会议", "会议会议会议会议会议", "   ", "处理日常事务工作", "meeting ok"]
)
def test_content_without_substance_is_rejected_with_a_hint(org: Org, content: str) -> None:
    with pytest.raises(ValidationError) as exc:
        create(org, content=content)
    message = errors_of(exc)["content"][0]
    assert "做了什么" in message and "与谁" in message
    assert not WorkRecord.objects.exists()


def test_content_with_substance_is_accepted_however_it_is_phrased(org: Org) -> None:
    contents = [
        "召开预算科例会，布置2027年预算编制任务",
        "赴马陆镇调研老旧小区改造进展",
        "审核政府采购项目3个，退回1个",
    ]
    for n, content in enumerate(contents):
        create(org, content=content, start_time=datetime.time(8 + n, 0), end_time=datetime.time(8 + n, 30))
    # Each was stored as written, by its author, with its first version.
    stored = WorkRecord.objects.filter(author=org.author).order_by("start_at")
    assert list(stored.values_list("content", flat=True)) == contents
    assert [record.versions.get().data["content"] for record in stored] == contents


def test_too_long_content_is_rejected(org: Org) -> None:
    with pytest.raises(ValidationError) as exc:
        create(org, content="预算" * 2600)
    assert "5000" in errors_of(exc)["content"][0]


def test_late_entry_is_marked_and_bounded_by_the_window(org: Org) -> None:
    now = at("2026-09-29", "10:00")
    late = create(org, now=now, date=datetime.date(2026, 9, 22))
    assert late.is_late
    with pytest.raises(ValidationError) as exc:
        create(org, now=now, date=datetime.date(2026, 9, 21))
    assert "7 天内" in errors_of(exc)["date"][0]


def test_lock_is_the_end_of_the_next_working_day_after_holidays(org: Org) -> None:
    # 2026-10-01..07 is the National Day holiday; Saturday 10-10 is a 调休 working day.
    assert lock_time(datetime.date(2026, 9, 30), at("2026-09-30")) == at("2026-10-09", "00:00")
    assert lock_time(datetime.date(2026, 10, 9), at("2026-10-09")) == at("2026-10-11", "00:00")
    # A late entry locks after the next working day following its submission, not its date.
    assert lock_time(datetime.date(2026, 9, 21), at("2026-09-25")) == at("2026-09-29", "00:00")


def test_admin_override_decides_a_year_the_calendar_does_not_know(org: Org) -> None:
    friday = datetime.date(2027, 1, 1)
    CalendarOverride.objects.create(date=friday, is_working_day=False, name="元旦")
    assert lock_time(datetime.date(2026, 12, 31), at("2026-12-31")) == at("2027-01-05", "00:00")


def test_update_keeps_every_version_and_nothing_changed_adds_none(org: Org) -> None:
    record = create(org)
    data = RecordInput.from_record(record)
    data.content = "与区民政局召开养老服务协调会，明确三项分工，下周报送方案"
    data.visibility = Visibility.UNIT
    updated = record_update(actor=org.author, record=record, data=data)
    assert updated.version == 2
    versions = list(RecordVersion.objects.filter(record=record).order_by("number"))
    assert [v.data["content"] for v in versions] == [GOOD_CONTENT, data.content]
    record_update(actor=org.author, record=updated, data=RecordInput.from_record(updated))
    assert RecordVersion.objects.filter(record=record).count() == 2


def test_only_the_author_edits_and_never_after_the_lock(org: Org) -> None:
    record = create(org)
    with pytest.raises(PermissionDenied):
        record_update(actor=org.section_head, record=record, data=RecordInput.from_record(record))
    data = RecordInput.from_record(record)
    data.content = "改写后的内容：与区民政局召开协调会，明确分工"
    with pytest.raises(ValidationError) as exc:
        record_update(actor=org.author, record=record, data=data, now=record.locks_at)
    assert "已锁定" in errors_of(exc)["__all__"][0]
    assert WorkRecord.objects.get(pk=record.pk).content == GOOD_CONTENT
    assert RecordVersion.objects.filter(record=record).count() == 1


def test_corrections_after_the_lock_are_dated_addenda(org: Org) -> None:
    record = create(org)
    with pytest.raises(ValidationError):
        addendum_create(actor=org.author, record=record, content="更正：会议地点为第二会议室")
    after = record.locks_at + datetime.timedelta(minutes=1)
    addendum = addendum_create(actor=org.author, record=record, content="更正：会议地点为第二会议室", now=after)
    assert addendum.created_at == after
    with pytest.raises(PermissionDenied):
        addendum_create(actor=org.colleague, record=record, content="别人的更正内容写在这里", now=after)
    with pytest.raises(ValidationError):
        addendum_create(actor=org.author, record=record, content="短", now=after)
    assert Addendum.objects.count() == 1
    assert WorkRecord.objects.get(pk=record.pk).content == GOOD_CONTENT


def test_duty_must_be_the_authors_own(org: Org) -> None:
    own = Duty.objects.get(code="CZJ-01")
    assert create(org, duty_id=own.pk).duty == own
    other = Duty.objects.get(code="MZJ-01")
    with pytest.raises(ValidationError) as exc:
        create(org, duty_id=other.pk, start_time=datetime.time(14, 0), end_time=datetime.time(15, 0))
    assert "duty" in errors_of(exc)
    own.retired_on = timezone.localdate() - datetime.timedelta(days=3)
    own.save()
    with pytest.raises(ValidationError):
        create(org, duty_id=own.pk, start_time=datetime.time(16, 0), end_time=datetime.time(17, 0))


def test_participants_are_checked(org: Org) -> None:
    record = create(org, participant_ids=[org.colleague.pk, org.unrelated.pk], partner_units=[(org.civil.pk, "孙科长")])
    assert record.participants.count() == 3
    for bad in (
        {"participant_ids": [999999]},
        {"participant_ids": [org.author.pk]},
        {"partner_units": [(999999, "")]},
        {"partner_units": [(org.civil.pk, "名" * 51)]},
    ):
        with pytest.raises(ValidationError) as exc:
            create(org, start_time=datetime.time(14, 0), end_time=datetime.time(15, 0), **bad)
        assert "participants" in errors_of(exc)
    assert WorkRecord.objects.count() == 1


def test_a_record_goes_only_under_a_unit_the_author_serves(org: Org) -> None:
    with pytest.raises(ValidationError) as exc:
        create(org, unit_id=org.civil.pk)
    assert "unit" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        create(org, date=datetime.date(2019, 12, 31), now=at("2020-01-01"))
    assert "没有在职岗位" in errors_of(exc)["date"][0]


def test_weekend_work_is_allowed(org: Org) -> None:
    saturday = datetime.date(2026, 9, 26)
    record = create(org, now=at("2026-09-26"), date=saturday, category_id=category("duty_shift").pk)
    assert record.date == saturday and not record.is_late


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's one write lock serialises every write")
@pytest.mark.django_db(transaction=True)
def test_two_timed_records_at_once_cannot_both_pass_the_overlap_check() -> None:
    """A double submit: the second create waits for the first's transaction, then sees its record and is refused."""
    import threading

    from django.db import connections, transaction

    from jishi.records.services import serialise_author
    from jishi.testing import build_org

    org = build_org()
    first_holds_the_lock, first_may_commit = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                serialise_author(org.author)  # as record_create does, before its own overlap check
                first_holds_the_lock.set()
                first_may_commit.wait(10)
                write_record(org.author)  # 09:00–10:00
        finally:
            connections.close_all()

    def second() -> None:
        try:
            write_record(org.author, start_time=datetime.time(9, 30), end_time=datetime.time(10, 30))
            outcome["second"] = "created"
        except ValidationError as exc:
            outcome["second"] = exc.message_dict
        finally:
            connections.close_all()

    one = threading.Thread(target=first)
    one.start()
    assert first_holds_the_lock.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)
    assert two.is_alive()  # waiting for the first create's transaction
    first_may_commit.set()
    one.join(10)
    two.join(10)
    assert "时间重叠" in outcome["second"]["start_time"][0]
    assert WorkRecord.objects.filter(author=org.author).count() == 1


def test_a_change_that_sets_or_clears_a_field_left_out_of_the_snapshot_while_blank_is_a_change(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A field declared omit_blank (records.fields) enters the snapshot when it is set and leaves it when it is
    cleared; record_update compares the two snapshots over the keys of both (place stands in for such a field)."""
    from jishi.core.models import AuditEvent
    from jishi.records import fields

    monkeypatch.setattr(fields, "_SNAPSHOT_OMIT_BLANK", ("place",))
    record = create(org)
    assert "place" not in record.versions.get().data
    # Set: the key enters the snapshot (a KeyError before); cleared: it leaves it (not seen as a change before).
    record = record_update(actor=org.author, record=record, data=record_input(place="区政府第一会议室"))
    record = record_update(actor=org.author, record=record, data=record_input(place=""))
    assert [v.data.get("place") for v in record.versions.order_by("number")] == [None, "区政府第一会议室", None]
    changes = [e.data for e in AuditEvent.objects.filter(verb="record.update").order_by("id")]
    assert [(c["changed"], c["before"], c["after"]) for c in changes] == [
        (["place"], {"place": None}, {"place": "区政府第一会议室"}),
        (["place"], {"place": "区政府第一会议室"}, {"place": None}),
    ]
