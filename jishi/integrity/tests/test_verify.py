"""Verification finds every row changed, deleted or inserted behind Jishi's back — by plain SQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from jishi.core.models import AuditEvent
from jishi.core.services import audit
from jishi.integrity.models import ChainEntry, ChainHead
from jishi.integrity.verification import CHAIN, CHANGED, DELETED, INSERTED, Report, verify
from jishi.records.models import Addendum, RecordVersion, WorkRecord
from jishi.testing import Org, write_record


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def found(report: Report, what: str, kind: str) -> list[Any]:
    return [p for p in report.problems if p.what == what and p.kind == kind]


def test_a_clean_history_verifies(history: dict[str, Any]) -> None:
    report = verify()
    assert report.ok, [p.line() for p in report.problems]
    assert report.rows["version"] == RecordVersion.objects.count() == 6
    assert report.rows["addendum"] == 1
    assert report.rows["event"] == AuditEvent.objects.count()
    assert report.entries == ChainEntry.objects.count()
    assert report.records == WorkRecord.objects.count()


def test_every_history_row_is_sealed_as_it_is_written(org: Org) -> None:
    before = ChainEntry.objects.count()
    record = write_record(org.author)
    sealed = list(ChainEntry.objects.order_by("id").values_list("kind", "record_id")[before:])
    assert sealed == [("version", record.pk), ("event", record.pk)]


def test_a_version_changed_by_sql_is_reported_with_its_record(history: dict[str, Any]) -> None:
    version = RecordVersion.objects.get(record=history["first"], number=1)
    data = dict(version.data, content="篡改后的内容：与区民政局召开协调会")
    sql(f"UPDATE {RecordVersion._meta.db_table} SET data = %s WHERE id = %s", [json.dumps(data), version.pk])
    report = verify()
    [problem] = found(report, CHANGED, "version")
    assert (problem.object_id, problem.record_id) == (version.pk, history["first"].pk)
    assert problem.when == timezone.localtime(version.changed_at).strftime("%Y-%m-%d %H:%M:%S")
    assert f"记实 #{history['first'].pk}" in problem.line()


def test_a_record_changed_by_sql_disagrees_with_its_latest_version(history: dict[str, Any]) -> None:
    record = history["first"]
    sql(f"UPDATE {WorkRecord._meta.db_table} SET content = %s WHERE id = %s", ["改写的内容改写的内容改写", record.pk])
    [problem] = found(verify(), CHANGED, "record")
    assert problem.record_id == record.pk and "最新版本" in problem.detail


def test_a_record_unlocked_by_sql_is_not_hidden_by_its_author_or_time(history: dict[str, Any]) -> None:
    record = history["first"]
    sql(
        f"UPDATE {WorkRecord._meta.db_table} SET author_id = %s WHERE id = %s", [history["second"].author_id, record.pk]
    )
    [problem] = found(verify(), CHANGED, "record")
    assert problem.record_id == record.pk


def test_an_addendum_changed_by_sql(history: dict[str, Any]) -> None:
    addendum = history["addendum"]
    sql(f"UPDATE {Addendum._meta.db_table} SET content = %s WHERE id = %s", ["换掉的补充说明", addendum.pk])
    [problem] = found(verify(), CHANGED, "addendum")
    assert (problem.object_id, problem.record_id) == (addendum.pk, history["locked"].pk)


def test_an_audit_event_changed_by_sql(history: dict[str, Any]) -> None:
    event = AuditEvent.objects.get(verb="record.withdraw")
    sql(f"UPDATE {AuditEvent._meta.db_table} SET verb = %s WHERE id = %s", ["record.update", event.pk])
    [problem] = found(verify(), CHANGED, "event")
    assert (problem.object_id, problem.record_id) == (event.pk, history["withdrawn"].pk)


def test_an_audit_event_time_moved_by_sql(history: dict[str, Any]) -> None:
    event = AuditEvent.objects.order_by("id").last()
    assert event is not None
    AuditEvent.objects.filter(pk=event.pk).update(at=event.at - timezone.timedelta(days=1))
    assert [p.object_id for p in found(verify(), CHANGED, "event")] == [event.pk]


def test_a_version_deleted_by_sql_is_reported_by_record_and_time(history: dict[str, Any]) -> None:
    record = history["second"]
    version = RecordVersion.objects.get(record=record, number=1)
    sql(f"DELETE FROM {RecordVersion._meta.db_table} WHERE id = %s", [version.pk])
    report = verify()
    [problem] = found(report, DELETED, "version")
    assert (problem.object_id, problem.record_id) == (version.pk, record.pk)
    assert problem.when


def test_an_addendum_and_an_event_deleted_by_sql(history: dict[str, Any]) -> None:
    addendum = history["addendum"]
    event = AuditEvent.objects.get(verb="record.addendum")
    sql(f"DELETE FROM {Addendum._meta.db_table} WHERE id = %s", [addendum.pk])
    sql(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [event.pk])
    report = verify()
    assert [p.object_id for p in found(report, DELETED, "addendum")] == [addendum.pk]
    assert [(p.object_id, p.record_id) for p in found(report, DELETED, "event")] == [(event.pk, history["locked"].pk)]


def test_a_record_deleted_with_its_history_by_sql(history: dict[str, Any]) -> None:
    record = history["first"]
    sql(f"DELETE FROM {RecordVersion._meta.db_table} WHERE record_id = %s", [record.pk])
    sql("DELETE FROM records_recordparticipant WHERE record_id = %s", [record.pk])
    sql(f"DELETE FROM {WorkRecord._meta.db_table} WHERE id = %s", [record.pk])
    assert [p.record_id for p in found(verify(), DELETED, "version")] == [record.pk]


def test_rows_inserted_by_sql(history: dict[str, Any], org: Org) -> None:
    record = history["first"]
    version = RecordVersion.objects.get(record=record, number=1)
    sql(
        f"INSERT INTO {RecordVersion._meta.db_table} (record_id, number, data, changed_by_id, changed_at) "
        "VALUES (%s, 2, %s, %s, %s)",
        [record.pk, json.dumps(version.data), org.author.pk, version.changed_at],
    )
    sql(
        f"INSERT INTO {Addendum._meta.db_table} (record_id, author_id, created_at, content) VALUES (%s, %s, %s, %s)",
        [record.pk, org.author.pk, version.changed_at, "事后补写的说明"],
    )
    sql(
        f"INSERT INTO {AuditEvent._meta.db_table} (at, actor_id, verb, target_type, target_id, data) "
        "VALUES (%s, %s, 'record.create', 'records.workrecord', %s, '{}')",
        [version.changed_at, org.author.pk, str(record.pk)],
    )
    report = verify()
    assert [p.record_id for p in found(report, INSERTED, "version")] == [record.pk]
    assert [p.record_id for p in found(report, INSERTED, "addendum")] == [record.pk]
    assert [p.record_id for p in found(report, INSERTED, "event")] == [record.pk]
    # the record's number of versions no longer matches its latest one
    assert [p.record_id for p in found(report, CHANGED, "record")] == [record.pk]


def test_a_record_inserted_by_sql_has_no_history(history: dict[str, Any]) -> None:
    record = history["first"]
    columns = [f.column for f in WorkRecord._meta.concrete_fields if f.column not in ("id", "withdrawn_at")]
    sql(
        f"INSERT INTO {WorkRecord._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(columns)} FROM {WorkRecord._meta.db_table} WHERE id = %s",
        [record.pk],
    )
    [problem] = found(verify(), INSERTED, "record")
    assert problem.record_id != record.pk and "没有任何版本" in problem.detail


def test_a_chain_entry_changed_or_removed(history: dict[str, Any]) -> None:
    entry = ChainEntry.objects.filter(kind="version").order_by("id").first()
    assert entry is not None
    ChainEntry.objects.filter(pk=entry.pk).update(content_hash="0" * 64)
    report = verify()
    assert found(report, CHAIN, "version") and found(report, CHANGED, "version")
    ChainEntry.objects.filter(pk=entry.pk).delete()
    report = verify()
    assert any("缺少序号" in p.detail for p in report.problems) or any(p.what == INSERTED for p in report.problems)
    assert [p.object_id for p in found(report, INSERTED, "version")] == [entry.object_id]


def test_the_tail_of_a_chain_cut_off(history: dict[str, Any]) -> None:
    last = ChainEntry.objects.order_by("-id").first()
    assert last is not None
    sql(f"DELETE FROM {ChainEntry._meta.db_table} WHERE id = %s", [last.pk])
    report = verify()
    assert any(p.what == CHAIN and "链头" in p.detail for p in report.problems)


def test_audit_events_without_a_person_are_sealed_too(org: Org) -> None:
    audit(actor=None, verb="demo.build", target=org.root, data={"records": 0, "when": timezone.now()})
    assert ChainHead.objects.get(shard=0).seq >= 1
    assert verify().ok


@pytest.mark.parametrize("value", [1.5, 10**20, 1e20, "文字", [1, {"b": 2, "a": None}], True])
def test_the_canonical_form_survives_the_database_round_trip(org: Org, value: Any) -> None:
    audit(actor=org.admin, verb="test.value", target=org.root, data={"z": value, "a": [value]})
    assert verify().ok


def test_sealing_adds_three_statements_to_a_write(org: Org, django_assert_num_queries: Any) -> None:
    from django.db import transaction

    audit(actor=org.author, verb="test.first", target=org.root)  # the chain's head exists from the first write on
    with transaction.atomic(), django_assert_num_queries(4):  # the event, then: lock head, insert entries, move head
        audit(actor=org.author, verb="test.cost", target=org.root, data={})
    assert verify().ok


def test_writers_of_different_chains_lock_different_heads(org: Org) -> None:
    from jishi.integrity.services import shard_for

    audit(actor=org.author, verb="test.a", target=org.root)
    audit(actor=org.colleague, verb="test.b", target=org.root)
    shards = {shard_for(org.author.pk), shard_for(org.colleague.pk)}
    assert len(shards) == 2 and set(ChainHead.objects.filter(seq__gt=0).values_list("shard", flat=True)) >= shards


def test_sm3_is_a_setting(history: dict[str, Any]) -> None:
    from django.test import override_settings

    from jishi.integrity.services import chain_reseal

    with override_settings(JISHI_CHAIN_ALGORITHM="sm3"):
        ChainEntry.objects.all().delete()
        ChainHead.objects.all().delete()
        chain_reseal()
        assert verify().ok
    assert not verify().ok  # sealed with SM3, checked with SHA-256: nothing matches


def test_a_missing_algorithm_fails_loudly_at_start_up() -> None:
    from django.core.exceptions import ImproperlyConfigured
    from django.test import override_settings

    from jishi.integrity import conf

    conf.check()
    with override_settings(JISHI_CHAIN_ALGORITHM="sm3-not-here"), pytest.raises(ImproperlyConfigured, match="sm3"):
        conf.check()


def test_comments_are_sealed_and_their_text_cannot_be_changed_behind_jishi(history: dict[str, Any], org: Org) -> None:
    from jishi.supervision.models import CommentVersion
    from jishi.supervision.services import comment_create, comment_edit

    record = history["first"]
    comment = comment_create(actor=org.section_head, record=record, text="思路清楚，请把分工表发给国库科")
    comment_edit(actor=org.section_head, comment=comment, text="思路清楚，请把分工表发给国库科和预算科")
    assert verify().ok
    first = CommentVersion.objects.get(comment=comment, number=1)
    sql(f"UPDATE {CommentVersion._meta.db_table} SET text = %s WHERE id = %s", ["改写的点评", first.pk])
    [problem] = found(verify(), CHANGED, "comment")
    assert (problem.object_id, problem.record_id) == (first.pk, record.pk)
