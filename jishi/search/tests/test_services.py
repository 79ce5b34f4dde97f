"""Keeping the index current: record services, bulk import, rebuild and re-indexing given records."""

from __future__ import annotations

import pytest
from django.db import connection

from jishi.records.imports import import_records
from jishi.records.models import WorkRecord
from jishi.records.tests.test_imports import people, row, to_csv  # noqa: F401 — `people` is a fixture
from jishi.search.models import SearchEntry
from jishi.search.services import index_rebuild, index_records
from jishi.search.tests.test_selectors import found, untimed
from jishi.testing import Org

pytestmark = pytest.mark.django_db


def test_imported_records_are_searchable(people: Org) -> None:  # noqa: F811
    text = "与区财政局对接预算编制，核对甲乙丙三项重点支出"
    import_records(actor=people.admin, data=to_csv([row(工作内容=text)]), filename="old.csv")
    record = WorkRecord.objects.get(content=text)
    assert found(people.colleague, "甲乙丙") == [record.pk]


def test_rebuild_indexes_every_record_once(org: Org) -> None:
    a = untimed(org.author, "到区信访办协调群众反映的停车难问题，形成处理意见")
    b = untimed(org.colleague, "接待信访群众，解释预算公开政策并记录诉求")
    # A write behind the services' back (a restore, a script) is what a rebuild repairs.
    WorkRecord.objects.filter(pk=a.pk).update(content="到区住建委协调老旧小区加装电梯事项，形成处理意见")
    assert found(org.colleague, "电梯") == []
    report = index_rebuild()
    assert report.records == 2
    assert SearchEntry.objects.count() == 2
    assert found(org.colleague, "电梯") == [a.pk]
    assert found(org.colleague, "信访") == [b.pk]


def test_index_records_replaces_the_given_entries(org: Org) -> None:
    a = untimed(org.author, "到区信访办协调群众反映的停车难问题，形成处理意见")
    WorkRecord.objects.filter(pk=a.pk).update(place="嘉定新城会议中心")
    assert index_records([a.pk, a.pk, 987654]) == 1
    assert SearchEntry.objects.count() == 1
    assert found(org.colleague, "新城") == [a.pk]
    assert found(org.colleague, "停车") == [a.pk]


def test_the_index_table_is_the_vendors_own() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'search_entry'")
            assert any("gin" in row[0] for row in cursor.fetchall())
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'search_entry'")
            assert "fts5" in cursor.fetchone()[0]


def test_the_command_rebuilds_or_reindexes(org: Org) -> None:
    from io import StringIO

    from django.core.management import call_command

    record = untimed(org.author, "到区信访办协调群众反映的停车难问题，形成处理意见")
    out = StringIO()
    call_command("search_index", stdout=out)
    assert "检索索引已重建：1 条记实" in out.getvalue()
    call_command("search_index", "--records", str(record.pk), stdout=out)
    assert "已重建 1 条记实的检索索引" in out.getvalue()
    assert found(org.colleague, "停车") == [record.pk]


@pytest.mark.django_db(transaction=True)  # short transactions of its own; PostgreSQL's CREATE INDEX CONCURRENTLY
def test_a_live_rebuild_fills_the_index_beside_record_writes() -> None:
    """The demo world serves before its index is built: writes meanwhile must not be lost or undone."""
    from django.test import Client

    from jishi.records.services import RecordInput, record_update
    from jishi.search.services import index_defer, index_ready
    from jishi.testing import build_org

    org = build_org()
    edited = untimed(org.author, "到区信访办协调群众反映的停车难问题，形成处理意见")
    untouched = untimed(org.colleague, "接待信访群众，解释预算公开政策并记录诉求")
    index_defer()  # the demo world before its index
    assert not index_ready() and SearchEntry.objects.count() == 0
    client = Client()
    client.force_login(org.colleague)
    assert "检索索引正在建立中" in client.get("/search/", {"q": "信访"}).content.decode()
    # A record edited while the index is empty indexes itself; the rebuild must keep that newer entry.
    data = RecordInput.from_record(edited)
    data.content = "到区住建委协调老旧小区加装电梯事项，形成处理意见"
    record_update(actor=org.author, record=edited, data=data)
    report = index_rebuild(live=True, parallel=False)
    assert report.records == 2 and SearchEntry.objects.count() == 2
    assert index_ready()
    assert found(org.colleague, "电梯") == [edited.pk]
    assert found(org.colleague, "停车") == []
    assert found(org.colleague, "预算") == [untouched.pk]
    assert "检索索引正在建立中" not in client.get("/search/", {"q": "信访"}).content.decode()
    later = untimed(org.author, "整理加装电梯的居民意见，报送区住建委")  # written after the swap: indexed as usual
    assert sorted(found(org.colleague, "电梯")) == sorted([later.pk, edited.pk])


def test_a_full_rebuild_after_a_stopped_live_one_leaves_the_index_ready(org: Org) -> None:
    from jishi.search.services import index_defer, index_ready

    record = untimed(org.author, "到区信访办协调群众反映的停车难问题，形成处理意见")
    index_defer()  # as if a live rebuild had begun and Jishi had stopped
    assert not index_ready()
    index_rebuild()
    assert index_ready() and found(org.colleague, "停车") == [record.pk]


@pytest.mark.django_db(transaction=True)
def test_only_one_live_rebuild_runs_at_a_time() -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    from jishi.search.services import REBUILD_LOCK, RebuildRunning, _one_live_rebuild

    if connection.vendor == "postgresql":  # an advisory lock is re-entrant within a session: hold it from another
        import psycopg

        other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
        other.execute("SELECT pg_advisory_lock(%s)", [REBUILD_LOCK])
        try:
            with pytest.raises(RebuildRunning):
                index_rebuild(live=True)
        finally:
            other.close()
        return
    with _one_live_rebuild():
        with pytest.raises(RebuildRunning):
            index_rebuild(live=True)
        with pytest.raises(CommandError, match="另一个检索索引重建正在进行"):
            call_command("search_index", "--live", stdout=StringIO())
