"""督办 API: the same services and errors as the pages — 400 with field messages, 403 wrong person, 404 hidden."""

from __future__ import annotations

import datetime
from typing import Any

from django.test import Client
from django.utils import timezone

from jishi.accounts.services import token_create
from jishi.org.models import Person
from jishi.records.models import Visibility
from jishi.tasks.models import Status, Task
from jishi.tasks.tests.helpers import file_record, issue
from jishi.testing import Org


def api_for(person: Person) -> Client:
    _, secret = token_create(person=person, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def body(org: Org, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "完成养老服务补贴资金拨付",
        "deadline": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
        "owner_unit_id": org.budget.pk,
    }
    values.update(overrides)
    return values


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def test_instruction_to_confirmation_through_the_api(org: Org) -> None:
    record = file_record(org.author)
    deputy, author, helper = api_for(org.district_deputy), api_for(org.author), api_for(org.unrelated)
    created = post(
        deputy,
        "/api/v1/tasks/instructions",
        body(org, record_id=record.pk, owner_unit_id=org.finance.pk, collaborating_unit_ids=[org.civil.pk]),
    )
    assert created.status_code == 201, created.content
    task = created.json()
    assert task["source_record_id"] == record.pk and task["collaborating_units"][0]["name"] == "区民政局"
    assert task["flow"][0]["label"] == "下达" and task["status"] == "issued"
    url = f"/api/v1/tasks/{task['id']}"
    assert post(author, f"{url}/transitions", {"to_status": "accepted"}).json()["status"] == "accepted"
    linked = post(author, f"{url}/records", {"record_id": file_record(org.author).pk})
    assert linked.status_code == 201 and linked.json()["status"] == "in_progress"
    assert post(helper, f"{url}/records", {"record_id": file_record(org.unrelated).pk}).status_code == 201
    done = post(author, f"{url}/transitions", {"to_status": "done", "result": "资金已拨付到位"})
    assert done.status_code == 200 and done.json()["result"] == "资金已拨付到位"
    confirmed = post(deputy, f"{url}/transitions", {"to_status": "confirmed"}).json()
    assert confirmed["status"] == "confirmed"
    assert [f["kind"] for f in confirmed["flow"]].count("record") == 2
    assert [f["label"] for f in confirmed["flow"] if f["kind"] == "event"][-1] == "确认办结"


def test_bad_inputs_are_400_with_field_messages(org: Org) -> None:
    head = api_for(org.unit_head)
    missing = post(head, "/api/v1/tasks", body(org, deadline=None, owner_unit_id=None))
    assert missing.status_code == 400
    assert missing.json()["errors"]["deadline"] == ["请填写办结时限。"]
    assert missing.json()["errors"]["owner_unit_id"] == ["请指定承办单位或承办人。"]
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert post(head, "/api/v1/tasks", body(org, deadline=past)).json()["errors"]["deadline"] == [
        "办结时限不能早于今天。"
    ]
    assert not Task.objects.exists()


def test_a_jump_is_400_and_a_stranger_confirming_is_403(org: Org) -> None:
    task = issue(org)
    author = api_for(org.author)
    jump = post(author, f"/api/v1/tasks/{task.pk}/transitions", {"to_status": "confirmed"})
    assert jump.status_code == 400 and "下一步应为“已接收”" in jump.json()["errors"]["status"][0]
    for step in ("accepted", "in_progress"):
        post(author, f"/api/v1/tasks/{task.pk}/transitions", {"to_status": step})
    post(author, f"/api/v1/tasks/{task.pk}/transitions", {"to_status": "done", "result": "资金已拨付到位"})
    refused = post(api_for(org.section_head), f"/api/v1/tasks/{task.pk}/transitions", {"to_status": "confirmed"})
    assert refused.status_code == 403 and refused.json()["detail"] == "只有下达人可以确认或退回督办。"
    task.refresh_from_db()
    assert task.status == Status.DONE


def test_linking_wrong_records_and_tasks(org: Org) -> None:
    task = issue(org)
    author = api_for(org.author)
    theirs = file_record(org.colleague)
    assert post(author, f"/api/v1/tasks/{task.pk}/records", {"record_id": theirs.pk}).status_code == 403
    outsider = api_for(org.sibling)
    own = file_record(org.sibling)
    assert post(outsider, f"/api/v1/tasks/{task.pk}/records", {"record_id": own.pk}).status_code == 404  # can't see it


def test_instruction_on_a_hidden_record_is_404_and_outside_ones_charge_403(org: Org) -> None:
    hidden = file_record(org.author, visibility=Visibility.SUPERIORS)
    civil_head = api_for(org.civil_head)
    response = post(
        civil_head, "/api/v1/tasks/instructions", body(org, record_id=hidden.pk, owner_unit_id=org.civil.pk)
    )
    assert response.status_code == 404
    refused = post(api_for(org.deputy_not_in_charge), "/api/v1/tasks", body(org))
    assert refused.status_code == 403 and "您不分管预算科" in refused.json()["detail"]


def test_list_filters(org: Org) -> None:
    on_time = issue(org, title="按时推进的事项")
    late = issue(org, title="已经逾期的事项")
    Task.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    head = api_for(org.unit_head)
    assert [t["id"] for t in head.get("/api/v1/tasks?overdue=true").json()["items"]] == [late.pk]
    assert head.get("/api/v1/tasks?overdue=true").json()["items"][0]["overdue"] is True
    everything = head.get(f"/api/v1/tasks?unit={org.finance.pk}&relation=issued").json()["items"]
    assert {t["id"] for t in everything} == {on_time.pk, late.pk}
    assert head.get(f"/api/v1/tasks?unit={org.civil.pk}&relation=owned").json()["items"] == []
    assert head.get("/api/v1/tasks?status=accepted").json()["items"] == []
    assert head.get("/api/v1/tasks?relation=bogus").status_code == 422


def test_the_api_list_has_capped_queries(org: Org, django_assert_max_num_queries) -> None:
    for n in range(25):
        issue(org, title=f"第{n}项：完成专项资金清理", collaborating_unit_ids=[org.civil.pk, org.town.pk])
    api = api_for(org.unrelated)  # a collaborator: the widest condition
    with django_assert_max_num_queries(12):
        body = api.get("/api/v1/tasks").json()
    assert len(body["items"]) == 20 and body["next_cursor"]
    with django_assert_max_num_queries(12):
        rest = api.get(f"/api/v1/tasks?cursor={body['next_cursor']}").json()
    assert len(rest["items"]) == 5 and rest["next_cursor"] is None
