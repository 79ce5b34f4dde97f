"""考核 pages: what each reader sees and may do, forms that keep what was typed and say in Chinese what is wrong, the
quota bar that moves with each decision (htmx) and refuses past the limit, and no input that gives a 500."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jishi.assessment.models import Assessment, Period, PeriodKind, PersonalSummary, QuotaRaise, State, Step, StepKind
from jishi.assessment.services import grade_decide, grade_propose, notice_start, period_open, summary_submit
from jishi.assessment.tests.helpers import REASON, SUMMARY, more_staff
from jishi.org.calendar import local_today
from jishi.org.models import Duty, Person
from jishi.testing import Org, write_record

HTMX = {"HTTP_HX_REQUEST": "true"}
HUGE = "9" * 30


def quarter_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    first_month = (day.month - 1) // 3 * 3 + 1
    start = datetime.date(day.year, first_month, 1)
    after = datetime.date(day.year + (first_month == 10), first_month % 12 + 3 if first_month != 10 else 1, 1)
    return start, after - datetime.timedelta(days=1)


def client_for(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


@pytest.fixture
def quarter(org: Org) -> Period:
    """This quarter's everyday assessment, opened by HR."""
    start, end = quarter_of(local_today())
    return period_open(actor=org.hr, kind=PeriodKind.EVERYDAY, start=start, end=end)


@pytest.fixture
def year(org: Org) -> Period:
    """This year's annual assessment, with five more 科员 in 预算科 so the 优秀 limit of the group is two."""
    more_staff(org, 5)
    today = local_today()
    return period_open(
        actor=org.hr,
        kind=PeriodKind.ANNUAL,
        start=datetime.date(today.year, 1, 1),
        end=datetime.date(today.year, 12, 31),
    )


def of(period: Period, person: Person) -> Assessment:
    return Assessment.objects.select_related("period").get(period=period, person=person)


def proposed(org: Org, period: Period, person: Person, grade: str) -> Assessment:
    assessment = of(period, person)
    summary_submit(person=person, assessment=assessment, body=SUMMARY)
    grade_propose(actor=org.section_head, assessment=assessment, grade=grade, reason=REASON)
    return of(period, person)


# ---- the person ---------------------------------------------------------------------------------------------------


def test_the_clerk_drafts_from_their_records_keeps_a_bad_draft_and_submits(org: Org, quarter: Period) -> None:
    duty = Duty.objects.get(code="CZJ-01")
    write_record(
        org.author, date=local_today(), duty_id=duty.pk, content="审核区教育局追加预算申请三项，核减不合理支出"
    )
    mine = of(quarter, org.author)
    client = client_for(org.author)
    home = page(client, reverse("assessment:home"))
    assert quarter.name in home and "撰写个人总结" in home
    url = reverse("assessment:summary", args=[mine.pk])
    draft = page(client, url)
    assert "审核区教育局追加预算申请三项" in draft  # the person's own words, by duty

    response = client.post(url, {"body": "   "})
    assert response.status_code == 400 and "总结不能为空" in response.content.decode()
    response = client.post(url, {"body": "短"})  # the service's minimum, beside the field, the text kept
    assert response.status_code == 400 and "个人总结不能少于" in response.content.decode()
    assert "短</textarea>" in response.content.decode()
    response = client.post(url, {"body": "字" * 20001})
    assert response.status_code == 400 and "不能超过" in response.content.decode()
    assert not PersonalSummary.objects.exists()

    response = client.post(url, {"body": SUMMARY})
    assert response.status_code == 302 and response["Location"] == reverse("assessment:detail", args=[mine.pk])
    detail = page(client, response["Location"])
    assert "个人总结已提交" in detail and SUMMARY in detail and "第 1 版" in detail
    assert of(quarter, org.author).state == State.SUBMITTED


def test_only_the_person_writes_their_summary(org: Org, quarter: Period) -> None:
    mine = of(quarter, org.author)
    url = reverse("assessment:summary", args=[mine.pk])
    page(client_for(org.section_head), url, 404)  # sees the assessment, may not write its summary
    page(client_for(org.unrelated), url, 404)
    assert client_for(org.section_head).post(url, {"body": SUMMARY}).status_code == 404
    assert not PersonalSummary.objects.exists()


