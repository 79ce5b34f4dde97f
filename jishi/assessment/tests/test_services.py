"""考核 writes: the whole journey from opening a period to an appeal's decision, the 优秀 quota, the windows, and every
refusal with nothing written."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from jishi.assessment import quota
from jishi.assessment.models import (
    Assessment,
    NoticeShows,
    PeriodKind,
    PersonalSummary,
    ProbationerMode,
    RankGroup,
    Standard,
    State,
    Step,
    StepKind,
)
from jishi.assessment.selectors import actions_for, in_state, notice_for_unit, unit_sheet
from jishi.assessment.services import (
    acknowledge,
    appeal_decide,
    appeal_file,
    assessment_add,
    effective_state,
    grade_decide,
    grade_propose,
    group_lock,
    notice_end,
    notice_start,
    notices_close,
    period_close,
    period_open,
    probationer_set,
    quota_raise,
    review_decide,
    review_request,
    standard_save,
    summary_draft,
    summary_submit,
)
from jishi.assessment.standards import rank_group_of, standard_for
from jishi.assessment.tests.helpers import (
    AFTER_Q4,
    REASON,
    SUMMARY,
    more_staff,
    of,
    open_quarter,
    open_year,
    take_to_decided,
)
from jishi.core.models import AuditEvent
from jishi.integrity.verification import verify
from jishi.org.models import Rank, Role, RoleGrant
from jishi.testing import LONG_AGO, Org, PersonFactory, make_post, write_record


def refused(error: ValidationError, field: str) -> str:
    assert field in error.message_dict, error.message_dict
    return " ".join(error.message_dict[field])


# ---- the journey --------------------------------------------------------------------------------------------


def test_a_clerk_goes_from_summary_to_an_appeal_decision_and_every_step_is_sealed(org: Org) -> None:
    record = write_record(org.author, date=datetime.date(2026, 12, 4), content="牵头编制2027年部门预算草案，完成初审")
    period = open_quarter(org, summary_due=datetime.date(2027, 1, 10))
    assert period.name == "2026年第四季度平时考核"
    mine = of(period, org.author)
    assert (mine.unit, mine.section, mine.rank_group, mine.state) == (org.finance, org.budget, "staff", State.OPEN)
    # The jurisdiction's own leaders are assessed by the level above; optional filers are not assessed.
    assert not Assessment.objects.filter(period=period, person__in=[org.secretary, org.district_deputy]).exists()
    assert not Assessment.objects.filter(period=period, person=org.social_worker).exists()

    draft = summary_draft(person=org.author, assessment=mine)
    assert "牵头编制2027年部门预算草案" in draft  # their own words
    summary = summary_submit(person=org.author, assessment=mine, body=draft + "\n下季度继续做好预算执行分析。")
    assert summary.version == 1
    # Before a proposal the person may correct it: a new version, the first kept.
    summary_submit(person=org.author, assessment=mine, body=draft + "\n（补充）下季度重点做好预算执行分析。")
    assert list(PersonalSummary.objects.filter(assessment=mine).values_list("version", flat=True)) == [1, 2]

    grade_propose(actor=org.section_head, assessment=mine, grade="较好", reason=REASON, today=AFTER_Q4)
    mine.refresh_from_db()
    assert mine.state == State.PROPOSED and mine.grade == ""
    for person in (org.colleague, org.sibling, org.section_head, org.deputy_in_charge, org.deputy_not_in_charge):
        take_to_decided(org, of(period, person), "好" if person == org.colleague else "较好")
    take_to_decided(org, of(period, org.unit_head), "好")
    grade_decide(actor=org.unit_head, assessment=mine, grade="一般", reason="初定一般。", today=AFTER_Q4)
    grade_decide(actor=org.unit_head, assessment=mine, grade="较好", reason=REASON, today=AFTER_Q4)
    mine.refresh_from_db()
    assert (mine.state, mine.grade) == (State.DECIDED, "较好")
    # Decisions are never overwritten: both stay in the history.
    assert list(mine.steps.filter(kind=StepKind.DECISION).values_list("grade", flat=True)) == ["一般", "较好"]

    noticed = notice_start(actor=org.unit_head, period=period, unit=org.finance, today=AFTER_Q4)
    assert len(noticed) == 7
    mine.refresh_from_db()
    assert (mine.state, mine.noticed_from, mine.noticed_until) == (
        State.NOTICED,
        AFTER_Q4,
        datetime.date(2027, 1, 8),
    )
    # The unit's staff see the 公示 (only the top grade by default); no reason appears anywhere in it.
    shown = notice_for_unit(org.sibling, period, org.finance, today=AFTER_Q4)
    assert shown.running and {(e.person_name, e.grade) for e in shown.entries} == {("李娜", "好"), ("赵强", "好")}
    with pytest.raises(Http404):
        notice_for_unit(org.unrelated, period, org.finance, today=AFTER_Q4)
    # Once the decision is noticed it changes only through 复核 or 申诉.
    with pytest.raises(ValidationError) as error:
        grade_decide(actor=org.unit_head, assessment=mine, grade="好", reason=REASON, today=AFTER_Q4)
    assert "公示" in refused(error.value, "state")

    acknowledge(person=org.author, assessment=mine, text="同意。", today=datetime.date(2027, 1, 6))
    review_request(
        person=org.author,
        assessment=mine,
        reason="请求复核：第四季度另有两项重点工作未计入。",
        today=datetime.date(2027, 1, 20),
    )
    assert Assessment.objects.get(pk=mine.pk).state == State.REVIEW
    review_decide(
        actor=org.unit_head,
        assessment=mine,
        grade="较好",
        reason="经复核，维持较好。",
        today=datetime.date(2027, 1, 25),
    )
    appeal_file(
        person=org.author, assessment=mine, reason="对复核决定不服，提出申诉。", today=datetime.date(2027, 2, 9)
    )
    appeal_decide(
        actor=org.hr,
        assessment=mine,
        grade="好",
        reason="经核实，两项重点工作成效突出，改为好。",
        today=datetime.date(2027, 2, 20),
    )
    mine.refresh_from_db()
    assert (mine.state, mine.grade) == (State.FINAL, "好")

    kinds = list(mine.steps.values_list("kind", flat=True))
    assert kinds == [
        "summary", "summary", "proposal", "decision", "decision", "notice", "acknowledgement",
        "review_request", "review_decision", "appeal", "appeal_decision",
    ]  # fmt: skip
    # Every step has its audit event, written in the same transaction and carrying the step's grade and reason.
    for step in mine.steps.all():
        event = AuditEvent.objects.get(verb=f"assessment.{step.kind}", data__step=step.pk)
        assert (event.target_id, event.data["grade"], event.data["reason"]) == (str(mine.pk), step.grade, step.reason)
    assert record.pk  # the records were read, never changed
    report = verify()
    assert report.ok, [p.line() for p in report.problems]


def test_the_notice_list_can_show_every_grade_and_ends_with_the_notice(org: Org) -> None:
    Standard.objects.filter(category="", rank_group="").update(notice_shows=NoticeShows.ALL_GRADES)
    period = open_quarter(org)
    for person in (org.author, org.colleague, org.sibling, org.section_head, org.deputy_in_charge,
                   org.deputy_not_in_charge, org.unit_head):  # fmt: skip
        take_to_decided(org, of(period, person), "较好" if person == org.author else "好")
    notice_start(actor=org.unit_head, period=period, unit=org.finance, start=datetime.date(2027, 1, 5), today=AFTER_Q4)
    assert not notice_for_unit(org.colleague, period, org.finance, today=AFTER_Q4).running  # not begun yet
    shown = notice_for_unit(org.colleague, period, org.finance, today=datetime.date(2027, 1, 6))
    assert ("张伟", "较好") in [(e.person_name, e.grade) for e in shown.entries] and len(shown.entries) == 7
    after = notice_for_unit(org.colleague, period, org.finance, today=datetime.date(2027, 1, 12))
    assert not after.running and after.entries == []
    mine = of(period, org.author)
    assert effective_state(mine, datetime.date(2027, 1, 12)) == State.FINAL
    finals = Assessment.objects.filter(in_state(State.FINAL, datetime.date(2027, 1, 12)))
    assert finals.count() == 7 and not Assessment.objects.filter(in_state(State.NOTICED, datetime.date(2027, 1, 12)))
    assert Assessment.objects.filter(in_state(State.NOTICED, datetime.date(2027, 1, 11))).count() == 7
    assert notices_close(today=datetime.date(2027, 1, 12)) == 7
    assert Assessment.objects.get(pk=mine.pk).state == State.FINAL


@pytest.mark.django_db
def test_notice_counts_working_days_across_the_national_day_holiday() -> None:
    assert notice_end(datetime.date(2026, 11, 2), 5) == datetime.date(2026, 11, 6)
    # 10-01..10-07 off, Saturday 10-10 a 调休 working day (China's official calendar).
    assert notice_end(datetime.date(2026, 9, 30), 5) == datetime.date(2026, 10, 12)


# ---- the quota ----------------------------------------------------------------------------------------------


def test_the_excellent_beyond_twenty_percent_is_refused_until_hr_raises_the_share(org: Org) -> None:
    extra = more_staff(org, 3)  # 财政局's 科员及以下 group: 10 people, so 2 may be 优秀
    period = open_year(org)
    status = quota.status(period, org.finance.pk, RankGroup.STAFF)
    assert (status.group_size, status.limit, status.used, status.grade) == (10, 2, 0, "优秀")
    take_to_decided(org, of(period, org.author), "优秀")
    take_to_decided(org, of(period, org.colleague), "优秀")
    # Deciding the same person again is not one more.
    grade_decide(actor=org.unit_head, assessment=of(period, org.author), grade="优秀", reason=REASON, today=AFTER_Q4)
    third = of(period, extra[0])
    with pytest.raises(ValidationError) as error:
        take_to_decided(org, third, "优秀")
    message = refused(error.value, "grade")
    assert "优秀等次已达本单位科员及以下上限（2 人，占 20%" in message and "须经组织人事部门批准" in message
    third.refresh_from_db()
    assert third.grade == "" and third.state == State.PROPOSED  # the proposal stands, no decision was written
    assert not third.steps.filter(kind=StepKind.DECISION).exists()

    with pytest.raises(PermissionDenied):
        quota_raise(actor=org.unit_head, period=period, unit=org.finance, rank_group="staff", share="0.3",
                    reason="申请提高")  # fmt: skip
    quota_raise(actor=org.hr, period=period, unit=org.finance, rank_group="staff", share="0.30",
                reason="经区委组织部批准，财政局年度考核优秀比例提高到30%。")  # fmt: skip
    status = quota.status(period, org.finance.pk, RankGroup.STAFF)
    assert (status.limit, status.used, status.raised) == (3, 2, True)
    grade_decide(actor=org.unit_head, assessment=third, grade="优秀", reason=REASON, today=AFTER_Q4)
    assert of(period, extra[0]).grade == "优秀"
    # Other units and rank groups are not affected: 民政局 has its own quota.
    assert quota.status(period, org.civil.pk, RankGroup.STAFF).used == 0


def test_a_quota_raise_refuses_bad_values(org: Org) -> None:
    period = open_year(org)
    for share, field in (("1.5", "share"), ("0", "share"), ("abc", "share"), ("NaN", "share"), ("-0.1", "share")):
        with pytest.raises(ValidationError) as error:
            quota_raise(actor=org.hr, period=period, unit=org.finance, rank_group="staff", share=share, reason="批准")
        refused(error.value, field)
    with pytest.raises(ValidationError) as error:
        quota_raise(actor=org.hr, period=period, unit=org.finance, rank_group="general", share="0.3", reason="批准")
    refused(error.value, "rank_group")
    with pytest.raises(ValidationError) as error:
        quota_raise(actor=org.hr, period=period, unit=org.finance, rank_group="staff", share="0.3", reason="  ")
    refused(error.value, "reason")
    with pytest.raises(ValidationError) as error:
        quota_raise(actor=org.hr, period=period, unit=org.root, rank_group="staff", share="0.3", reason="批准")
    refused(error.value, "unit")


def test_everyday_grades_are_unlimited_unless_the_standard_sets_a_quota(org: Org) -> None:
    earlier = period_open(
        actor=org.hr, kind=PeriodKind.EVERYDAY, start=datetime.date(2026, 7, 1), end=datetime.date(2026, 9, 30)
    )
    assert not quota.status(earlier, org.finance.pk, RankGroup.STAFF).limited
    Standard.objects.filter(category="", rank_group="").update(everyday_quota=Decimal("0.10"))
    assert not quota.status(earlier, org.finance.pk, RankGroup.STAFF).limited  # it keeps the rules it opened under
    period = open_quarter(org)
    status = quota.status(period, org.finance.pk, RankGroup.STAFF)
    assert (status.grade, status.limit) == ("好", 0)
    with pytest.raises(ValidationError) as error:
        take_to_decided(org, of(period, org.author), "好")
    assert "好等次已达本单位" in refused(error.value, "grade")


# ---- probationers ---------------------------------------------------------------------------------------------


def test_a_probationer_is_only_commented_on_by_default(org: Org) -> None:
    period = open_year(org, probationer_ids=[org.author.pk])
    mine = of(period, org.author)
    assert mine.is_probationer
    summary_submit(person=org.author, assessment=mine, body=SUMMARY)
    with pytest.raises(ValidationError) as error:
        grade_propose(actor=org.section_head, assessment=mine, grade="称职", reason=REASON)
    assert "试用期" in refused(error.value, "grade")
    with pytest.raises(ValidationError) as error:
        grade_propose(actor=org.section_head, assessment=mine, grade="", reason=" ")
    assert "评语" in refused(error.value, "reason")
    grade_propose(actor=org.section_head, assessment=mine, grade="", reason="试用期表现良好，熟悉预算业务。")
    grade_decide(actor=org.unit_head, assessment=mine, grade="", reason="同意评语。")
    mine.refresh_from_db()
    assert (mine.state, mine.grade) == (State.DECIDED, "")
    # The probationer does not count in the quota's group.
    assert quota.status(period, org.finance.pk, RankGroup.STAFF).group_size == 6


def test_probationers_are_graded_when_the_standard_says_so_and_hr_may_correct_the_mark(org: Org) -> None:
    Standard.objects.filter(category="", rank_group="").update(probationer_mode=ProbationerMode.GRADE)
    period = open_year(org)
    mine = of(period, org.author)
    with pytest.raises(PermissionDenied):
        probationer_set(actor=org.unit_head, assessment=mine, is_probationer=True)
    probationer_set(actor=org.hr, assessment=mine, is_probationer=True)
    summary_submit(person=org.author, assessment=mine, body=SUMMARY)
    with pytest.raises(ValidationError) as error:
        grade_propose(actor=org.section_head, assessment=mine, grade="", reason=REASON)
    refused(error.value, "grade")
    grade_propose(actor=org.section_head, assessment=mine, grade="称职", reason=REASON)
    with pytest.raises(ValidationError) as error:
        probationer_set(actor=org.hr, assessment=mine, is_probationer=False)
    refused(error.value, "state")


# ---- refusals -------------------------------------------------------------------------------------------------


def test_only_hr_over_the_whole_jurisdiction_opens_a_period_and_bad_periods_are_refused(org: Org) -> None:
    for actor in (org.unit_head, org.inspector, org.admin, org.author):
        with pytest.raises(PermissionDenied):
            period_open(actor=actor, kind=PeriodKind.ANNUAL, start=datetime.date(2026, 1, 1),
                        end=datetime.date(2026, 12, 31))  # fmt: skip
    cases = [
        ({"kind": "monthly"}, "kind"),
        ({"end": datetime.date(2025, 12, 31)}, "end"),
        ({"end": datetime.date(2027, 6, 30)}, "end"),
        ({"summary_due": datetime.date(2025, 1, 1)}, "summary_due"),
        ({"name": "考" * 101}, "name"),
        ({"probationer_ids": [org.social_worker.pk]}, "probationer_ids"),  # files optionally: not assessed
    ]
    for change, field in cases:
        values = {"kind": PeriodKind.ANNUAL, "start": datetime.date(2026, 1, 1), "end": datetime.date(2026, 12, 31)}
        values.update(change)
        with pytest.raises(ValidationError) as error:
            period_open(actor=org.hr, **values)  # type: ignore[arg-type]
        refused(error.value, field)
    open_year(org)
    with pytest.raises(ValidationError) as error:
        open_year(org)
    assert "已经发起" in refused(error.value, "start")
    assert AuditEvent.objects.filter(verb="assessment.period_open").count() == 1


def test_the_wrong_person_is_refused_at_every_step(org: Org) -> None:
    period = open_quarter(org)
    mine = of(period, org.author)
    with pytest.raises(PermissionDenied):
        summary_draft(person=org.colleague, assessment=mine)
    with pytest.raises(PermissionDenied):
        summary_submit(person=org.section_head, assessment=mine, body=SUMMARY)
    summary_submit(person=org.author, assessment=mine, body=SUMMARY)
    # Proposing: the person, a colleague, an unrelated head, the deputy not in charge of 预算科.
    for actor in (org.author, org.colleague, org.civil_head, org.deputy_not_in_charge, org.inspector, org.admin):
        with pytest.raises(PermissionDenied):
            grade_propose(actor=actor, assessment=mine, grade="较好", reason=REASON)
    grade_propose(actor=org.deputy_in_charge, assessment=mine, grade="较好", reason=REASON)
    # Deciding: the section head and the deputy propose but do not decide; the 局长 or HR do.
    for actor in (org.author, org.section_head, org.deputy_in_charge, org.civil_head, org.inspector):
        with pytest.raises(PermissionDenied):
            grade_decide(actor=actor, assessment=mine, grade="较好", reason=REASON)
    with pytest.raises(PermissionDenied):
        notice_start(actor=org.section_head, period=period, unit=org.finance)
    # The head's own assessment is decided by HR, not by the head.
    head = of(period, org.unit_head)
    summary_submit(person=org.unit_head, assessment=head, body=SUMMARY)
    grade_propose(actor=org.district_deputy, assessment=head, grade="好", reason=REASON)
    with pytest.raises(PermissionDenied):
        grade_decide(actor=org.unit_head, assessment=head, grade="好", reason=REASON)
    grade_decide(actor=org.hr, assessment=head, grade="好", reason=REASON)
    assert Step.objects.filter(assessment=mine).count() == 2  # the summary and the one proposal


def test_the_person_alone_acknowledges_asks_for_review_and_appeals_and_hr_alone_decides_appeals(org: Org) -> None:
    period = open_quarter(org)
    mine = take_to_decided(org, of(period, org.author), "较好")
    for person in (org.colleague, org.sibling, org.section_head, org.deputy_in_charge, org.deputy_not_in_charge,
                   org.unit_head):  # fmt: skip
        take_to_decided(org, of(period, person), "较好")
    notice_start(actor=org.unit_head, period=period, unit=org.finance, today=AFTER_Q4)
    day = datetime.date(2027, 1, 5)
    with pytest.raises(PermissionDenied):
        acknowledge(person=org.section_head, assessment=mine, text="同意", today=day)
    with pytest.raises(PermissionDenied):
        review_request(person=org.colleague, assessment=mine, reason="代为申请复核", today=day)
    with pytest.raises(PermissionDenied):
        appeal_file(person=org.unit_head, assessment=mine, reason="代为申诉", today=day)
    appeal_file(person=org.author, assessment=mine, reason="直接提出申诉。", today=day)
    with pytest.raises(PermissionDenied):
        appeal_decide(actor=org.unit_head, assessment=mine, grade="较好", reason="维持", today=day)
    with pytest.raises(ValidationError):
        review_decide(actor=org.unit_head, assessment=mine, grade="较好", reason="维持", today=day)  # not in review
    appeal_decide(actor=org.hr, assessment=mine, grade="较好", reason="维持原等次。", today=day)


def test_steps_out_of_order_are_refused_with_nothing_written(org: Org) -> None:
    period = open_quarter(org, summary_due=datetime.date(2027, 1, 10))
    mine = of(period, org.author)
    cases = [
        (lambda: grade_decide(actor=org.unit_head, assessment=mine, grade="较好", reason=REASON), "state"),
        (lambda: acknowledge(person=org.author, assessment=mine, text="同意"), "state"),
        (lambda: review_request(person=org.author, assessment=mine, reason="请求复核"), "state"),
        (lambda: appeal_file(person=org.author, assessment=mine, reason="申诉"), "state"),
        (lambda: review_decide(actor=org.unit_head, assessment=mine, grade="较好", reason=REASON), "state"),
        (lambda: appeal_decide(actor=org.hr, assessment=mine, grade="较好", reason=REASON), "state"),
        (lambda: notice_start(actor=org.unit_head, period=period, unit=org.finance, today=AFTER_Q4), "unit"),
        # No summary yet and its due date not passed: no proposal.
        (
            lambda: grade_propose(actor=org.section_head, assessment=mine, grade="较好", reason=REASON, today=AFTER_Q4),
            "state",
        ),
    ]
    for action, field in cases:
        with pytest.raises(ValidationError) as error:
            action()
        refused(error.value, field)
    assert not Step.objects.exists()
    # After the due date a silent person's superior proposes anyway.
    grade_propose(actor=org.section_head, assessment=mine, grade="较好", reason=REASON,
                  today=datetime.date(2027, 1, 11))  # fmt: skip
    with pytest.raises(ValidationError) as error:
        summary_submit(person=org.author, assessment=mine, body=SUMMARY)
    refused(error.value, "state")
    with pytest.raises(ValidationError) as error:
        notice_start(actor=org.unit_head, period=period, unit=org.finance, today=AFTER_Q4)
    assert "尚未确定" in refused(error.value, "unit")


def test_missing_reasons_grades_off_the_scale_and_bad_summaries_are_refused(org: Org) -> None:
    period = open_quarter(org)
    mine = of(period, org.author)
    for body in ("", "太短", "字" * 20_001):
        with pytest.raises(ValidationError) as error:
            summary_submit(person=org.author, assessment=mine, body=body)
        refused(error.value, "body")
    summary_submit(person=org.author, assessment=mine, body=SUMMARY)
    for grade, reason, field in (
        ("较好", "", "reason"),
        ("较好", "   \n", "reason"),
        ("较好", "理" * 2001, "reason"),
        ("优秀", REASON, "grade"),  # an annual grade in an everyday period
        ("", REASON, "grade"),
        ("极好", REASON, "grade"),
    ):
        with pytest.raises(ValidationError) as error:
            grade_propose(actor=org.section_head, assessment=mine, grade=grade, reason=reason)
        refused(error.value, field)
    grade_propose(actor=org.section_head, assessment=mine, grade="较好", reason=REASON)
    with pytest.raises(ValidationError) as error:
        grade_decide(actor=org.unit_head, assessment=mine, grade="称职", reason=REASON)
    assert "好、较好、一般、较差" in refused(error.value, "grade")
    assert Step.objects.filter(assessment=mine, kind=StepKind.DECISION).count() == 0


def test_review_and_appeal_windows_close(org: Org) -> None:
    period = open_quarter(org)
    people = (org.author, org.colleague, org.sibling, org.section_head, org.deputy_in_charge,
              org.deputy_not_in_charge, org.unit_head)  # fmt: skip
    for person in people:
        take_to_decided(org, of(period, person), "较好")
    notice_start(actor=org.unit_head, period=period, unit=org.finance, today=AFTER_Q4)  # until 2027-01-08
    mine, other = of(period, org.author), of(period, org.colleague)
    # 复核 within 30 days of the notice's end: 2027-02-07 is the last day.
    with pytest.raises(ValidationError) as error:
        review_request(person=org.colleague, assessment=other, reason="请求复核", today=datetime.date(2027, 2, 8))
    assert "复核申请期限已过" in refused(error.value, "state")
    # 申诉 directly (no 复核): the same 30 days.
    with pytest.raises(ValidationError) as error:
        appeal_file(person=org.colleague, assessment=other, reason="申诉", today=datetime.date(2027, 2, 8))
    assert "申诉期限已过" in refused(error.value, "state")
    review_request(person=org.author, assessment=mine, reason="请求复核", today=datetime.date(2027, 2, 7))
    # No appeal while the 复核 is pending; no second 复核.
    with pytest.raises(ValidationError):
        appeal_file(person=org.author, assessment=mine, reason="申诉", today=datetime.date(2027, 2, 7))
    review_decide(actor=org.unit_head, assessment=mine, grade="较好", reason="维持", today=datetime.date(2027, 2, 10))
    with pytest.raises(ValidationError) as error:
        review_request(person=org.author, assessment=mine, reason="再次复核", today=datetime.date(2027, 2, 11))
    refused(error.value, "state")
    # 申诉 within 15 days of the 复核 decision: 2027-02-25 is the last day.
    with pytest.raises(ValidationError) as error:
        appeal_file(person=org.author, assessment=mine, reason="申诉", today=datetime.date(2027, 2, 26))
    assert "2027年02月25日" in refused(error.value, "state")
    appeal_file(person=org.author, assessment=mine, reason="申诉", today=datetime.date(2027, 2, 25))
    with pytest.raises(ValidationError):
        appeal_file(person=org.author, assessment=mine, reason="再次申诉", today=datetime.date(2027, 2, 25))
    with pytest.raises(ValidationError) as error:
        acknowledge(person=org.author, assessment=mine, text="同意", today=datetime.date(2027, 2, 25))
    refused(error.value, "state")  # in 申诉: nothing to acknowledge until it is decided


def test_windows_follow_the_standard(org: Org) -> None:
    Standard.objects.filter(category="", rank_group="").update(review_window_days=10, notice_working_days=3)
    period = open_quarter(org)
    for person in (org.author, org.colleague, org.sibling, org.section_head, org.deputy_in_charge,
                   org.deputy_not_in_charge, org.unit_head):  # fmt: skip
        take_to_decided(org, of(period, person), "较好")
    notice_start(actor=org.unit_head, period=period, unit=org.finance, today=AFTER_Q4)
    mine = of(period, org.author)
    assert mine.noticed_until == datetime.date(2027, 1, 6)
    with pytest.raises(ValidationError):
        review_request(person=org.author, assessment=mine, reason="请求复核", today=datetime.date(2027, 1, 17))
    review_request(person=org.author, assessment=mine, reason="请求复核", today=datetime.date(2027, 1, 16))


def test_acknowledgement_needs_text_and_happens_once(org: Org) -> None:
    period = open_quarter(org)
    for person in (org.author, org.colleague, org.sibling, org.section_head, org.deputy_in_charge,
                   org.deputy_not_in_charge, org.unit_head):  # fmt: skip
        take_to_decided(org, of(period, person), "较好")
    notice_start(actor=org.unit_head, period=period, unit=org.finance, today=AFTER_Q4)
    mine = of(period, org.author)
    with pytest.raises(ValidationError) as error:
        acknowledge(person=org.author, assessment=mine, text="  ", today=AFTER_Q4)
    refused(error.value, "text")
    acknowledge(person=org.author, assessment=mine, text="同意", today=AFTER_Q4)
    with pytest.raises(ValidationError):
        acknowledge(person=org.author, assessment=mine, text="同意", today=AFTER_Q4)
    assert StepKind.ACKNOWLEDGEMENT not in actions_for(org.author, mine, AFTER_Q4)
    assert StepKind.REVIEW_REQUEST in actions_for(org.author, mine, AFTER_Q4)


def test_notice_start_refuses_bad_dates(org: Org) -> None:
    period = open_quarter(org)
    for start in (datetime.date(2027, 1, 1), datetime.date(2027, 6, 1)):
        with pytest.raises(ValidationError) as error:
            notice_start(actor=org.unit_head, period=period, unit=org.finance, start=start, today=AFTER_Q4)
        refused(error.value, "start")


# ---- standards, sheets, actions -------------------------------------------------------------------------------


def test_the_most_specific_standard_applies(org: Org) -> None:
    assert rank_group_of(Rank.DIVISION_DEPUTY) == "division"
    assert rank_group_of(Rank.SECTION_PRINCIPAL) == "section"
    assert rank_group_of(Rank.CLERK) == rank_group_of("nonsense") == "staff"
    Standard.objects.create(category="social_worker", annual_grades=["优秀", "合格", "不合格"])
    Standard.objects.create(category="social_worker", rank_group="staff", notice_working_days=7)
    Standard.objects.create(rank_group="division", excellent_share=Decimal("0.15"))
    assert standard_for(org.social_worker).notice_working_days == 7
    assert standard_for(org.social_worker, rank_group="section").annual_grades == ["优秀", "合格", "不合格"]
    assert standard_for(org.author, rank_group="division").excellent_share == Decimal("0.15")
    assert standard_for(org.author).excellent_share == Decimal("0.20")
    Standard.objects.all().delete()
    assert standard_for(org.author).annual_grades == ["优秀", "称职", "基本称职", "不称职"]


def test_the_unit_sheet_shows_proposals_and_the_quota_to_the_head_only(org: Org) -> None:
    period = open_year(org)
    mine = of(period, org.author)
    summary_submit(person=org.author, assessment=mine, body=SUMMARY)
    grade_propose(actor=org.section_head, assessment=mine, grade="优秀", reason=REASON)
    sheet = unit_sheet(org.unit_head, period, org.finance)
    assert sheet.can_decide and not sheet.can_start_notice
    assert sheet.proposals[mine.pk].grade == "优秀" and "staff" in sheet.quotas
    assert len(sheet.rows) == 7
    for outsider in (org.colleague, org.civil_head, org.inspector, org.admin):
        with pytest.raises(Http404):
            unit_sheet(outsider, period, org.finance)
    mine.refresh_from_db()
    assert actions_for(org.unit_head, mine) == {StepKind.PROPOSAL, StepKind.DECISION}
    assert actions_for(org.section_head, mine) == {StepKind.PROPOSAL}
    assert actions_for(org.colleague, mine) == set()
    assert actions_for(org.author, mine) == set()


def test_a_closed_period_takes_no_new_grades_but_reviews_run_on(org: Org) -> None:
    period = open_quarter(org)
    for person in (org.author, org.colleague, org.sibling, org.section_head, org.deputy_in_charge,
                   org.deputy_not_in_charge, org.unit_head):  # fmt: skip
        take_to_decided(org, of(period, person), "较好")
    notice_start(actor=org.unit_head, period=period, unit=org.finance, today=AFTER_Q4)
    with pytest.raises(PermissionDenied):
        period_close(actor=org.unit_head, period=period)
    period_close(actor=org.hr, period=period)
    with pytest.raises(ValidationError):
        period_close(actor=org.hr, period=period)
    mine = of(period, org.author)
    with pytest.raises(ValidationError) as error:
        grade_decide(actor=org.unit_head, assessment=mine, grade="好", reason=REASON, today=AFTER_Q4)
    assert "已结束" in refused(error.value, "state")
    review_request(person=org.author, assessment=mine, reason="请求复核", today=datetime.date(2027, 1, 12))
    review_decide(
        actor=org.unit_head, assessment=mine, grade="好", reason="经复核改为好", today=datetime.date(2027, 1, 13)
    )
    assert of(period, org.author).grade == "好"


def test_the_notice_list_reads_the_standards_once_whatever_the_unit_size(
    org: Org, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    more_staff(org, 5)
    Standard.objects.filter(category="", rank_group="").update(notice_shows=NoticeShows.ALL_GRADES)
    period = open_quarter(org)
    for assessment in Assessment.objects.filter(period=period, unit=org.finance).select_related("period", "person"):
        take_to_decided(org, assessment, "较好")
    notice_start(actor=org.unit_head, period=period, unit=org.finance, today=AFTER_Q4)
    viewer = type(org.colleague).objects.get(pk=org.colleague.pk)
    with django_assert_max_num_queries(8):
        shown = notice_for_unit(viewer, period, org.finance, today=AFTER_Q4)
    assert len(shown.entries) == 12


def test_the_person_and_the_deciders_hear_of_the_steps_that_concern_them(
    org: Org,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    from jishi.notifications.models import Notification

    period = open_quarter(org)
    for person in (org.author, org.colleague, org.sibling, org.section_head, org.deputy_in_charge,
                   org.deputy_not_in_charge, org.unit_head):  # fmt: skip
        take_to_decided(org, of(period, person), "较好")
    mine = of(period, org.author)
    with django_capture_on_commit_callbacks(execute=True):
        notice_start(actor=org.unit_head, period=period, unit=org.finance, today=AFTER_Q4)
    with django_capture_on_commit_callbacks(execute=True):
        review_request(person=org.author, assessment=mine, reason="请求复核", today=AFTER_Q4)
    with django_capture_on_commit_callbacks(execute=True):
        review_decide(actor=org.unit_head, assessment=mine, grade="较好", reason="维持", today=AFTER_Q4)
    told = list(Notification.objects.filter(recipient=org.author, kind="assessment").order_by("id"))
    assert [n.text for n in told] == [
        "2026年第四季度平时考核结果公示至1月8日，请签署本人意见",
        "2026年第四季度平时考核复核决定已作出",
    ]
    assert told[0].url == f"/assessment/{mine.pk}/"
    heads = Notification.objects.filter(kind="assessment", text__startswith="张伟申请复核")
    assert list(heads.values_list("recipient__username", flat=True)) == ["unit_head"]
    with django_capture_on_commit_callbacks(execute=True):
        appeal_file(person=org.author, assessment=mine, reason="维持不当，提出申诉", today=AFTER_Q4)
    appealed = Notification.objects.filter(kind="assessment", text="张伟对2026年第四季度平时考核结果提出申诉")
    assert list(appealed.values_list("recipient__username", flat=True)) == ["hr"]
    assert "维持" not in " ".join(Notification.objects.values_list("text", flat=True))  # never a reason


def test_refusals_stay_chinese_sentences_for_an_english_reader(org: Org) -> None:
    from django.utils import translation

    period = open_quarter(org)
    mine = of(period, org.author)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        grade_decide(actor=org.unit_head, assessment=mine, grade="较好", reason=REASON)
    assert refused(error.value, "state").startswith("当前状态为“待提交总结”，不能确定等次。")


def test_hr_adds_a_voluntary_filer_once_and_only_in_scope(org: Org) -> None:
    period = open_quarter(org)
    assert not Assessment.objects.filter(period=period, person=org.social_worker).exists()
    scoped = PersonFactory(full_name="林芳", username="hr_civil")
    make_post(scoped, org.relief)
    grant = RoleGrant.objects.create(person=scoped, role=Role.HR, granted_on=LONG_AGO)
    grant.units.set([org.civil])
    with pytest.raises(PermissionDenied):
        assessment_add(actor=scoped, period=period, person=org.social_worker)  # 马陆镇 is outside 民政局
    with pytest.raises(PermissionDenied):
        assessment_add(actor=org.unit_head, period=period, person=org.social_worker)
    added = assessment_add(actor=org.hr, period=period, person=org.social_worker, is_probationer=True)
    # A village is its own 本单位 (org), so it assesses its 社工.
    assert (added.unit, added.section, added.category, added.is_probationer) == (
        org.village,
        org.village,
        "social_worker",
        True,
    )
    for person, field in ((org.social_worker, "person_id"), (org.secretary, "person_id"), (org.author, "person_id")):
        with pytest.raises(ValidationError) as error:
            assessment_add(actor=org.hr, period=period, person=person)
        refused(error.value, field)
    assert AuditEvent.objects.filter(verb="assessment.add").count() == 1


# ---- locking (review, LOW): deciders in one group lock it in one order -------------------------------------------


def test_grade_setting_steps_lock_their_group_in_id_order_and_keep_the_quota(org: Org) -> None:
    extra = more_staff(org, 5)
    period = open_year(org)
    mine = of(period, org.author)
    locking = group_lock(mine)
    assert locking.query.select_for_update and locking.query.select_for_update_of == ("self",)
    assert list(locking.query.order_by) == ["pk"]
    assert list(locking.values_list("pk", flat=True)) == sorted(
        Assessment.objects.filter(period=period, unit=org.finance, rank_group="staff").values_list("pk", flat=True)
    )
    # The first thing a decision reads is the group in id order (the lock), before the assessment and its period.
    for person in (org.author, org.colleague):
        summary_submit(person=person, assessment=of(period, person), body=SUMMARY)
        grade_propose(actor=org.section_head, assessment=of(period, person), grade="优秀", reason=REASON)
    mine = of(period, org.author)
    with CaptureQueriesContext(connection) as queries:
        grade_decide(actor=org.unit_head, assessment=mine, grade="优秀", reason=REASON)
    first = next(q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT"))
    assert first.startswith('SELECT "assessment_assessment"."id"') and '"rank_group" = ' in first
    assert "ORDER BY 1 ASC" in first  # by the id selected
    if connection.vendor == "postgresql":  # SQLite has no row locks (it serialises writers)
        assert first.endswith('ORDER BY 1 ASC FOR UPDATE OF "assessment_assessment"')
    # The quota still holds: 12 staff, 20% → 2; the third 优秀 is refused.
    grade_decide(actor=org.unit_head, assessment=of(period, org.colleague), grade="优秀", reason=REASON)
    third = of(period, extra[0])
    summary_submit(person=extra[0], assessment=third, body=SUMMARY)
    grade_propose(actor=org.section_head, assessment=third, grade="优秀", reason=REASON)
    with pytest.raises(ValidationError) as error:
        grade_decide(actor=org.unit_head, assessment=of(period, extra[0]), grade="优秀", reason=REASON)
    assert "优秀等次已达本单位" in refused(error.value, "grade")


# ---- control characters (review): refused in every free text, whoever calls ----------------------------------------

ODD_TEXTS = (
    "本季度完成预算编制\x00和执行分析工作。",
    "本季度完成预算编制\x07和执行分析工作。",
    "本季度完成预算\ud800编制和执行分析。",
)


@pytest.mark.parametrize("odd", ODD_TEXTS)
def test_free_texts_with_control_characters_are_refused_and_nothing_is_written(org: Org, odd: str) -> None:
    period = open_year(org)
    mine = of(period, org.author)
    with pytest.raises(ValidationError) as error:
        summary_submit(person=org.author, assessment=mine, body=odd)
    assert "控制字符" in refused(error.value, "body")
    summary_submit(person=org.author, assessment=mine, body=SUMMARY + "\n第二段：\t按期完成。")  # tabs, line breaks
    with pytest.raises(ValidationError) as error:
        grade_propose(actor=org.section_head, assessment=of(period, org.author), grade="称职", reason=odd)
    assert "控制字符" in refused(error.value, "reason")
    with pytest.raises(ValidationError) as error:
        quota_raise(actor=org.hr, period=period, unit=org.finance, rank_group="staff", share="0.3", reason=odd)
    assert "控制字符" in refused(error.value, "reason")
    with pytest.raises(ValidationError) as error:
        period_open(
            actor=org.hr, kind=PeriodKind.ANNUAL, start=datetime.date(2027, 1, 1), end=datetime.date(2027, 12, 31),
            name="2027年度\x1b考核",
        )  # fmt: skip
    assert "控制字符" in refused(error.value, "name")
    with pytest.raises(ValidationError) as error:
        standard_save(actor=org.hr, values={"everyday_grades": ["好", "较\x00好"]}, standard=Standard.objects.first())
    assert "控制字符" in refused(error.value, "everyday_grades")
    assert mine.steps.count() == 1 and PersonalSummary.objects.filter(assessment=mine).count() == 1
    take_to_decided(org, of(period, org.author), "称职")
    for person in (org.colleague, org.sibling, org.section_head, org.deputy_in_charge, org.deputy_not_in_charge,
                   org.unit_head):  # fmt: skip
        take_to_decided(org, of(period, person), "称职")
    notice_start(actor=org.unit_head, period=period, unit=org.finance, today=AFTER_Q4)
    with pytest.raises(ValidationError) as error:
        acknowledge(person=org.author, assessment=of(period, org.author), text=odd, today=AFTER_Q4)
    assert "控制字符" in refused(error.value, "text")
    with pytest.raises(ValidationError) as error:
        review_request(person=org.author, assessment=of(period, org.author), reason=odd, today=AFTER_Q4)
    assert "控制字符" in refused(error.value, "reason")
    assert "编制和执行" not in "".join(Step.objects.values_list("reason", flat=True))  # the odd texts: none stored
