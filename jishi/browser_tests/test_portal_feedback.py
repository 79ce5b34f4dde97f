"""留言 on a phone: a citizen leaves a message on a leader's public record without any script, the unit's head
approves and answers it from their inbox, and the answer is on the record page — axe-core on every page on the way."""

from __future__ import annotations

from typing import Any

import pytest

from jishi.browser_tests.conftest import shot
from jishi.browser_tests.test_journeys import log_in, world  # noqa: F401  (the fixture)
from jishi.browser_tests.test_portal import check_accessibility
from jishi.portal import feedback
from jishi.portal.models import Message, MessageStatus
from jishi.portal.tests.pages_support import public_record, publish
from jishi.testing import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "请问走访中企业提出的扶持政策建议，什么时候能有答复？"
ANSWER = "已汇总企业意见，扶持细则将于下月公布。"


def test_a_citizen_asks_and_the_unit_answers_in_public(
    live_server: Any,
    phone: Any,
    browser: Any,
    world: Org,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    record = public_record(world.unit_head, content="带队走访辖区企业，听取对财政扶持政策的意见建议")
    publish(record, is_leader=True, post_title="局长")
    # The form-time check, on a clock the test moves: the citizen "takes" 30 s to write, nobody waits.
    now = [1_800_000_000.0]
    monkeypatch.setattr(feedback, "clock", lambda: now[0])
    server = live_server.url

    phone.route("**/*.js", lambda route: route.abort())  # no script at all: the form must work without it
    phone.goto(f"{server}/public/records/{record.pk}/")
    phone.click("text=对这条记实留言")
    check_accessibility(phone, "message form")
    phone.fill("#id_text", "太短")
    now[0] += 30
    phone.click("button:has-text('提交留言')")
    assert "至少 5 个字" in phone.locator("main").inner_text()
    assert phone.input_value("#id_text") == "太短"  # kept
    check_accessibility(phone, "message form with an error")
    shot(phone, "portal-feedback-refused")
    phone.fill("#id_text", QUESTION)
    phone.fill("#id_name", "王先生")
    phone.fill("#id_contact", "13812345678")
    now[0] += 30
    phone.click("button:has-text('提交留言')")
    phone.wait_for_selector("text=留言已提交")
    shot(phone, "portal-feedback-sent")
    message = Message.objects.get()
    assert message.status == MessageStatus.PENDING and message.contact == "13812345678"

    # The unit's head moderates and answers on their own phone.
    staff = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", timezone_id="Asia/Shanghai")
    head = staff.new_page()
    try:
        log_in(head, server, "unit_head")
        head.goto(f"{server}/public/inbox/")
        assert QUESTION in head.locator("main").inner_text()
        check_accessibility(head, "inbox")
        head.click("main ol a.button")
        assert "13812345678" in head.locator("main").inner_text()  # the unit may call back
        check_accessibility(head, "message page")
        head.check("input[name=decision][value=approved]")
        head.click("button:has-text('记录决定')")
        head.wait_for_selector("text=已记录审核决定")
        head.fill("textarea[name=text]", ANSWER)
        head.click("button:has-text('发布答复')")
        head.wait_for_selector("text=答复已公开")
        shot(head, "portal-feedback-answered")
    finally:
        staff.close()

    phone.goto(f"{server}/public/records/{record.pk}/")
    main = phone.locator("main").inner_text()
    assert QUESTION in main and ANSWER in main and "王先生" in main
    assert "13812345678" not in phone.content()
    check_accessibility(phone, "record page with an answer")
    shot(phone, "portal-feedback-public")
