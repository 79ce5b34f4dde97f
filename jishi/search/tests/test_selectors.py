"""Searching records: what is found, in what order, and never what the reader may not see."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone

from jishi.org.models import Duty
from jishi.records.models import Visibility, WorkRecord
from jishi.records.selectors import RecordFilters
from jishi.records.services import RecordInput, record_update
from jishi.search import selectors
from jishi.search.selectors import Snippet, search_records
from jishi.testing import Org, category, write_record


def shown(snippet: Snippet) -> str:
    """The snippet as the results page writes it (search/_snippet.html)."""
    return render_to_string("search/_snippet.html", {"snippet": snippet})


pytestmark = pytest.mark.django_db


def untimed(author: Any, content: str, **overrides: Any) -> WorkRecord:
    """A record without clock times, so one author can have several on a day."""
    return write_record(author, content=content, start_time=None, end_time=None, duration_minutes=30, **overrides)


def found(user: Any, text: str, **kwargs: Any) -> list[int]:
    return [hit.record.pk for hit in search_records(user=user, text=text, **kwargs).hits]


def test_two_character_words_are_found(org: Org) -> None:
    petition = untimed(org.author, "到区信访办协调群众反映的停车难问题，形成处理意见")
    untimed(org.author, "参加预算编制培训，整理本科室三项支出测算表")
    assert found(org.colleague, "信访") == [petition.pk]
    assert found(org.colleague, "停车") == [petition.pk]


def test_one_character_words_are_found_wherever_they_stand(org: Org) -> None:
    middle = untimed(org.author, "到区信访办协调群众反映的停车难问题，形成处理意见")
    end = untimed(org.author, "整理本科室三项支出测算表，报分管领导审")  # 审 closes the text
    untimed(org.author, "参加预算编制培训，讨论下一年度的工作安排")
    assert found(org.colleague, "访") == [middle.pk]
    assert found(org.colleague, "审") == [end.pk]


def test_ascii_words_ignore_case_and_full_width(org: Org) -> None:
    record = untimed(org.author, "把预算执行情况整理成Excel表格，并导出PDF报送区财政局")
    assert found(org.colleague, "excel") == [record.pk]
    assert found(org.colleague, "ＰＤＦ") == [record.pk]
    assert found(org.colleague, "pd") == []  # whole words only


def test_several_words_must_all_occur(org: Org) -> None:
    both = untimed(org.author, "到区信访办协调停车难问题，并核对本季度预算执行数据")
    untimed(org.author, "到区信访办协调群众反映的停车难问题，形成处理意见")
    assert found(org.colleague, "信访 预算") == [both.pk]


def test_a_longer_word_matches_as_a_phrase_not_as_scattered_pairs(org: Org) -> None:
    phrase = untimed(org.author, "到区信访办协调群众反映的停车难问题，形成处理意见")
    scattered = untimed(org.author, "处理信访事项两件，走访办事处了解群众诉求并记录")
    assert found(org.colleague, "信访办") == [phrase.pk]
    assert set(found(org.colleague, "信访")) == {phrase.pk, scattered.pk}
    assert found(org.colleague, "访办事") == [scattered.pk]
    assert found(org.colleague, "项走") == []  # never across punctuation


def test_place_result_and_reflection_are_searched_and_shown(org: Org) -> None:
    record = untimed(
        org.author, "与街道对接老旧小区加装电梯事项，梳理居民意见", place="嘉定镇街道会议室", result="形成三条整改建议"
    )
    hit = search_records(user=org.colleague, text="整改").hits[0]
    assert hit.record.pk == record.pk
    assert [s.field for s in hit.snippets] == ["content", "result"]
    assert "<mark>整改</mark>" in shown(hit.snippets[1])
    assert found(org.colleague, "会议室") == [record.pk]


def test_more_occurrences_rank_higher(org: Org) -> None:
    once = untimed(org.author, "整理本科室三项支出测算表，顺带回复一件信访来件的办理情况")
    thrice = untimed(org.author, "信访接待日：接待信访群众三批，现场答复信访诉求并登记")
    assert found(org.colleague, "信访") == [thrice.pk, once.pk]
    newest = found(org.colleague, "信访", order="newest")
    assert newest == [thrice.pk, once.pk]  # same date: the later id first


def test_filters_narrow_the_matches(org: Org) -> None:
    today = timezone.localdate()
    duty = Duty.objects.get(code="CZJ-01")
    a = untimed(org.author, "到区信访办协调群众反映的停车难问题，形成处理意见", duty_id=duty.pk)
    b = untimed(
        org.colleague,
        "接待信访群众，解释预算公开政策并记录诉求",
        category_id=category("research").pk,
        date=today - datetime.timedelta(days=2),
    )
    c = untimed(org.unrelated, "陪同救助对象到信访接待中心反映低保问题")

    def only(**filters: Any) -> list[int]:
        return sorted(found(org.inspector, "信访", filters=RecordFilters(**filters)))

    assert only() == sorted([a.pk, b.pk, c.pk])
    assert only(author_id=org.colleague.pk) == [b.pk]
    assert only(category_id=category("research").pk) == [b.pk]
    assert only(date_to=today - datetime.timedelta(days=1)) == [b.pk]
    assert only(date_from=today) == sorted([a.pk, c.pk])
    assert only(unit_id=org.finance.pk) == sorted([a.pk, b.pk])  # with its sections
    assert only(duty_id=duty.pk) == [a.pk]


def test_the_index_follows_create_and_edit(org: Org) -> None:
    record = untimed(org.author, "到区信访办协调群众反映的停车难问题，形成处理意见")
    assert found(org.colleague, "停车") == [record.pk]
    data = RecordInput.from_record(record)
    data.content = "到区住建委协调老旧小区加装电梯事项，形成处理意见"
    record_update(actor=org.author, record=record, data=data)
    assert found(org.colleague, "停车") == []
    assert found(org.colleague, "电梯") == [record.pk]


def test_sensitive_content_is_found_only_by_those_who_may_read_it(org: Org) -> None:
    secret = untimed(org.author, "核对干部考察材料中的甲乙丙事项并提出处理意见", is_sensitive=True)
    # 民政局 staff see that the record exists, but not its content: the words do not find it.
    assert WorkRecord.objects.visible_to(org.unrelated).filter(pk=secret.pk).exists()
    assert found(org.unrelated, "甲乙丙") == []
    assert found(org.unrelated, "考察") == []
    # The author's 本单位, superiors and scoped roles find and see it highlighted.
    for reader in (org.author, org.sibling, org.unit_head, org.district_deputy, org.inspector):
        hits = search_records(user=reader, text="甲乙丙").hits
        assert [h.record.pk for h in hits] == [secret.pk], reader
        assert "<mark>甲乙丙</mark>" in shown(hits[0].snippets[0])


def test_hidden_records_are_never_found(org: Org) -> None:
    restricted = untimed(org.author, "起草甲乙丙协调事项的请示稿，报分管领导", visibility=Visibility.SUPERIORS)
    assert found(org.unrelated, "甲乙丙") == []
    assert found(org.sibling, "甲乙丙") == []  # same 本单位 but not a superior
    assert found(org.section_head, "甲乙丙") == [restricted.pk]
    assert found(org.author, "甲乙丙") == [restricted.pk]


def test_highlighting_escapes_html(org: Org) -> None:
    untimed(org.author, "在<script>alert(1)</script>旁整理信访台账，核对来件数量")
    html = shown(search_records(user=org.colleague, text="信访").hits[0].snippets[0])
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>信访</mark>" in html


@pytest.mark.parametrize("text", ["", "   ", "信" * 101, "！！？？", "a b c d e f g h i"])
def test_unsearchable_queries_are_a_validation_error_on_q(org: Org, text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        search_records(user=org.colleague, text=text)
    assert caught.value.message_dict["q"]


def test_pages_without_counting(org: Org) -> None:
    ids = [untimed(org.author, f"第{n}次到区信访办协调群众反映的停车难问题") for n in range(5)]
    first = search_records(user=org.colleague, text="信访", size=2)
    second = search_records(user=org.colleague, text="信访", size=2, page=first.next_page or 0)
    third = search_records(user=org.colleague, text="信访", size=2, page=3)
    seen = [h.record.pk for page in (first, second, third) for h in page.hits]
    assert sorted(seen) == sorted(r.pk for r in ids)
    assert third.next_page is None
    newest = search_records(user=org.colleague, text="信访", order="newest", size=3)
    rest = search_records(user=org.colleague, text="信访", order="newest", size=3, cursor=newest.next_cursor)
    assert [h.record.pk for h in newest.hits + rest.hits] == [r.pk for r in reversed(ids)]
    assert rest.next_cursor is None


def test_very_common_words_come_newest_first_and_say_so(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "RANK_LIMIT", 2)
    monkeypatch.setattr(selectors, "WINDOWS_FROM", 2)  # and take the index-probing shape (the word is in all)
    ids = [untimed(org.author, f"第{n}次参加信访工作例会，汇报本科室停车难问题进展") for n in range(3)]
    results = search_records(user=org.colleague, text="信访")
    assert results.order == "newest"
    assert "已按时间从新到旧排列" in results.notice
    assert [h.record.pk for h in results.hits] == [r.pk for r in reversed(ids)]
    assert found(org.unrelated, "例会") == [r.pk for r in reversed(ids)]


@pytest.mark.parametrize("walk_share", [0.0, 2.0])  # the date-index walk; the widening windows
def test_common_words_shape_keeps_sensitive_content_out(
    org: Org, monkeypatch: pytest.MonkeyPatch, walk_share: float
) -> None:
    monkeypatch.setattr(selectors, "WINDOWS_FROM", 0)
    monkeypatch.setattr(selectors, "WALK_SHARE", walk_share)
    untimed(org.author, "核对干部考察材料中的甲乙丙事项并提出处理意见", is_sensitive=True)
    assert found(org.unrelated, "甲乙丙", order="newest") == []
    assert len(found(org.sibling, "甲乙丙", order="newest")) == 1


def test_newest_first_windows_fill_the_page_across_days_and_continue_from_the_cursor(
    org: Org, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """Widening date windows (1, 2, 4 … days back) give the same pages as sorting every match: newest first,
    complete, and a later page takes up where the first ended — records written late for an old date included."""
    monkeypatch.setattr(selectors, "WINDOWS_FROM", 0)
    monkeypatch.setattr(selectors, "WALK_SHARE", 2.0)
    settings.JISHI_LATE_ENTRY_DAYS = 60
    today = timezone.localdate()
    days = [today - datetime.timedelta(days=n) for n in (0, 1, 1, 3, 6, 6, 13, 40)]
    written = [untimed(org.author, f"第{n}次到区信访办协调停车难问题", date=day) for n, day in enumerate(days)]
    written.append(untimed(org.author, "补记：到区信访办协调停车难问题", date=today - datetime.timedelta(days=2)))
    untimed(org.author, "参加预算编制培训，整理本科室三项支出测算表", date=today)
    newest = sorted(written, key=lambda r: (r.date, r.pk), reverse=True)
    expected = [r.pk for r in newest]
    first = search_records(user=org.colleague, text="信访", order="newest", size=4)
    assert [h.record.pk for h in first.hits] == expected[:4]
    pages = [first]
    while pages[-1].next_cursor:
        pages.append(
            search_records(user=org.colleague, text="信访", order="newest", size=4, cursor=pages[-1].next_cursor)
        )
    assert [h.record.pk for page in pages for h in page.hits] == expected
    monkeypatch.setattr(selectors, "WINDOWS_FROM", 10_000)  # the sorted shape agrees
    assert found(org.colleague, "信访", order="newest", size=20) == expected
    within = RecordFilters(date_from=today - datetime.timedelta(days=6), date_to=today - datetime.timedelta(days=1))
    monkeypatch.setattr(selectors, "WINDOWS_FROM", 0)
    assert found(org.colleague, "信访", order="newest", filters=within) == [
        r.pk
        for r in newest
        if within.date_from <= r.date <= within.date_to  # type: ignore[operator]
    ]


@pytest.mark.parametrize("walk_share", [0.0, 2.0])  # walks the list's date index; fetches and sorts the matches
def test_the_list_filter_q_finds_the_same_in_either_shape_and_never_sensitive_content(
    org: Org, monkeypatch: pytest.MonkeyPatch, walk_share: float
) -> None:
    from jishi.records.selectors import filtered_records

    monkeypatch.setattr(selectors, "LIST_WALK_SHARE", walk_share)
    hidden = untimed(org.author, "核对干部考察材料中的甲乙丙事项并提出处理意见", is_sensitive=True)
    shown_to_all = untimed(org.author, "到甲乙丙社区走访，了解停车难问题")
    untimed(org.author, "参加预算编制培训，整理本科室三项支出测算表")

    def listed(user: Any) -> list[int]:
        records = filtered_records(user=user, filters=RecordFilters(q="甲乙丙"))
        return list(records.order_by("-date", "-id").values_list("id", flat=True))

    assert listed(org.unrelated) == [shown_to_all.pk]
    assert listed(org.sibling) == [shown_to_all.pk, hidden.pk]


def test_addenda_are_searched_with_their_record(org: Org) -> None:
    from jishi.records.services import addendum_create

    record = untimed(org.author, "核对干部考察材料中的有关事项并提出处理意见", is_sensitive=True)
    later = record.locks_at + datetime.timedelta(days=1)
    addendum_create(actor=org.author, record=record, content="更正：涉及甲乙丙三个单位", now=later)
    hits = search_records(user=org.sibling, text="甲乙丙").hits
    assert [h.record.pk for h in hits] == [record.pk]
    assert [s.field for s in hits[0].snippets] == ["content", "addenda"]
    assert "<mark>甲乙丙</mark>" in shown(hits[0].snippets[1])
    assert found(org.unrelated, "甲乙丙") == []  # the addenda of sensitive content are as hidden as the content


def test_searches_are_planned_for_their_values_on_postgresql(org: Org) -> None:
    """A generic plan kept for a prepared statement made a common word's search 20x slower at 10x Jiading: inside a
    search PostgreSQL plans every statement for its values; the setting ends with the search."""
    from django.db import connection

    def mode() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW plan_cache_mode")
            return str(cursor.fetchone()[0])

    if connection.vendor != "postgresql":
        with selectors.planned_for_their_values():  # nothing to set elsewhere
            assert connection.vendor == "sqlite"
        return
    before = mode()
    with selectors.planned_for_their_values():
        assert mode() == "force_custom_plan"
    assert mode() == before == "auto"
    write_record(org.author, content="召开预算编制会议，布置重点支出任务")
    assert [h.record.content for h in search_records(user=org.author, text="预算", order="newest").hits]
    assert mode() == "auto"
