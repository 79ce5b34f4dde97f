"""周报 / 月报: the draft from a hand-built week, submission and versions, who reads a report, bad input."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from jishi.accounts.services import token_create
from jishi.core.models import AuditEvent
from jishi.org.models import Duty
from jishi.org.rules import build_reader
from jishi.records.models import WorkRecord
from jishi.records.rules import content_q
from jishi.records.services import record_withdraw
from jishi.summaries.drafting import condense
from jishi.summaries.models import Summary, SummaryVersion
from jishi.summaries.services import period_containing, summary_draft, summary_submit
from jishi.tasks.services import task_link_record
from jishi.tasks.tests.helpers import file_record, issue
from jishi.testing import Org, category


def week_start() -> datetime.date:
    return period_containing("week", timezone.localdate()).start


@pytest.fixture
def week(org: Org) -> dict[str, WorkRecord]:
    """张伟's week: two records on the budget duty, one without a duty, one sensitive, one withdrawn."""
    duty = Duty.objects.get(code="CZJ-01")
    monday, today = week_start(), timezone.localdate()
    records = {
        "budget": file_record(
            org.author,
            "审核区教育局追加预算申请三项，核减不合理支出。另与对方沟通了细节",
            date=monday,
            duty_id=duty.pk,
            result="核减120万元，已反馈教育局",
        ),
        "budget2": file_record(org.author, "编制下年度部门预算初稿；汇总各科室需求", date=today, duty_id=duty.pk),
        "other": file_record(
            org.author, "参加区里组织的党建学习会议，学习有关文件精神", date=today, category_id=category("training").pk
        ),
        "sensitive": file_record(org.author, "处理一起涉及干部个人事项的来信核查", date=monday, is_sensitive=True),
        "withdrawn": file_record(org.author, "误填的一条记实，内容作废不应出现", date=today),
        "colleague": file_record(org.colleague, "同事的工作不应出现在张伟的周报里", date=today),
    }
    record_withdraw(actor=org.author, record=records["withdrawn"], reason="误填")
    return records


def test_condense_keeps_the_first_sentence_in_its_own_words() -> None:
    assert condense("审核申请三项，核减支出。另与对方沟通") == "审核申请三项，核减支出"
    assert condense("甲" * 200).endswith("…") and len(condense("甲" * 200)) == 80
    assert condense("\n第二行才有字") == "第二行才有字"


def test_draft_groups_the_week_by_duty_from_the_persons_own_records(org: Org, week: dict[str, WorkRecord]) -> None:
    draft = summary_draft(person=org.author, kind="week", period_start=week_start())
    titles = [s.title for s in draft.sections]
    assert titles[0] == "部门预算编制和执行" and titles[-1] == "未关联职责"
    text = draft.text()
    assert "审核区教育局追加预算申请三项，核减不合理支出" in text  # the first sentence, their own words
    assert "另与对方沟通了细节" not in text
    assert "结果/进展：核减120万元，已反馈教育局" in text
    assert "处理一起涉及干部个人事项的来信核查" in text  # the author's own sensitive record
    assert "误填" not in text  # withdrawn: left out
    assert "同事的工作" not in text  # someone else's record
    assert draft.record_count == 4
    assert "工时：" in text and "合计" in text


def test_draft_lists_the_tasks_the_records_moved(org: Org, week: dict[str, WorkRecord]) -> None:
    task = issue(org, owner_unit_id=org.budget.pk, owner_person_id=org.author.pk, title="教育局追加预算审核")
    task_link_record(actor=org.author, task=task, record=week["budget"])
    text = summary_draft(person=org.author, kind="week", period_start=week_start()).text()
    assert "推进的督办事项" in text and "教育局追加预算审核" in text and "本期关联记实 1 条" in text


def test_the_month_is_drafted_by_the_same_code(org: Org, week: dict[str, WorkRecord]) -> None:
    start = timezone.localdate().replace(day=1)
    draft = summary_draft(person=org.author, kind="month", period_start=start)
    in_month = [r for k, r in week.items() if k not in ("withdrawn", "colleague") and r.date >= start]
    assert draft.record_count == len(in_month)


def test_an_empty_period_says_so(org: Org) -> None:
    assert "本期没有记实" in summary_draft(person=org.author, kind="week", period_start=week_start()).text()