def test_hidden_and_missing_assessments_look_alike(org: Org, quarter: Period) -> None:
    mine = of(quarter, org.author)
    for who in (org.unrelated, org.colleague, org.sibling, org.civil_head, org.inspector):
        page(client_for(who), reverse("assessment:detail", args=[mine.pk]), 404)
    client = client_for(org.author)
    for bad in ("0", "999999", HUGE):
        page(client, f"/assessment/{bad}/", 404)
        page(client, f"/assessment/{bad}/summary/", 404)
    page(client, "/assessment/abc/", 404)
    page(client, "/assessment/people/abc/", 404)
    assert Client().get(reverse("assessment:home")).status_code == 302  # to the log-in page


# ---- proposing and deciding ---------------------------------------------------------------------------------------


def test_the_section_head_proposes_beside_the_evidence_and_bad_input_is_kept(org: Org, quarter: Period) -> None:
    write_record(org.author, date=local_today(), content="编制下年度部门预算初稿", result="初稿已报局务会")
    mine = of(quarter, org.author)
    summary_submit(person=org.author, assessment=mine, body=SUMMARY)
    client = client_for(org.section_head)
    home = page(client, reverse("assessment:home"))
    assert "待提出建议等次" in home and "张伟" in home
    detail = page(client, reverse("assessment:detail", args=[mine.pk]))
    assert SUMMARY in detail and "实绩材料" in detail and "编制下年度部门预算初稿" in detail
    assert 'id="act-proposal"' in detail and 'id="act-decision"' not in detail  # the section head only proposes

    url = reverse("assessment:act", args=[mine.pk, "proposal"])
    response = client.post(url, {"grade": "较好", "reason": "  "})
    text = response.content.decode()
    assert response.status_code == 400 and "请写明理由" in text
    assert '<option value="较好" selected>' in text  # what was chosen stays chosen
    response = client.post(url, {"grade": "优秀", "reason": "很好"})  # an annual grade in an everyday period
    assert response.status_code == 400 and "不是本考核可用的等次" in response.content.decode()
    response = client.post(url, {"grade": "", "reason": "很好"})
    assert response.status_code == 400 and "请选择等次" in response.content.decode()
    response = client.post(url, {"grade": "较好", "reason": "理" * 2001})
    assert response.status_code == 400 and "不能超过" in response.content.decode()
    assert not Step.objects.filter(kind=StepKind.PROPOSAL).exists()

    response = client.post(url, {"grade": "较好", "reason": REASON})
    assert response.status_code == 302
    detail = page(client, response["Location"])
    assert "已提出建议等次" in detail and REASON in detail
    assert of(quarter, org.author).state == State.PROPOSED


def test_steps_the_reader_may_not_take_are_refused_without_a_500(org: Org, quarter: Period) -> None:
    mine = of(quarter, org.author)
    author = client_for(org.author)
    for kind in ("proposal", "decision", "review_decision", "appeal_decision"):
        response = author.post(reverse("assessment:act", args=[mine.pk, kind]), {"grade": "好", "reason": REASON})
        assert response.status_code == 400, kind
        assert "只有" in response.content.decode()  # the service's refusal, in Chinese
    response = author.post(reverse("assessment:act", args=[mine.pk, "acknowledgement"]), {"text": "同意"})
    assert response.status_code == 400 and "不能本人签署意见" in response.content.decode()
    assert author.post(f"/assessment/{mine.pk}/delete/", {}).status_code == 404
    assert author.get(reverse("assessment:act", args=[mine.pk, "proposal"])).status_code == 405
    assert (
        client_for(org.unrelated)
        .post(reverse("assessment:act", args=[mine.pk, "review_request"]), {"text": "x"})
        .status_code
        == 404
    )
    assert not Step.objects.exists()


