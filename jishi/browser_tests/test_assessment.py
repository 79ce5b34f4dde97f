"""考核 on a phone (390×844), the issue's whole journey: HR opens this quarter's everyday assessment; a clerk finds a
summary drafted from their own records and submits it; the section head reads it beside the evidence and proposes 较好
with a reason; the bureau head decides within the “好” quota — the bar moves with each decision, and one more 好 than
the limit is refused with the service's message — then starts the 公示; the clerk sees the notice, signs, and may ask
for review; the dossier shows it all. Under the Content-Security-Policy, every target at least 44 px, nothing wider
than the screen. Screenshots: test-artifacts/assessment-*.png."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from jishi.assessment.models import Assessment, Period, Standard, State
from jishi.assessment.services import grade_decide, grade_propose, summary_submit
from jishi.browser_tests.conftest import ARTIFACTS, shot
from jishi.browser_tests.test_content_security_policy import LISTEN, Watch
from jishi.browser_tests.test_phone_layout import MEASURE
from jishi.org.calendar import local_today
from jishi.org.models import Duty
from jishi.testing import Org, build_org, write_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_TARGETS = """() => [...document.querySelectorAll('main a, main button, main textarea, main select, main summary')]
  .filter(e => e.offsetParent !== null)
  .map(e => [e.textContent.trim().slice(0, 20) || e.id || e.name, e.getBoundingClientRect()])
  .filter(([, r]) => r.height < 43.5 || r.width < 43.5)
  .map(([name, r]) => `${name} ${Math.round(r.width)}×${Math.round(r.height)}`)"""
REASON = "本季度牵头完成教育局追加预算审核，核减不合理支出120万元，记实完整、结果清楚；督办事项按期办结。"


def quarter_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = (day.month - 1) // 3 * 3 + 1
    end = datetime.date(day.year + 1, 1, 1) if first == 10 else datetime.date(day.year, first + 3, 1)
    return datetime.date(day.year, first, 1), end - datetime.timedelta(days=1)


@pytest.fixture
def world(transactional_db: Any) -> Org:
    org = build_org()
    # HR's standard limits the everyday “好” to 20 % of a unit's rank group (the national default leaves it open).
    Standard.objects.update_or_create(category="", rank_group="", defaults={"everyday_quota": Decimal("0.20")})
    duty = Duty.objects.get(code="CZJ-01")
    write_record(
        org.author,
        date=local_today(),
        duty_id=duty.pk,
        content="审核区教育局追加预算申请三项，核减不合理支出。另与对方沟通了细节",
        result="核减120万元，已反馈教育局",
    )
    return org


def log_in(page: Any, server: str, username: str) -> None:
    page.goto(f"{server}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def fits(page: Any) -> None:
    """Nothing wider than the phone, no target smaller than a thumb (test_phone_layout's measure, and every field)."""
    assert page.evaluate(SMALL_TARGETS) == []
    measured = page.evaluate(MEASURE, "main")
    assert measured["small"] == [] and measured["wide"] == [] and measured["width"] <= 390, measured


def the_others_decided(org: Org, period: Period) -> None:
    """Everyone else of 区财政局 but 李娜 and 王芳 (decided on the phone) has a summary, a proposal and a grade."""
    for assessment in Assessment.objects.filter(period=period, unit=org.finance).select_related("person", "period"):
        person = assessment.person
        if person in (org.author,):
            continue
        summary_submit(person=person, assessment=assessment, body=f"{person.full_name}本季度的个人总结。")
        proposer = org.district_deputy if person == org.unit_head else org.unit_head
        grade_propose(actor=proposer, assessment=assessment, grade="较好", reason="工作扎实，记实完整。")
        if person not in (org.colleague, org.sibling):
            decider = org.hr if person == org.unit_head else org.unit_head
            grade_decide(actor=decider, assessment=assessment, grade="较好", reason="工作扎实，记实完整。")


def test_the_assessment_journey_on_a_phone(live_server: Any, browser: Any, world: Org) -> None:
    org, server = world, live_server.url
    start, end = quarter_of(local_today())

    def phone(username: str) -> tuple[Any, Watch]:
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(20_000)  # two cores shared with other work
        context.add_init_script(LISTEN)
        page = context.new_page()
        watch = Watch(page)
        log_in(page, server, username)
        return page, watch

    # HR opens the quarter.
    hr, hr_watch = phone("hr")
    hr.goto(f"{server}/assessment/")
    hr.get_by_role("link", name="开启考核周期").click()
    hr.select_option("#id_kind", "everyday")
    hr.fill("#id_start", start.isoformat())
    hr.fill("#id_end", end.isoformat())
    fits(hr)
    shot(hr, "assessment-hr-open")
    hr.get_by_role("button", name="开启").click()
    hr.wait_for_url(f"{server}/assessment/periods/*/")
    assert "参加考核" in hr.locator("#messages").inner_text()
    assert "区财政局" in hr.locator("#units").inner_text()
    fits(hr)
    shot(hr, "assessment-hr-period")
    hr_watch.assert_clean("HR's period")
    period = Period.objects.get()
    the_others_decided(org, period)

    # The clerk finds the summary drafted from their own records, and submits it.
    clerk, clerk_watch = phone("author")
    clerk.goto(f"{server}/assessment/")
    assert period.name in clerk.locator("#mine").inner_text()
    fits(clerk)
    clerk.get_by_role("link", name="撰写个人总结").click()
    body = clerk.locator("#id_body")
    drafted = body.input_value()
    assert "审核区教育局追加预算申请三项，核减不合理支出" in drafted and "另与对方沟通" not in drafted
    body.fill(drafted + "\n下季度：完成下年度预算初稿。")
    fits(clerk)
    shot(clerk, "assessment-summary")
    clerk.get_by_role("button", name="提交个人总结").click()
    clerk.wait_for_url(f"{server}/assessment/*/")
    assert "个人总结已提交" in clerk.locator("#messages").inner_text()
    assert "下季度：完成下年度预算初稿" in clerk.locator("#summary").inner_text()
    clerk_watch.assert_clean("the clerk's summary")

    # The section head reads it beside the evidence and proposes 较好 with a reason.
    head, head_watch = phone("section_head")
    head.goto(f"{server}/assessment/")
    head.locator("#to-propose a", has_text="张伟").click()
    head.wait_for_url(f"{server}/assessment/*/")
    assert "审核区教育局追加预算申请三项" in head.locator("#evidence").inner_text()
    assert "核减120万元" in head.locator("#evidence").inner_text()
    head.select_option("#act-proposal select", "较好")
    head.get_by_role("button", name="提出建议").click()  # no reason yet: refused, the grade kept
    assert head.locator("#act-proposal select").input_value() == "较好"
    head.locator("#act-proposal textarea").fill(REASON)
    fits(head)
    shot(head, "assessment-propose")
    head.get_by_role("button", name="提出建议").click()
    head.wait_for_url(f"{server}/assessment/*/")
    assert "已提出建议等次" in head.locator("#messages").inner_text()
    assert REASON in head.locator("#history").inner_text()
    head_watch.assert_clean("the section head's proposal")

    # The bureau head decides within the quota; the bar moves; one 好 past the limit is refused with the message.
    boss, boss_watch = phone("unit_head")
    boss.goto(f"{server}/assessment/")
    decide = boss.locator("#to-decide")
    bar = decide.locator(".quota").first
    assert "已定 0 / 上限 1 人" in bar.inner_text()
    fits(boss)
    colleague = decide.locator(".person-row", has_text="李娜")
    colleague.locator("select").select_option("好")
    colleague.locator("textarea").fill("牵头完成国库集中支付改革试点，成效突出。")
    colleague.get_by_role("button", name="确定等次").click()
    boss.wait_for_function(
        "() => document.querySelector('#to-decide .quota').textContent.includes('已定 1 / 上限 1 人')"
    )
    assert "已定：好" in decide.locator(".person-row", has_text="李娜").inner_text()
    sibling = decide.locator(".person-row", has_text="王芳")
    sibling.locator("select").select_option("好")
    sibling.locator("textarea").fill("国库对账零差错。")
    sibling.get_by_role("button", name="确定等次").click()
    refusal = decide.locator(".person-row", has_text="王芳").locator("[role=alert]")
    refusal.wait_for()
    assert "好等次已达本单位科员及以下上限" in refusal.inner_text() and "批准" in refusal.inner_text()
    assert decide.locator(".person-row", has_text="王芳").locator("textarea").input_value() == "国库对账零差错。"
    shot(boss, "assessment-quota-refused")
    # A full-page screenshot leaves style="" on the page, which htmx's settle would copy back (and the policy block):
    # the page again, as the head would find it later.
    boss.reload()
    sibling = decide.locator(".person-row", has_text="王芳")
    sibling.locator("select").select_option("较好")
    sibling.locator("textarea").fill("国库对账零差错。")
    sibling.get_by_role("button", name="确定等次").click()
    decide.locator(".person-row", has_text="王芳").get_by_text("已定：较好").wait_for()
    clerk_row = decide.locator(".person-row", has_text="张伟")
    assert clerk_row.locator("select").input_value() == "较好"  # the proposal, offered
    clerk_row.locator("textarea").fill("同意科室建议。" + REASON)
    clerk_row.get_by_role("button", name="确定等次").click()
    decide.locator(".person-row", has_text="张伟").get_by_text("已定：较好").wait_for()
    assert "已定 1 / 上限 1 人" in decide.locator(".quota").first.inner_text()
    fits(boss)
    shot(boss, "assessment-decided")
    assert Assessment.objects.filter(period=period, unit=org.finance, state=State.DECIDED).count() == 7

    # 公示 from the unit sheet.
    boss.goto(f"{server}/assessment/periods/{period.pk}/units/{org.finance.pk}/")
    fits(boss)
    boss.get_by_role("button", name="开始公示").click()
    boss.wait_for_url(f"{server}/assessment/periods/*/units/*/")
    assert "公示已开始" in boss.locator("#messages").inner_text()
    shot(boss, "assessment-unit-sheet")
    boss_watch.assert_clean("the bureau head's decisions")

    # The clerk sees the notice, signs; the review form is there while the window is open.
    clerk.goto(f"{server}/assessment/")
    clerk.get_by_role("link", name="结果公示中").click()
    clerk.wait_for_url(f"{server}/assessment/periods/*/units/*/notice/")
    notice = clerk.locator("#notice").inner_text()
    assert "李娜" in notice and "好" in notice and REASON not in clerk.content()
    fits(clerk)
    shot(clerk, "assessment-notice")
    clerk.goto(f"{server}/assessment/")
    clerk.locator("#mine").get_by_role("link", name="签署意见").click()
    assert clerk.locator("#act-review_request").is_visible()
    assert "较好" in clerk.locator("#grade").inner_text()
    clerk.locator("#act-acknowledgement textarea").fill("同意。")
    clerk.locator("#act-acknowledgement").get_by_role("button", name="确认并签署").click()
    clerk.wait_for_url(f"{server}/assessment/*/")
    assert "已签署意见" in clerk.locator("#messages").inner_text()
    assert "本人签署意见" in clerk.locator("#history").inner_text()
    fits(clerk)
    shot(clerk, "assessment-acknowledged")

    # The dossier shows it all.
    clerk.get_by_role("link", name="实绩档案").click()
    dossier = clerk.locator("main").inner_text()
    assert period.name in dossier and "较好" in dossier and REASON in dossier and "同意。" in dossier
    fits(clerk)
    shot(clerk, "assessment-dossier")
    clerk.emulate_media(media="print")  # on paper: no header, menu or buttons; the summary unfolded
    assert not clerk.locator(".nav").is_visible() and not clerk.get_by_role("button", name="打印").is_visible()
    assert "下季度：完成下年度预算初稿" in clerk.locator("main").inner_text()
    shot(clerk, "assessment-dossier-print")
    clerk.emulate_media(media="screen")
    clerk_watch.assert_clean("the clerk's notice, signature and dossier")


def test_the_demo_worlds_sheets_and_an_appeal_fit_a_phone(live_server: Any, phone: Any) -> None:
    """The tiny demo world on a phone: HR's home and a whole unit's sheet, a unit head's list with the quota, and the
    appeal HR decides — each within the screen, every target at least 44 px."""
    from django.apps import apps

    from jishi.demo.world import build_world
    from jishi.org.models import Leadership, Person, Role
    from jishi.records.migrations._categories import add_defaults

    add_defaults(apps, None)  # a transactional test before this one flushed the rows the data migrations wrote
    build_world(scale="tiny", seed=7, start=datetime.date(2026, 9, 1), end=datetime.date(2026, 11, 20))
    server = live_server.url
    hr = Person.objects.filter(role_grants__role=Role.HR, role_grants__all_units=True).first()
    assert hr is not None
    hr.set_password("pw")
    hr.save()
    appeal = Assessment.objects.get(state=State.APPEAL)
    biggest = max(
        {a.unit_id for a in Assessment.objects.filter(period=appeal.period)},
        key=lambda unit_id: Assessment.objects.filter(period=appeal.period, unit_id=unit_id).count(),
    )
    log_in(phone, server, hr.username)
    phone.goto(f"{server}/assessment/")
    fits(phone)
    shot(phone, "assessment-demo-hr-home")
    phone.goto(f"{server}/assessment/periods/{appeal.period_id}/units/{biggest}/")
    fits(phone)
    shot(phone, "assessment-demo-unit-sheet")
    phone.goto(f"{server}/assessment/{appeal.pk}/")
    assert phone.locator("#act-appeal_decision").is_visible()
    fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "assessment-demo-appeal-top.png"))  # what the phone shows first
    phone.locator("#act-appeal_decision").scroll_into_view_if_needed()
    phone.screenshot(path=str(ARTIFACTS / "assessment-demo-appeal-form.png"))
    head = (
        Person.objects.filter(
            assignments__position__unit_id=appeal.unit_id, assignments__position__leadership=Leadership.PRINCIPAL
        )
        .exclude(pk=appeal.person_id)
        .first()
    )
    assert head is not None
    head.set_password("pw")
    head.save()
    phone.context.clear_cookies()
    log_in(phone, server, head.username)
    phone.goto(f"{server}/assessment/")
    fits(phone)
    shot(phone, "assessment-demo-head-home")
