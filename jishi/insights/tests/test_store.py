"""The analytics store on a small world: every table's columns, and the rows a figure would be built from.

November 2026: Monday 2 to Friday 6, with Wednesday the 4th made a holiday by an override. 预算科's 张伟 (author)
files every working day and once on the holiday; 李娜 (colleague) is on leave on the 5th and 6th and files the 2nd
only; one of 张伟's records is withdrawn, one is 仅上级, one is sensitive.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.utils import timezone

from jishi.insights import engine, store, text
from jishi.org.models import Absence, AbsenceKind, CalendarOverride
from jishi.records.models import Visibility, WorkRecord
from jishi.supervision.models import Comment, Dimension
from jishi.testing import Org, build_org, write_record

pytestmark = pytest.mark.django_db

T = datetime.time
HOLIDAY = datetime.date(2026, 11, 4)


def day(n: int) -> datetime.date:
    return datetime.date(2026, 11, n)


@pytest.fixture
def world(settings: Any, tmp_path: Path) -> Org:
    settings.JISHI_INSIGHTS_DIR = tmp_path / "insights"
    settings.JISHI_LATE_ENTRY_DAYS = 100_000  # the world is written after its dates
    org = build_org()
    CalendarOverride.objects.create(date=HOLIDAY, is_working_day=False, name="测试假日")
    Absence.objects.create(person=org.colleague, kind=AbsenceKind.LEAVE, start=day(5), end=day(6))
    same = "审核教育局年中预算追加申请，建议先调剂再追加"
    write_record(org.author, date=day(2), content=same, start_time=T(9), end_time=T(10))
    write_record(org.author, date=day(3), content=same, start_time=T(17), end_time=T(19))
    write_record(
        org.author,
        date=HOLIDAY,
        content="防汛值班，巡查蕰藻浜沿线泵站三处，排除险情一处",
        start_time=T(20),
        end_time=T(22),
    )
    write_record(
        org.author,
        date=day(5),
        content="参加干部考察谈话，确定考察人选名单并报组织部",
        is_sensitive=True,
        start_time=T(9),
        end_time=T(10),
    )
    write_record(
        org.author,
        date=day(6),
        content="研究信访积案化解方案，约谈当事人两名",
        visibility=Visibility.SUPERIORS,
        start_time=T(9),
        end_time=T(10),
    )
    withdrawn = write_record(
        org.author,
        date=day(6),
        content="撤回的记录：防汛物资检查，核对沙袋和水泵数量",
        start_time=T(11),
        end_time=T(12),
    )
    WorkRecord.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now(), withdrawal_reason="写错了")
    sorting = "检查马陆镇垃圾分类工作，发现问题三处并督促整改"
    write_record(org.colleague, date=datetime.date(2026, 10, 30), content=sorting, start_time=T(9), end_time=T(11))
    write_record(org.colleague, date=day(2), content=sorting, start_time=T(9), end_time=T(11))
    first = write_record(org.author, date=datetime.date(2026, 10, 29), content=sorting + "复查")
    # A superior's comment at two in the morning, local time, on the first of the month: the month's act.
    Comment.objects.create(
        record=first,
        author=org.section_head,
        text="请补充整改时限",
        created_at=datetime.datetime(2026, 11, 1, 2, 0, tzinfo=timezone.get_default_timezone()),
        dimension=Dimension.VERTICAL,
        actor_unit=org.budget,
    )
    store.rebuild(date_from=day(1), date_to=datetime.date(2026, 11, 30))
    return org


def rows(sql: str, params: Any = None) -> list[dict[str, Any]]:
    return engine.query(sql, params)


def test_every_table_has_its_columns(world: Org) -> None:
    for table, schema in store.SCHEMAS.items():
        columns = [r["column_name"] for r in rows(f'DESCRIBE "{table}"')]
        expected = schema.names + (["month"] if table in store.FACTS else [])
        assert columns == expected, table
    written = pq.read_schema(store.partition_path("records", day(1)))
    assert written.names == store.SCHEMAS["records"].names
    assert str(written.field("start_minute").type) == "int32"


def test_records_leave_out_withdrawn_ones_and_derive_their_columns(world: Org) -> None:
    records = rows("SELECT * FROM records WHERE author_id = ? ORDER BY date, id", [world.author.pk])
    assert [r["date"] for r in records] == [day(2), day(3), HOLIDAY, day(5), day(6)]
    assert "撤回" not in str(records)
    first, second, holiday = records[:3]
    assert first["working_day"] and not holiday["working_day"]
    assert (first["start_minute"], first["minutes"], first["evening_minutes"]) == (540, 60, 0)
    assert (second["start_minute"], second["minutes"], second["evening_minutes"]) == (17 * 60, 120, 60)
    assert holiday["evening_minutes"] == 120
    assert first["unit_id"] == world.budget.pk and first["department_id"] == world.finance.pk
    assert first["month"] == "2026-11" and first["submit_lag_days"] == (timezone.localdate() - day(2)).days
    assert first["submitted_at"].tzinfo is None  # local wall-clock time
    assert first["similar_to_previous"] == 0.0 and first["previous_similar_id"] is None
    assert second["similar_to_previous"] == 1.0 and second["previous_similar_id"] == first["id"]
    assert holiday["similar_to_previous"] < 0.2
    assert [r["visibility"] for r in records][-1] == Visibility.SUPERIORS
    assert [r["is_sensitive"] for r in records] == [False, False, False, True, False]


def test_similarity_reaches_back_across_the_month_it_rebuilds(world: Org) -> None:
    (record,) = rows("SELECT * FROM records WHERE author_id = ?", [world.colleague.pk])
    october = WorkRecord.objects.get(author=world.colleague, date=datetime.date(2026, 10, 30))
    assert (record["similar_to_previous"], record["previous_similar_id"]) == (1.0, october.pk)


def test_similarity_is_the_jaccard_index_of_3_grams() -> None:
    a, b = "召开防汛工作会议，部署三项任务", "召开防汛工作会议，部署四项任务"
    assert text.similarity(a, b) == pytest.approx(10 / 16)
    assert text.similarity("", "") == 0.0 and text.similarity(a, a) == 1.0
    rows_in = [
        (1, 7, "2026-10-30", a),
        (2, 7, "2026-11-02", b),
        (3, 7, "2026-11-02", b),  # the same day is not compared with
        (4, 8, "2026-11-03", b),  # another author
    ]
    scored = list(text.similarity_to_previous(rows_in, since="2026-11-01"))
    assert scored == [(2, pytest.approx(10 / 16), 1), (3, pytest.approx(10 / 16), 1), (4, 0.0, None)]


def test_supervision_acts_fall_in_the_month_of_their_local_day(world: Org) -> None:
    acts = rows("SELECT * EXCLUDE (month) FROM supervision")
    assert acts == [
        {
            "kind": "comment",
            "date": day(1),
            "actor_id": world.section_head.pk,
            "actor_department_id": world.finance.pk,
            "author_id": world.author.pk,
            "author_department_id": world.finance.pk,
            "dimension": "vertical",
            "is_leader": False,
        }
    ]


def test_owed_days_follow_the_calendar_absences_and_the_obligation(world: Org) -> None:
    owed = rows("SELECT person_id, date, unit_id, department_id, filed FROM owed WHERE date <= ?", [day(6)])
    author = {r["date"]: r["filed"] for r in owed if r["person_id"] == world.author.pk}
    assert author == {day(2): True, day(3): True, day(5): True, day(6): True}  # the withdrawn one is not the filing
    colleague = {r["date"]: r["filed"] for r in owed if r["person_id"] == world.colleague.pk}
    assert colleague == {day(2): True, day(3): False}  # on leave the 5th and 6th, the 4th a holiday
    assert not [r for r in owed if r["person_id"] == world.social_worker.pk]  # no filing obligation
    assert {r["unit_id"] for r in owed if r["person_id"] == world.author.pk} == {world.budget.pk}
    assert {r["department_id"] for r in owed if r["person_id"] == world.author.pk} == {world.finance.pk}


def test_sensitive_and_restricted_words_never_reach_terms(world: Org) -> None:
    terms = rows("SELECT t.term, r.content_length FROM terms t JOIN records r ON r.id = t.record_id")
    words = {r["term"] for r in terms}
    assert "防汛" in words  # from the holiday's 政府内部 record
    assert not words & {"干部考察", "考察", "信访"}
    hidden = rows(
        "SELECT count(*) AS n FROM terms t JOIN records r ON r.id = t.record_id "
        "WHERE r.is_sensitive OR r.visibility NOT IN ('public', 'internal')"
    )
    assert hidden == [{"n": 0}]


def test_terms_are_topics_terms_run_by_run() -> None:
    from jishi.duties.text import lexicon_terms
    from jishi.insights import topics

    words = sorted(lexicon_terms())
    assert not [w for w in words if store._TERM_BREAK.search(w)]  # no term holds a break: runs hold them all
    contents = [
        "召开防汛工作会议，部署防汛物资检查；核对沙袋和水泵数量",
        "垃圾分类检查（马陆镇），12345工单回访3件，PM2.5监测",
        *("，".join(words[i : i + 7]) + "，" + "".join(words[i + 7 : i + 12]) for i in range(0, 700, 12)),
    ]
    cache: dict[str, list[str]] = {}
    for content in contents:
        assert store.record_terms(content, cache) == topics.terms(content), content


def test_dimensions(world: Org) -> None:
    units = {r["id"]: r for r in rows("SELECT * FROM units")}
    assert units[world.budget.pk]["peer_group"] == "section" and units[world.finance.pk]["peer_group"] == "bureau"
    assert units[world.town.pk]["peer_group"] == "town"
    assert units[world.finance.pk]["department_id"] == world.finance.pk
    people = {r["id"]: r for r in rows("SELECT * FROM people")}
    assert people[world.author.pk]["unit_id"] == world.budget.pk
    assert people[world.author.pk]["department_id"] == world.finance.pk
    posts = rows('SELECT unit_id, "end" FROM assignments WHERE person_id = ?', [world.author.pk])
    assert posts == [{"unit_id": world.budget.pk, "end": None}]
    assert {r["code"] for r in rows("SELECT code FROM duties")} == {"CZJ-01", "MZJ-01"}
    assert engine.as_of() is not None


def test_a_failed_write_leaves_the_old_file_whole(world: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    path = store.partition_path("records", day(1))
    before = path.read_bytes()

    def broken(table: Any, where: Any) -> None:
        Path(where).write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", broken)
    with pytest.raises(OSError):
        store.rebuild(date_from=day(1), date_to=day(30))
    assert path.read_bytes() == before
    assert not list(store.store_dir().rglob("*.tmp"))
    assert len(rows("SELECT id FROM records")) == 6


def test_an_empty_store_has_every_view(settings: Any, tmp_path: Path) -> None:
    settings.JISHI_INSIGHTS_DIR = tmp_path / "empty"
    assert engine.as_of() is None
    assert rows("SELECT count(*) AS n FROM records") == [{"n": 0}]
    engine.ensure_built()
    assert engine.as_of() is not None