def test_the_head_decides_within_the_quota_live_and_is_refused_past_it(org: Org, year: Period) -> None:
    first, second, third = org.author, org.colleague, Person.objects.get(username="staff0")
    for person in (first, second, third):
        proposed(org, year, person, "优秀")
    client = client_for(org.unit_head)
    home = page(client, reverse("assessment:home"))
    assert "待确定等次" in home and "“优秀”等次名额" in home and "已定 0 / 上限 2 人" in home

    def decide(person: Person, grade: str, reason: str = REASON) -> str:
        assessment = of(year, person)
        url = reverse("assessment:act", args=[assessment.pk, "decision"])
        response = client.post(url, {"grade": grade, "reason": reason, "row": "1"}, **HTMX)
        assert response.status_code == 200
        return response.content.decode()

    row = decide(first, "优秀")
    assert f'id="row-{of(year, first).pk}"' in row and "已定：优秀" in row
    assert 'hx-swap-oob="true"' in row and "已定 1 / 上限 2 人" in row  # the bar, out of band
    row = decide(second, "优秀", reason="")
    assert "请写明理由" in row and "已定 1 / 上限 2 人" in row
    assert "已定 2 / 上限 2 人" in decide(second, "优秀")
    row = decide(third, "优秀")
    assert "优秀等次已达本单位" in row and "须经组织人事部门批准" in row  # the service's message, in the row
    assert '<option value="优秀" selected>' in row
    assert of(year, third).grade == "" and of(year, third).state == State.PROPOSED
    assert "已定：称职" in decide(third, "称职")

    # Without script, the same form posts and comes back to the page it came from.
    assessment = of(year, third)
    url = reverse("assessment:act", args=[assessment.pk, "decision"])
    response = client.post(url, {"grade": "优秀", "reason": REASON, "next": "/assessment/"})
    assert response.status_code == 400 and "优秀等次已达本单位" in response.content.decode()
    response = client.post(url, {"grade": "基本称职", "reason": REASON, "next": "https://example.com/"})
    assert response.status_code == 302 and response["Location"] == reverse("assessment:detail", args=[assessment.pk])


# ---- the unit sheet, 公示, quota raises, export ------------------------------------------------------------------


def test_the_unit_sheet_is_for_the_units_leaders_and_hr_and_refuses_bad_input(org: Org, year: Period) -> None:
    url = reverse("assessment:unit", args=[year.pk, org.finance.pk])
    for who in (org.author, org.unrelated, org.civil_head, org.inspector):
        page(client_for(who), url, 404)
    for bad in (
        f"/assessment/periods/{year.pk}/units/{HUGE}/",
        f"/assessment/periods/{HUGE}/units/{org.finance.pk}/",
        f"/assessment/periods/{year.pk}/units/{org.civil.pk + 999}/",
    ):
        page(client_for(org.hr), bad, 404)
    head = client_for(org.unit_head)
    sheet = page(head, url)
    assert "张伟" in sheet and "科员及以下" in sheet and "“优秀”等次名额" in sheet
    assert "全部人员的等次确定后方可开始公示" in sheet

    response = head.post(reverse("assessment:notice_start", args=[year.pk, org.finance.pk]), {"start": ""})
    assert response.status_code == 400 and "尚未确定" in response.content.decode()
    response = head.post(reverse("assessment:notice_start", args=[year.pk, org.finance.pk]), {"start": "2026-13-45"})
    assert response.status_code == 400 and "日期格式" in response.content.decode()

    raise_url = reverse("assessment:quota_raise", args=[year.pk, org.finance.pk])
    assert head.post(raise_url, {"rank_group": "staff", "percent": "30", "reason": "批准"}).status_code == 400
    hr = client_for(org.hr)
    for data, message in (
        ({"rank_group": "staff", "percent": "abc", "reason": "局党组批准"}, "比例应为整数"),
        ({"rank_group": "staff", "percent": "300", "reason": "局党组批准"}, "不能超过 100%"),
        ({"rank_group": "nobody", "percent": "30", "reason": "局党组批准"}, "请选择职级组"),
        ({"rank_group": "staff", "percent": "30", "reason": ""}, "请写明理由"),
    ):
        response = hr.post(raise_url, data)
        assert response.status_code == 400 and message in response.content.decode(), data
    assert not QuotaRaise.objects.exists()
    response = hr.post(raise_url, {"rank_group": "staff", "percent": "30", "reason": "区委组织部批复同意"})
    assert response.status_code == 302
    assert "已定 0 / 上限 3 人" in page(hr, url) and "已经批准提高比例" in page(hr, url)