def test_submit_with_one_edit_then_correct_as_a_new_version(org: Org, week: dict[str, WorkRecord]) -> None:
    first = summary_submit(user=org.author, kind="week", period_start=week_start(), plan="完成预算初稿报局务会")
    summary = first.summary
    assert first.number == 1 and "部门预算编制和执行" in first.body  # the draft as it stands
    assert summary.unit == org.budget
    again = summary_submit(user=org.author, kind="week", period_start=week_start(), body=first.body, plan=first.plan)
    assert again.pk == first.pk  # a double tap writes nothing
    second = summary_submit(
        user=org.author, kind="week", period_start=week_start(), body=first.body + "\n补充", plan=""
    )
    assert second.number == 2
    assert list(SummaryVersion.objects.filter(summary=summary).values_list("number", flat=True)) == [1, 2]
    assert SummaryVersion.objects.get(pk=first.pk).body == first.body  # kept as it was
    verbs = list(
        AuditEvent.objects.filter(target_type="summaries.summary").order_by("pk").values_list("verb", "data__number")
    )
    assert verbs == [("summary.submit", 1), ("summary.correct", 2)]
    assert AuditEvent.objects.filter(target_type="summaries.summary", data__digest__isnull=False).count() == 2


def test_the_next_period_shows_the_plan_on_top(org: Org) -> None:
    last_week = week_start() - datetime.timedelta(days=7)
    summary_submit(user=org.author, kind="week", period_start=last_week, body="上周工作", plan="下周完成预算初稿")
    assert summary_draft(person=org.author, kind="week", period_start=week_start()).previous_plan == "下周完成预算初稿"
    client = Client()
    client.force_login(org.author)
    page = client.get(f"/summaries/week/{week_start().isoformat()}/").content.decode()
    assert "上期计划" in page and "下周完成预算初稿" in page


