"""督办 pages: lists with capped queries, the flow, the record page's panel, forms that show the service's errors."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from jishi.records.models import Visibility
from jishi.records.services import record_withdraw
from jishi.tasks.models import Status, Task, TaskRecordLink
from jishi.tasks.services import task_link_record, task_transition
from jishi.tasks.tests.helpers import file_record, issue
from jishi.testing import Org


def login(client: Client, person) -> Client:
    client.force_login(person)
    return client


def test_lists_show_overdue_and_stuck_with_capped_queries(
    org: Org, client: Client, django_assert_max_num_queries
) -> None:
    for n in range(25):
        issue(org, title=f"第{n}项督办事项：完成专项资金清理", collaborating_unit_ids=[org.civil.pk])
    late = Task.objects.order_by("id").first()
    assert late is not None
    Task.objects.filter(pk=late.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=3),
        last_activity_at=timezone.now() - datetime.timedelta(days=30),
    )
    issue(org, issuer=org.secretary, owner_unit_id=org.relief.pk, title="核查低保对象资格")
    login(client, org.secretary)
    client.get("/tasks/")  # the worker now holds the reader's organisation (jishi.core.cache)
    with django_assert_max_num_queries(16):
        page = client.get("/tasks/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "逾期" in text and "停滞" in text and "更多" in text and "区民政局" in text
    # The overview per department: 财政局 owns 25 (one overdue and stuck), 民政局 one.
    overview = text.split("各单位承办情况")[1].split("</table>")[0]
    assert "区财政局" in overview and "区民政局" in overview and "overdue=1" in overview
    login(client, org.district_deputy)
    client.get("/tasks/")
    with django_assert_max_num_queries(16):
        only_late = client.get("/tasks/?overdue=1&stuck=1")
    assert only_late.content.decode().count('class="who"') == 1
    with django_assert_max_num_queries(14):
        unit_page = client.get(f"/tasks/unit/{org.civil.pk}/?rel=collaborating")
    assert unit_page.content.decode().count('class="who"') == 20
    cursor = client.get("/tasks/", HTTP_HX_REQUEST="true")
    assert cursor.status_code == 200


def test_someone_outside_sees_no_tasks_and_a_404_on_one(org: Org, client: Client) -> None:
    task = issue(org)
    login(client, org.sibling)
    assert "没有符合条件的督办" in client.get("/tasks/").content.decode()
    assert client.get(f"/tasks/{task.pk}/").status_code == 404


def test_the_flow_page_hides_records_the_viewer_may_not_read(org: Org, client: Client) -> None:
    task = issue(org, collaborating_unit_ids=[org.civil.pk])
    task_transition(actor=org.author, task=task, to_status=Status.ACCEPTED)
    secret = file_record(org.author, content="约谈预算执行进度滞后的三个单位负责人", visibility=Visibility.SUPERIORS)
    task_link_record(actor=org.author, task=task, record=secret)
    login(client, org.unrelated)  # 民政局, a collaborator: sees the task, not the record
    text = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "一条无权查看的记实" in text and "约谈预算执行进度" not in text and "关联记实" not in text
    login(client, org.unit_head)
    text = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "约谈预算执行进度" in text and "首条记实关联，自动转为办理中" in text


def test_the_owner_moves_the_task_from_its_page(org: Org, client: Client) -> None:
    task = issue(org)
    login(client, org.author)
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "接收" in page and "确认办结" not in page
    client.post(f"/tasks/{task.pk}/transition/", {"to_status": "done", "result": "完成了"})
    task.refresh_from_db()
    assert task.status == Status.ISSUED
    response = client.post(f"/tasks/{task.pk}/transition/", {"to_status": "accepted"}, follow=True)
    assert "已更新督办状态" in response.content.decode()
    task.refresh_from_db()
    assert task.status == Status.ACCEPTED


def test_the_record_page_offers_linking_to_the_author_and_an_instruction_to_leaders(org: Org, client: Client) -> None:
    task = issue(org, title="清理结转结余资金")
    record = file_record(org.author)
    login(client, org.author)
    page = client.get(f"/records/{record.pk}/").content.decode()
    assert "关联督办" in page and "清理结转结余资金" in page and 'href="/tasks/records/' not in page
    response = client.post(f"/tasks/records/{record.pk}/link/", {"task": task.pk}, follow=True)
    assert "已关联督办" in response.content.decode()
    assert TaskRecordLink.objects.filter(task=task, record=record).exists()
    login(client, org.district_deputy)
    page = client.get(f"/records/{record.pk}/").content.decode()
    assert f"/tasks/records/{record.pk}/instruct/" in page and "清理结转结余资金" in page


def test_a_colleague_cannot_link_the_authors_record(org: Org, client: Client) -> None:
    task = issue(org)
    record = file_record(org.author)
    login(client, org.colleague)
    response = client.post(f"/tasks/records/{record.pk}/link/", {"task": task.pk})
    assert response.status_code == 403 and not TaskRecordLink.objects.exists()


def test_instruct_form_shows_errors_beside_fields_and_creates_the_task(org: Org, client: Client) -> None:
    record = file_record(org.author)
    login(client, org.district_deputy)
    url = f"/tasks/records/{record.pk}/instruct/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"title": "请抓紧落实", "owner_unit": org.finance.pk, "deadline": ""})
    assert "请填写办结时限。" in bad.content.decode() and not Task.objects.exists()
    deadline = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    good = client.post(
        url,
        {
            "title": "请抓紧落实",
            "owner_unit": org.finance.pk,
            "deadline": deadline,
            "collaborating_units": [org.civil.pk],
        },
    )
    task = Task.objects.get()
    assert good.status_code == 302 and good["Location"] == f"/tasks/{task.pk}/" and task.source_record == record


def test_instructing_on_a_hidden_record_is_a_404_and_staff_cannot_issue(org: Org, client: Client) -> None:
    hidden = file_record(org.author, visibility=Visibility.SUPERIORS)
    login(client, org.civil_head)
    assert client.get(f"/tasks/records/{hidden.pk}/instruct/").status_code == 404
    login(client, org.author)
    assert client.get("/tasks/new/").status_code == 403


def test_the_instruction_form_never_quotes_content_the_issuer_may_not_read(org: Org, client: Client) -> None:
    sensitive = file_record(org.author, content="涉及干部任免的谈话材料准备与汇总", is_sensitive=True)
    login(client, org.civil_head)  # sees that the record exists (政府内部), not its sensitive content
    response = client.get(f"/tasks/records/{sensitive.pk}/instruct/")
    assert response.status_code == 403 and "干部任免" not in response.content.decode()
    withdrawn = file_record(org.author, content="已撤回的预算执行情况说明材料起草")
    record_withdraw(actor=org.author, record=withdrawn, reason="重复填写")
    login(client, org.unit_head)
    response = client.get(f"/tasks/records/{withdrawn.pk}/instruct/")
    assert response.status_code == 403 and "预算执行情况说明" not in response.content.decode()


def test_a_withdrawn_record_is_neither_offered_nor_linked(org: Org, client: Client) -> None:
    task = issue(org)
    record = file_record(org.author, content="已撤回的记实不应推进督办事项的进度")
    record_withdraw(actor=org.author, record=record, reason="填错了日期")
    login(client, org.author)
    assert "已撤回的记实不应推进" not in client.get(f"/tasks/{task.pk}/").content.decode()
    with pytest.raises(ValidationError):
        task_link_record(actor=org.author, task=task, record=record)
    assert not TaskRecordLink.objects.filter(record=record).exists()


def test_issuing_to_a_unit_outside_ones_charge_is_a_403(org: Org, client: Client) -> None:
    login(client, org.deputy_not_in_charge)
    deadline = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    # The form offers only 国库科; a forged post for 预算科 is refused by the service, not just the form.
    form = client.get("/tasks/new/").content.decode()
    assert "国库科" in form and "预算科" not in form
    response = client.post(
        "/tasks/new/", {"title": "核对国库集中支付", "owner_unit": org.treasury.pk, "deadline": deadline}
    )
    assert response.status_code == 302


def test_the_task_page_offers_ones_own_recent_records(org: Org, client: Client) -> None:
    task = issue(org, collaborating_unit_ids=[org.civil.pk])
    mine = file_record(org.unrelated, content="核对享受补贴人员名单，提供给区财政局预算科")
    login(client, org.unrelated)  # a collaborator
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "关联我的记实" in page and "核对享受补贴人员名单" in page
    response = client.post(f"/tasks/{task.pk}/records/", {"record": mine.pk}, follow=True)
    assert "已关联记实" in response.content.decode()
    assert TaskRecordLink.objects.filter(task=task, record=mine, linked_by=org.unrelated).exists()
    assert "关联我的记实" not in client.get(f"/tasks/{task.pk}/").content.decode()  # nothing left to link
    login(client, org.district_deputy)  # sees the task, is not on it
    assert "关联我的记实" not in client.get(f"/tasks/{task.pk}/").content.decode()
    theirs = file_record(org.author)
    assert client.post(f"/tasks/{task.pk}/records/", {"record": theirs.pk}).status_code == 403