def test_the_notice_runs_for_the_units_staff_and_the_person_acknowledges(org: Org, quarter: Period) -> None:
    people = Assessment.objects.filter(period=quarter, unit=org.finance).select_related("person", "period")
    for assessment in people:
        summary_submit(person=assessment.person, assessment=assessment, body=SUMMARY)
        proposer = org.district_deputy if assessment.person_id == org.unit_head.pk else org.unit_head
        decider = org.hr if assessment.person_id == org.unit_head.pk else org.unit_head
        grade_propose(actor=proposer, assessment=assessment, grade="好", reason=REASON)
        grade_decide(
            actor=decider,
            assessment=assessment,
            grade="好" if assessment.person == org.author else "较好",
            reason=REASON,
        )
    head = client_for(org.unit_head)
    response = head.post(reverse("assessment:notice_start", args=[quarter.pk, org.finance.pk]), {"start": ""})
    assert response.status_code == 302
    notice_url = reverse("assessment:notice", args=[quarter.pk, org.finance.pk])
    notice = page(client_for(org.colleague), notice_url)
    assert "考核结果公示" in notice and "张伟" in notice and REASON not in notice
    page(client_for(org.unrelated), notice_url, 404)
    page(client_for(org.colleague), f"/assessment/periods/{quarter.pk}/units/{HUGE}/notice/", 404)

    mine = of(quarter, org.author)
    client = client_for(org.author)
    assert "结果公示中" in page(client, reverse("assessment:home"))
    detail = page(client, reverse("assessment:detail", args=[mine.pk]))
    assert 'id="act-acknowledgement"' in detail and 'id="act-review_request"' in detail
    url = reverse("assessment:act", args=[mine.pk, "acknowledgement"])
    response = client.post(url, {"text": ""})
    assert response.status_code == 400 and "请写明理由" in response.content.decode()
    response = client.post(url, {"text": "同意"})
    assert response.status_code == 302
    detail = page(client, response["Location"])
    assert "已签署意见" in detail and 'id="act-acknowledgement"' not in detail


def test_a_closed_review_window_hides_the_form_and_refuses_the_request(org: Org, quarter: Period) -> None:
    mine = of(quarter, org.author)
    long_ago = local_today() - datetime.timedelta(days=90)
    Assessment.objects.filter(pk=mine.pk).update(
        state=State.NOTICED, grade="较好", decided_on=long_ago, noticed_from=long_ago, noticed_until=long_ago
    )
    client = client_for(org.author)
    home = page(client, reverse("assessment:home"))
    assert "已完成" in home and "公示中" not in home  # the notice is over, whether or not the nightly write ran
    detail = page(client, reverse("assessment:detail", args=[mine.pk]))
    assert 'id="act-review_request"' not in detail and 'id="act-appeal"' not in detail
    response = client.post(reverse("assessment:act", args=[mine.pk, "review_request"]), {"text": "我有异议"})
    assert response.status_code == 400 and "复核" in response.content.decode()
    assert not Step.objects.filter(kind=StepKind.REVIEW_REQUEST).exists()


def test_the_export_is_for_deciders(org: Org, year: Period) -> None:
    url = reverse("assessment:export", args=[year.pk, org.finance.pk])
    response = client_for(org.unit_head).get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content.startswith(b"PK") and "attachment" in response["Content-Disposition"]
    page(client_for(org.section_head), url, 404)  # sees the sheet of its section's people, not the unit's roll
    page(client_for(org.author), url, 404)


# ---- HR: periods --------------------------------------------------------------------------------------------------