@pytest.mark.parametrize(
    ("kind", "start", "field"),
    [
        ("week", lambda: week_start() + datetime.timedelta(days=1), "period_start"),  # not a Monday
        ("month", lambda: timezone.localdate().replace(day=1) + datetime.timedelta(days=1), "period_start"),
        ("week", lambda: week_start() + datetime.timedelta(days=7), "period_start"),  # the future
        ("year", week_start, "kind"),
    ],
)
def test_a_wrong_period_is_refused_in_chinese(org: Org, kind: str, start, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        summary_submit(user=org.author, kind=kind, period_start=start(), body="x")
    assert field in refused.value.message_dict


def test_empty_or_too_long_text_is_refused(org: Org) -> None:
    with pytest.raises(ValidationError) as refused:
        summary_submit(user=org.author, kind="week", period_start=week_start(), body="  ", plan="计" * 2001)
    assert set(refused.value.message_dict) == {"body", "plan"}


# Who reads 张伟's (预算科) report: the author, their superiors, scoped roles covering 预算科 — nobody else.
READS = {
    "author": True,
    "section_head": True,
    "deputy_in_charge": True,
    "unit_head": True,
    "district_deputy": True,
    "secretary": True,
    "inspector": True,  # whole jurisdiction
    "hr": True,  # whole jurisdiction
    "colleague": False,
    "sibling": False,
    "deputy_not_in_charge": False,
    "other_district_deputy": False,
    "unrelated": False,
    "civil_head": False,
    "scoped_inspector": False,  # covers 民政局 only
    "admin": False,  # manages the organisation, reads as staff
    "social_worker": False,
}


@pytest.mark.parametrize(("who", "reads"), READS.items())
def test_visibility_matrix(org: Org, week: dict[str, WorkRecord], who: str, reads: bool) -> None:
    summary = summary_submit(user=org.author, kind="week", period_start=week_start(), plan="计划").summary
    person = getattr(org, who)
    assert Summary.objects.visible_to(person).filter(pk=summary.pk).exists() is reads
    client = Client()
    client.force_login(person)
    page = client.get(f"/summaries/{summary.pk}/")
    assert page.status_code == (200 if reads else 404)
    listed = client.get("/summaries/").content.decode()
    assert (f"/summaries/{summary.pk}/" in listed) is reads
    _, secret = token_create(person=person, name="测试")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get(f"/api/v1/summaries/{summary.pk}").status_code == (200 if reads else 404)
    listing = api.get("/api/v1/summaries" + ("?mine=true" if who == "author" else "")).json()["items"]
    assert (summary.pk in [s["id"] for s in listing]) is reads
    if reads:
        # Whoever reads the report may read the sensitive record's content on the record itself: the report's rule is
        # narrower than the content rule, so the author's own sensitive work in it reaches nobody it should not.
        assert "来信核查" in page.content.decode()
        shown = WorkRecord.objects.filter(pk=week["sensitive"].pk).filter(
            content_q(build_reader(person.pk, timezone.localdate()))
        )
        assert shown.exists()


def test_anonymous_reads_nothing(org: Org) -> None:
    from django.contrib.auth.models import AnonymousUser

    summary_submit(user=org.author, kind="week", period_start=week_start(), body="本周工作")
    assert not Summary.objects.visible_to(AnonymousUser()).exists()
    assert Client().get("/summaries/").status_code == 302


def test_one_tap_on_the_page_submits_to_the_superior(org: Org, week: dict[str, WorkRecord]) -> None:
    client = Client()
    client.force_login(org.author)
    page = client.get("/summaries/week/")
    assert page.status_code == 200
    body = page.context["body"]
    assert "刘洋" in page.content.decode()  # 提交给: the section head
    done = client.post(f"/summaries/week/{week_start().isoformat()}/", {"body": body, "plan": "下周计划"}, follow=True)
    assert done.status_code == 200 and "已提交" in done.content.decode()
    head = Client()
    head.force_login(org.section_head)
    assert "张伟" in head.get("/summaries/").content.decode()


def test_bad_input_is_never_a_500(org: Org) -> None:
    client = Client()
    client.force_login(org.author)
    other = summary_submit(user=org.colleague, kind="week", period_start=week_start(), body="同事的周报")
    assert client.get(f"/summaries/{other.summary_id}/").status_code == 404  # another person's report
    assert client.get("/summaries/year/").status_code == 404
    assert client.get("/summaries/week/2026-13-45/").status_code == 404
    tuesday = (week_start() + datetime.timedelta(days=1)).isoformat()
    assert client.get(f"/summaries/week/{tuesday}/").status_code == 302  # to the week's Monday
    future = (week_start() + datetime.timedelta(days=14)).isoformat()
    assert client.get(f"/summaries/week/{future}/").status_code == 302
    refused = client.post(f"/summaries/week/{week_start().isoformat()}/", {"body": "", "plan": ""})
    assert refused.status_code == 400 and "报告内容不能为空" in refused.content.decode()
    _, secret = token_create(person=org.author, name="测试")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    bad = api.post("/api/v1/summaries", {"kind": "week", "period_start": tuesday}, content_type="application/json")
    assert bad.status_code == 400 and "星期一" in str(bad.json())
    assert api.get(f"/api/v1/summaries/draft?kind=week&period_start={tuesday}").status_code == 400
    assert api.get("/api/v1/summaries/draft?kind=year&period_start=2026-01-01").status_code == 422
    assert api.get(f"/api/v1/summaries/{other.summary_id}").status_code == 404
    assert api.get("/api/v1/summaries/999999").status_code == 404


def test_api_drafts_and_submits_in_one_call(org: Org, week: dict[str, WorkRecord]) -> None:
    _, secret = token_create(person=org.author, name="测试")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    draft = api.get(f"/api/v1/summaries/draft?kind=week&period_start={week_start().isoformat()}").json()
    assert draft["record_count"] == 4 and "部门预算编制和执行" in draft["body"]
    made = api.post(
        "/api/v1/summaries",
        {"kind": "week", "period_start": week_start().isoformat(), "plan": "下周计划"},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert made.json()["versions"][0]["body"] == draft["body"] and made.json()["versions"][0]["plan"] == "下周计划"


def test_the_pages_read_in_english(org: Org, week: dict[str, WorkRecord], settings) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(org.author)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/summaries/week/").content.decode()
    assert "Submit to my superiors" in page and "Not linked to a duty" in page and ">Reports<" in page


def test_a_submitted_report_is_sealed_and_cannot_be_changed_behind_jishi(org: Org) -> None:
    from django.db import connection

    from jishi.integrity.verification import CHANGED, verify

    version = summary_submit(user=org.author, kind="week", period_start=week_start(), body="本周工作", plan="计划")
    assert verify().ok
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {SummaryVersion._meta.db_table} SET body = %s WHERE id = %s", ["改写的周报", version.pk]
        )
    assert [p.object_id for p in verify().problems if p.what == CHANGED and p.kind == "summary"] == [version.pk]


def test_the_report_goes_to_the_superior_chain_nearest_first(org: Org) -> None:
    from jishi.summaries.services import recipients

    names = [p.full_name for p in recipients(org.author)]
    assert names[0] == "刘洋"  # 科长 first
    assert names.index("陈静") < names.index("黄敏") and names[-1] in ("吴军", "黄敏")  # the district last
    assert set(names) == {"刘洋", "陈静", "赵强", "黄敏", "吴军"}  # superiors_of: the whole chain
