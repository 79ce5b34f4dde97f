"""Suggestions from a person's own duties and past choices; coverage counted from what the viewer may read."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from jishi.duties.selectors import coverage_for, parse_period, suggest_duties, text_matched
from jishi.duties.tests.conftest import Duties, Records
from jishi.org.models import Duty
from jishi.testing import Org, make_post, write_record

pytestmark = pytest.mark.django_db


def codes(person: object, text: str, day: datetime.date | None = None) -> list[str]:
    return [s.duty.code for s in suggest_duties(person=person, content=text, day=day)]  # type: ignore[arg-type]


# ---- suggestions ----------------------------------------------------------------------------------------------


def test_a_clearly_matching_duty_is_suggested_first(org: Org, duties: Duties) -> None:
    assert codes(org.author, "审核教育局的年中预算追加申请")[0] == "CZJ-01"
    assert codes(org.author, "整理平台公司专项债还本付息台账")[0] == "CZJ-1-01"


def test_only_the_persons_own_duties_on_that_date(org: Org, duties: Duties) -> None:
    # 社会救助 is 民政局's, 政府采购监管 is 国库科's (the author is in 预算科), 绩效评价 is retired today.
    Duty.objects.filter(pk=duties.retired.pk).update(retired_on=timezone.localdate())
    assert "MZJ-01" not in codes(org.author, "入户核对低保家庭，发放社会救助金")
    assert "CZJ-2-01" not in codes(org.author, "参加框架协议政府采购的开标")
    assert "CZJ-09" not in codes(org.author, "汇总各部门财政资金绩效评价自评表")
    # Before it was retired, the same text finds it.
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert codes(org.author, "汇总各部门财政资金绩效评价自评表", yesterday)[0] == "CZJ-09"
    assert codes(org.sibling, "参加框架协议政府采购的开标")[0] == "CZJ-2-01"


def test_a_post_held_on_another_date_does_not_count(org: Org, duties: Duties) -> None:
    today = timezone.localdate()
    make_post(
        org.unrelated, org.budget, start=today - datetime.timedelta(days=30), end=today - datetime.timedelta(days=1)
    )
    assert "CZJ-01" not in codes(org.unrelated, "审核年中预算追加申请")
    assert codes(org.unrelated, "审核年中预算追加申请", today - datetime.timedelta(days=2))[0] == "CZJ-01"


def test_learns_from_the_persons_past_choices(org: Org, duties: Duties) -> None:
    text = "和区体育局对了一遍明年赛事的账"
    before = suggest_duties(person=org.author, content=text)
    assert not text_matched(before)  # offered, but nothing in the text pointed at a duty yet
    at = datetime.time
    for hour in (8, 10, 12, 14):
        write_record(
            org.author,
            duty_id=duties.budget_section.pk,
            start_time=at(hour),
            end_time=at(hour, 30),
            content=f"和区体育局对账，核对赛事场馆融资平台的存量债务（第{hour}批）",
        )
    from jishi.duties.selectors import clear_caches

    clear_caches()
    after = suggest_duties(person=org.author, content=text)
    assert after[0].duty.code == "CZJ-1-01" and after[0].from_text


def test_empty_text_suggests_nothing_and_garbage_says_it_matched_nothing(org: Org, duties: Duties) -> None:
    for text in ["", "   "]:
        assert codes(org.author, text) == []
    for text in ["？？？", "asdf jkl", "的了吗呢"]:
        found = suggest_duties(person=org.author, content=text)
        assert found and not text_matched(found)  # the person's usual duties, said plainly to be only that
    # 救助科 has no duty about budgets: its duties are offered, none as matching the text.
    assert not text_matched(suggest_duties(person=org.unrelated, content="审核年中预算追加申请"))


def test_a_person_without_posts_gets_nothing(org: Org, duties: Duties) -> None:
    from jishi.testing import PersonFactory

    assert codes(PersonFactory(), "审核年中预算追加申请") == []


# ---- coverage -------------------------------------------------------------------------------------------------


def test_unit_coverage_counts_what_the_viewer_may_read(org: Org, duties: Duties, records: Records, settings) -> None:
    settings.JISHI_MIN_GROUP_SIZE = 1
    seen_by_colleague = coverage_for(viewer=org.colleague, unit_id=org.finance.pk)
    lines = {line.duty.code: line for line in seen_by_colleague.covered}  # type: ignore[union-attr]
    assert lines["CZJ-01"].records == 2 and lines["CZJ-01"].minutes == 90
    assert lines["CZJ-09"].retired and lines["CZJ-09"].hours == 2.0
    assert seen_by_colleague.no_duty.records == 1 and seen_by_colleague.no_duty.minutes == 60
    # 国库科's record is only for superiors: not counted, and its duty shows as without work.
    assert "CZJ-2-01" not in lines
    assert {line.duty.code for line in seen_by_colleague.uncovered} >= {"CZJ-2-01", "CZJ-02", "CZJ-1-01"}  # type: ignore[union-attr]
    assert seen_by_colleague.total_records == 4
    assert seen_by_colleague.no_duty_percent == 25
    # 民政局's function is not in 财政局's catalogue.
    assert "MZJ-01" not in {line.duty.code for line in seen_by_colleague.uncovered}  # type: ignore[union-attr]

    seen_by_head = coverage_for(viewer=org.unit_head, unit_id=org.finance.pk)
    head_lines = {line.duty.code: line for line in seen_by_head.covered}  # type: ignore[union-attr]
    assert head_lines["CZJ-2-01"].minutes == records.hidden_minutes
    assert seen_by_head.total_records == 5


def test_person_coverage_shows_retired_and_work_without_duty(org: Org, duties: Duties, records: Records) -> None:
    mine = coverage_for(viewer=org.author, person_id=org.author.pk)
    assert mine.kind == "person"
    assert [line.duty.code for line in mine.covered] == ["CZJ-09", "CZJ-01"]  # type: ignore[union-attr]
    assert {line.duty.code for line in mine.uncovered} == {"CZJ-02", "CZJ-1-01"}  # type: ignore[union-attr]
    assert mine.no_duty.records == 1
    assert mine.total_hours == 4.5


def test_position_coverage_counts_its_holders_while_they_held_it(org: Org, duties: Duties, records: Records) -> None:
    position = org.author.assignments.get().position
    result = coverage_for(viewer=org.section_head, position_id=position.pk)
    assert result.kind == "position"
    assert sum(line.records for line in result.covered) == 3
    assert result.no_duty.records == 1


def test_a_retired_duty_without_work_before_the_period_is_left_out(org: Org, duties: Duties) -> None:
    Duty.objects.filter(pk=duties.treasury.pk).update(retired_on=datetime.date(2021, 1, 1))
    result = coverage_for(viewer=org.author, person_id=org.author.pk)
    assert "CZJ-02" not in {line.duty.code for line in result.uncovered}  # type: ignore[union-attr]


def test_who_may_see_coverage(org: Org, duties: Duties, records: Records) -> None:
    with pytest.raises(Http404):
        coverage_for(viewer=org.unrelated, unit_id=org.finance.pk)
    with pytest.raises(Http404):
        coverage_for(viewer=org.unrelated, person_id=org.author.pk)
    with pytest.raises(Http404):
        coverage_for(viewer=org.colleague, person_id=org.author.pk)  # a colleague is not a superior
    with pytest.raises(Http404):
        coverage_for(viewer=org.author, unit_id=999999)
    for viewer in (
        org.section_head,
        org.deputy_in_charge,
        org.unit_head,
        org.district_deputy,
        org.secretary,
        org.inspector,
        org.hr,
    ):
        assert coverage_for(viewer=viewer, person_id=org.author.pk).total_records >= 4
    assert coverage_for(viewer=org.secretary, unit_id=org.finance.pk).total_records == 5
    with pytest.raises(Http404):
        coverage_for(viewer=org.scoped_inspector, unit_id=org.finance.pk)  # scoped to 民政局 only


def test_bad_periods_are_refused_in_chinese() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_period("2026-03-31", "2026-01-01")
    assert "不能早于开始日期" in caught.value.message_dict["date_to"][0]
    with pytest.raises(ValidationError) as caught:
        parse_period("2026-13-01", None)
    assert "无法识别" in caught.value.message_dict["date_from"][0]
    with pytest.raises(ValidationError):
        parse_period("2020-01-01", "2026-01-01")
    assert parse_period(None, None, today=datetime.date(2026, 5, 17)) == (
        datetime.date(2026, 4, 1),
        datetime.date(2026, 5, 17),
    )
    assert parse_period("2026-01-01", "2026-01-01") == (datetime.date(2026, 1, 1), datetime.date(2026, 1, 1))


def test_naming_two_subjects_is_refused(org: Org) -> None:
    with pytest.raises(ValidationError):
        coverage_for(viewer=org.author, person_id=org.author.pk, unit_id=org.budget.pk)


def test_a_warm_suggestion_needs_no_query(org: Org, duties: Duties, django_assert_max_num_queries) -> None:
    codes(org.author, "审核年中预算追加申请")
    with django_assert_max_num_queries(0):
        assert codes(org.author, "办理国库直接支付拨款")[0] == "CZJ-02"


def test_a_colleague_does_not_see_figures_drawn_from_fewer_people_than_the_minimum(
    org: Org, duties: Duties, records: Records, settings
) -> None:
    settings.JISHI_MIN_GROUP_SIZE = 5
    withheld = coverage_for(viewer=org.colleague, unit_id=org.budget.pk)
    assert withheld.withheld and withheld.total_records == 0 and withheld.covered == []
    assert withheld.min_group == 5
    # The superiors see them: they may see each member's coverage anyway.
    assert not coverage_for(viewer=org.section_head, unit_id=org.budget.pk).withheld
    assert coverage_for(viewer=org.section_head, unit_id=org.budget.pk).total_records == 4
    settings.JISHI_MIN_GROUP_SIZE = 1
    assert coverage_for(viewer=org.colleague, unit_id=org.budget.pk).total_records == 4


def test_a_withdrawn_record_is_not_work(org: Org, duties: Duties, records: Records) -> None:
    from jishi.records.models import WorkRecord
    from jishi.records.services import record_withdraw

    before = coverage_for(viewer=org.author, person_id=org.author.pk)
    record = WorkRecord.objects.filter(author=org.author, duty=duties.budget).first()
    assert record is not None
    record_withdraw(actor=org.author, record=record, reason="重复填报")
    after = coverage_for(viewer=org.author, person_id=org.author.pk)
    assert after.total_records == before.total_records - 1
    assert {line.duty.code: line.records for line in after.covered}["CZJ-01"] == 1  # type: ignore[union-attr]