def test_hr_opens_a_period_and_bad_dates_are_kept_with_chinese_messages(org: Org) -> None:
    url = reverse("assessment:period_new")
    page(client_for(org.unit_head), url, 404)
    hr = client_for(org.hr)
    assert "开启考核周期" in page(hr, reverse("assessment:home"))
    bad: list[tuple[dict[str, Any], str]] = [
        ({"kind": "monthly", "start": "2026-10-01", "end": "2026-12-31"}, "请选择平时考核或年度考核"),
        ({"kind": "everyday", "start": "", "end": "2026-12-31"}, "请填写开始日期"),
        ({"kind": "everyday", "start": "2026-02-30", "end": "2026-12-31"}, "日期格式"),
        ({"kind": "everyday", "start": "2026-12-31", "end": "2026-10-01"}, "结束日期不能早于开始日期"),
        ({"kind": "everyday", "start": "2020-01-01", "end": "2026-12-31"}, "不能超过一年"),
    ]
    for data, message in bad:
        response = hr.post(url, data)
        text = response.content.decode()
        assert response.status_code == 400 and message in text, (data, text[-2000:])
    assert 'value="2020-01-01"' in text  # what was typed stays
    assert not Period.objects.exists()
    response = hr.post(url, {"kind": "everyday", "start": "2026-10-01", "end": "2026-12-31", "summary_due": ""})
    assert response.status_code == 302
    period = Period.objects.get()
    progress = page(hr, response["Location"])
    assert "2026年第四季度平时考核" in progress and "区财政局" in progress
    assert hr.post(url, {"kind": "everyday", "start": "2026-10-01", "end": "2026-12-31"}).status_code == 400
    page(client_for(org.unrelated), reverse("assessment:period", args=[period.pk]), 404)
    page(hr, f"/assessment/periods/{HUGE}/", 404)


# ---- the dossier --------------------------------------------------------------------------------------------------


def test_the_dossier_shows_the_grades_and_reasons_to_whom_may_see_them(org: Org, quarter: Period) -> None:
    proposed(org, quarter, org.author, "较好")
    url = reverse("assessment:dossier", args=[org.author.pk])
    dossier = page(client_for(org.author), url)
    assert "张伟 实绩档案" in dossier and quarter.name in dossier and REASON in dossier and "打印" in dossier
    assert REASON in page(client_for(org.unit_head), url)
    for who in (org.unrelated, org.colleague):
        page(client_for(who), url, 404)
    page(client_for(org.author), f"/assessment/people/{HUGE}/", 404)
    page(client_for(org.author), "/assessment/people/0/", 404)


def test_the_menu_offers_assessment_to_everyone(org: Org) -> None:
    assert 'href="/assessment/"' in page(client_for(org.unrelated), reverse("records:today"))


def test_the_printable_page_has_everything_on_paper(org: Org, quarter: Period) -> None:
    mine = proposed(org, quarter, org.author, "较好")
    text = page(client_for(org.author), reverse("assessment:print", args=[mine.pk]))
    assert "张伟" in text and SUMMARY in text and REASON in text and "打印日期" in text
    page(client_for(org.unrelated), reverse("assessment:print", args=[mine.pk]), 404)
    page(client_for(org.author), f"/assessment/{HUGE}/print/", 404)


def test_review_and_appeal_each_get_their_decision_with_a_reason(org: Org, quarter: Period) -> None:
    mine = proposed(org, quarter, org.author, "较好")
    grade_decide(actor=org.unit_head, assessment=mine, grade="一般", reason=REASON)
    Assessment.objects.filter(period=quarter, unit=org.finance).exclude(pk=mine.pk).update(state=State.DECIDED)
    notice_start(actor=org.unit_head, period=quarter, unit=org.finance)
    client = client_for(org.author)
    response = client.post(reverse("assessment:act", args=[mine.pk, "review_request"]), {"text": ""})
    assert response.status_code == 400 and "请写明理由" in response.content.decode()
    assert 'id="act-review_request"' in response.content.decode() and "<details open>" in response.content.decode()
    response = client.post(reverse("assessment:act", args=[mine.pk, "review_request"]), {"text": "督办三项均按期办结"})
    assert response.status_code == 302 and of(quarter, org.author).state == State.REVIEW

    head = client_for(org.unit_head)
    detail = page(head, reverse("assessment:detail", args=[mine.pk]))
    assert 'id="act-review_decision"' in detail and "督办三项均按期办结" in detail
    url = reverse("assessment:act", args=[mine.pk, "review_decision"])
    assert head.post(url, {"grade": "较好", "reason": ""}).status_code == 400
    assert head.post(url, {"grade": "较好", "reason": "复核后改为较好：督办按期办结属实。"}).status_code == 302
    assert of(quarter, org.author).grade == "较好"

    response = client.post(reverse("assessment:act", args=[mine.pk, "appeal"]), {"text": "仍有异议，请求申诉"})
    assert response.status_code == 302 and of(quarter, org.author).state == State.APPEAL
    page(head, reverse("assessment:detail", args=[mine.pk]))  # the head sees it, but the appeal is HR's
    assert 'id="act-appeal_decision"' not in page(head, reverse("assessment:detail", args=[mine.pk]))
    hr = client_for(org.hr)
    detail = page(hr, reverse("assessment:detail", args=[mine.pk]))
    form = detail[detail.index('id="act-appeal_decision"') :]
    assert "仍有异议，请求申诉" in form[: form.index("</form>")]  # the request, quoted beside the decision
    assert '<option value="较好" selected>' in form and 'href="#act-appeal_decision"' in detail
    url = reverse("assessment:act", args=[mine.pk, "appeal_decision"])
    assert hr.post(url, {"grade": "不存在", "reason": "维持"}).status_code == 400
    assert hr.post(url, {"grade": "较好", "reason": "维持复核决定。"}).status_code == 302
    history = page(client, reverse("assessment:detail", args=[mine.pk]))
    for words in ("申请复核", "复核决定", "提出申诉", "申诉处理决定", "维持复核决定。"):
        assert words in history


def test_the_heads_list_costs_the_same_for_three_people_as_for_ten(org: Org, year: Period) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(org.unit_head)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("assessment:home")).status_code == 200
        return len(captured)

    for person in (org.author, org.colleague, Person.objects.get(username="staff0")):
        proposed(org, year, person, "称职")
    few = queries()
    for n in range(1, 5):
        proposed(org, year, Person.objects.get(username=f"staff{n}"), "称职")
    assert queries() <= few + 2


def test_hr_marks_a_probationer_who_then_gets_a_comment_only_and_closes_the_period(org: Org, quarter: Period) -> None:
    mine = of(quarter, org.author)
    url = reverse("assessment:probationer", args=[mine.pk])
    assert client_for(org.section_head).post(url, {"is_probationer": "1"}).status_code == 404
    hr = client_for(org.hr)
    assert "标记为试用期人员" in page(hr, reverse("assessment:detail", args=[mine.pk]))
    assert hr.post(url, {"is_probationer": "1"}).status_code == 302
    assert of(quarter, org.author).is_probationer
    summary_submit(person=org.author, assessment=mine, body=SUMMARY)
    detail = page(client_for(org.section_head), reverse("assessment:detail", args=[mine.pk]))
    assert "不定等次（仅写评语）" in detail and "评语（必填）" in detail
    response = client_for(org.section_head).post(
        reverse("assessment:act", args=[mine.pk, "proposal"]), {"grade": "", "reason": "试用期表现良好。"}
    )
    assert response.status_code == 302
    response = hr.post(url, {"is_probationer": "0"})  # too late now: the message, nothing changed
    assert "不能再更改试用期标记" in page(hr, response["Location"]) and of(quarter, org.author).is_probationer

    sheet = page(hr, reverse("assessment:unit", args=[quarter.pk, org.finance.pk]))
    assert "调整优秀比例" not in sheet and "名额" not in sheet  # the everyday scale limits no grade by default
    close = reverse("assessment:period_close", args=[quarter.pk])
    assert client_for(org.unit_head).post(close).status_code == 404
    assert "结束本周期" in page(hr, reverse("assessment:period", args=[quarter.pk]))
    assert hr.post(close).status_code == 302
    assert "已经结束" in page(hr, hr.post(close)["Location"])
    assert Period.objects.get().closed_at is not None
    assert client_for(org.hr).get(f"/assessment/periods/{HUGE}/close/").status_code == 404


def test_the_demo_worlds_assessment_pages_answer_for_every_role(db: None) -> None:
    """The tiny demo world (last quarter done for most units, this year open, reviews and an appeal): the pages of
    HR, a unit head, a section head and a clerk answer, with what each should find."""
    from jishi.demo.world import build_world
    from jishi.org.models import Leadership, Role

    build_world(scale="tiny", seed=7, start=datetime.date(2026, 9, 1), end=datetime.date(2026, 11, 20))
    hr = Person.objects.filter(role_grants__role=Role.HR, role_grants__all_units=True).first()
    assert hr is not None
    client = client_for(hr)
    home = page(client, reverse("assessment:home"))
    assert "考核周期" in home
    for period in Period.objects.all():
        progress = page(client, reverse("assessment:period", args=[period.pk]))
        unit_ids = {a.unit_id for a in Assessment.objects.filter(period=period)}
        for unit_id in sorted(unit_ids)[:3]:
            assert "名额" in page(client, reverse("assessment:unit", args=[period.pk, unit_id])) or progress
    appeal = Assessment.objects.get(state=State.APPEAL)
    assert 'id="act-appeal_decision"' in page(client, reverse("assessment:detail", args=[appeal.pk]))
    person_page = page(client_for(appeal.person), reverse("assessment:home"))
    assert "申诉中" in person_page
    page(client_for(appeal.person), reverse("assessment:dossier", args=[appeal.person_id]))
    head = (
        Person.objects.filter(
            assignments__position__unit_id=appeal.unit_id, assignments__position__leadership=Leadership.PRINCIPAL
        )
        .exclude(pk=appeal.person_id)
        .first()
    )
    assert head is not None
    page(client_for(head), reverse("assessment:home"))
    page(client_for(head), reverse("assessment:unit", args=[appeal.period_id, appeal.unit_id]))
    page(client_for(head), reverse("assessment:detail", args=[appeal.pk]))


def test_english_readers_get_the_pages_in_english(org: Org, quarter: Period) -> None:
    from django.conf import settings

    client = client_for(org.author)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    home = page(client, reverse("assessment:home"))
    assert "My assessments" in home and "Write the summary" in home and "我的考核" not in home
    response = client.post(reverse("assessment:summary", args=[of(quarter, org.author).pk]), {"body": ""})
    assert response.status_code == 400 and "The summary cannot be empty." in response.content.decode()


def test_hr_adds_someone_the_period_left_out(org: Org, quarter: Period) -> None:
    url = reverse("assessment:period_add", args=[quarter.pk])
    assert client_for(org.unit_head).post(url, {"person": "social_worker"}).status_code == 404
    hr = client_for(org.hr)
    assert "增加被考核人" in page(hr, reverse("assessment:period", args=[quarter.pk]))
    for data, message in (
        ({"person": ""}, "请填写人员"),
        ({"person": "nobody-here"}, "没有找到该人员"),
        ({"person": "author"}, "已在本考核周期中"),
        ({"person": "x" * 200}, "150"),
    ):
        response = hr.post(url, data)
        assert response.status_code == 400 and message in response.content.decode(), data
    response = hr.post(url, {"person": "何燕", "is_probationer": "on"})  # the 社工, a voluntary filer
    assert response.status_code == 302
    added = of(quarter, org.social_worker)
    assert added.is_probationer and "已增加被考核人：何燕" in page(hr, response["Location"])


def test_a_summary_or_reason_with_a_control_character_is_refused_on_the_page(org: Org, quarter: Period) -> None:
    period = quarter
    mine = Assessment.objects.get(period=period, person=org.author)
    answer = client_for(org.author).post(f"/assessment/{mine.pk}/summary/", {"body": SUMMARY + "\x07响铃"})
    assert answer.status_code == 400 and "控制字符" in answer.content.decode()
    assert not PersonalSummary.objects.filter(assessment=mine).exists()
    summary_submit(person=org.author, assessment=mine, body=SUMMARY)
    answer = client_for(org.section_head).post(
        f"/assessment/{mine.pk}/proposal/", {"grade": "好", "reason": "理由\x1b[31m"}
    )
    assert answer.status_code in (200, 400) and "控制字符" in answer.content.decode()
    assert not Step.objects.filter(assessment=mine, kind=StepKind.PROPOSAL).exists()
