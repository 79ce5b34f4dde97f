"""Supervision through the REST API: the same services, the same errors (400 with fields, 403, 404)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jishi.accounts.services import token_create
from jishi.org.models import Person
from jishi.records.models import Visibility, WorkRecord
from jishi.supervision import services
from jishi.supervision.models import Comment, Inquiry, RecordView
from jishi.testing import Org, write_record

pytestmark = pytest.mark.django_db


def client_for(person: Person) -> Client:
    _, secret = token_create(person=person, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def untimed(author: Person, **overrides: Any) -> WorkRecord:
    return write_record(author, start_time=None, end_time=None, duration_minutes=30, **overrides)


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def test_comment_list_create_edit(org: Org) -> None:
    record = untimed(org.author)
    boss = client_for(org.section_head)
    created = post(boss, f"/api/v1/records/{record.pk}/comments", {"text": "很好，@李娜 跟进"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["is_leader"] and body["dimension"] == "vertical" and len(body["versions"]) == 1
    edited = boss.patch(f"/api/v1/comments/{body['id']}", {"text": "很好，请跟进"}, content_type="application/json")
    assert edited.status_code == 200 and edited.json()["text"] == "很好，请跟进"
    listed = client_for(org.author).get(f"/api/v1/records/{record.pk}/comments").json()
    assert [len(c["versions"]) for c in listed] == [2]


def test_comment_errors(org: Org) -> None:
    record = untimed(org.author)
    colleague = client_for(org.colleague)
    empty = post(colleague, f"/api/v1/records/{record.pk}/comments", {"text": " "})
    assert empty.status_code == 400 and "text" in empty.json()["errors"]
    long = post(colleague, f"/api/v1/records/{record.pk}/comments", {"text": "字" * 1001})
    assert long.status_code == 400
    hidden = untimed(org.colleague, visibility=Visibility.SUPERIORS)
    assert post(client_for(org.unrelated), f"/api/v1/records/{hidden.pk}/comments", {"text": "看"}).status_code == 404
    assert post(colleague, "/api/v1/records/999999/comments", {"text": "不存在"}).status_code == 404
    comment = services.comment_create(actor=org.colleague, record=record, text="原文")
    other = client_for(org.sibling).patch(
        f"/api/v1/comments/{comment.pk}", {"text": "改别人的"}, content_type="application/json"
    )
    assert other.status_code == 403
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    late = colleague.patch(f"/api/v1/comments/{comment.pk}", {"text": "晚了"}, content_type="application/json")
    assert late.status_code == 400 and "text" in late.json()["errors"]


def test_inquiry_ask_answer_and_lists(org: Org) -> None:
    record = untimed(org.author)
    due = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    asker = client_for(org.unrelated)
    asked = post(asker, f"/api/v1/records/{record.pk}/inquiries", {"question": "这次协调的依据是什么？", "due_on": due})
    assert asked.status_code == 201 and asked.json()["status"] == "open" and asked.json()["dimension"] == "horizontal"
    inquiry_id = asked.json()["id"]
    author = client_for(org.author)
    assert [q["id"] for q in author.get("/api/v1/inquiries").json()] == [inquiry_id]
    wrong = post(client_for(org.colleague), f"/api/v1/inquiries/{inquiry_id}/answer", {"answer": "我来答"})
    assert wrong.status_code == 403
    answered = post(author, f"/api/v1/inquiries/{inquiry_id}/answer", {"answer": "依据区政府常务会纪要。"})
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    assert asker.get("/api/v1/inquiries?role=asked").json()[0]["status"] == "answered"
    assert author.get("/api/v1/inquiries").json() == []


def test_inquiry_errors(org: Org) -> None:
    record = untimed(org.author)
    asker = client_for(org.colleague)
    no_due = post(asker, f"/api/v1/records/{record.pk}/inquiries", {"question": "这次协调的依据是什么？"})
    assert no_due.status_code == 400 and "due_on" in no_due.json()["errors"]
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert (
        post(
            asker, f"/api/v1/records/{record.pk}/inquiries", {"question": "依据是什么呢？", "due_on": past}
        ).status_code
        == 400
    )
    own = post(
        client_for(org.author),
        f"/api/v1/records/{record.pk}/inquiries",
        {"question": "自己问自己可以吗", "due_on": timezone.localdate().isoformat()},
    )
    assert own.status_code == 403
    assert not Inquiry.objects.exists()


def test_confirmations_through_the_api(org: Org) -> None:
    meeting = write_record(org.author, participant_ids=[org.colleague.pk, org.sibling.pk])
    colleague = client_for(org.colleague)
    assert [p["record_id"] for p in colleague.get("/api/v1/confirmations/pending").json()] == [meeting.pk]
    confirmed = post(colleague, f"/api/v1/records/{meeting.pk}/confirm", {})
    assert confirmed.status_code == 201 and confirmed.json()["own_record_id"]
    again = post(colleague, f"/api/v1/records/{meeting.pk}/confirm", {})
    assert again.status_code == 400
    assert post(client_for(org.unrelated), f"/api/v1/records/{meeting.pk}/confirm", {}).status_code == 403
    empty = post(client_for(org.sibling), f"/api/v1/records/{meeting.pk}/reject", {"reason": ""})
    assert empty.status_code == 400 and "reason" in empty.json()["errors"]
    assert (
        post(client_for(org.sibling), f"/api/v1/records/{meeting.pk}/reject", {"reason": "未参会"}).status_code == 201
    )
    states = client_for(org.author).get(f"/api/v1/records/{meeting.pk}/confirmations").json()
    assert {s["person"]["name"]: s["status"] for s in states} == {"李娜": "confirmed", "王芳": "rejected"}
    assert colleague.get(f"/api/v1/records/{meeting.pk}/confirmations").json() == []


def test_flags_are_for_inspectors_and_the_flagger(org: Org) -> None:
    record = untimed(org.author)
    made = post(client_for(org.colleague), f"/api/v1/records/{record.pk}/flags", {"reason": "工时与会议纪要不符"})
    assert made.status_code == 201
    assert len(client_for(org.inspector).get("/api/v1/flags").json()) == 1
    assert len(client_for(org.colleague).get("/api/v1/flags").json()) == 1
    for person in (org.author, org.unit_head, org.secretary, org.hr):
        assert client_for(person).get("/api/v1/flags").json() == []
    short = post(client_for(org.colleague), f"/api/v1/records/{record.pk}/flags", {"reason": "差"})
    assert short.status_code == 400


def test_the_api_detail_is_a_view_and_the_author_sees_viewers(org: Org) -> None:
    record = untimed(org.author)
    for person in (org.district_deputy, org.inspector):
        client = client_for(person)
        assert client.get(f"/api/v1/records/{record.pk}").status_code == 200
        assert client.get(f"/api/v1/records/{record.pk}").status_code == 200
    client_for(org.author).get(f"/api/v1/records/{record.pk}")
    client_for(org.colleague).get("/api/v1/records")  # a list is not a view
    assert RecordView.objects.count() == 2
    viewers = client_for(org.author).get(f"/api/v1/records/{record.pk}/viewers").json()
    assert [(v["viewer"]["name"], v["dimension"]) for v in viewers] == [("黄敏", "top_down")]
    assert client_for(org.colleague).get(f"/api/v1/records/{record.pk}/viewers").json() == []


def test_overview_endpoint(org: Org, settings: Any) -> None:
    settings.JISHI_MIN_GROUP_SIZE = 1
    record = untimed(org.author)
    services.view_log(viewer=org.unrelated, record=record)
    response = client_for(org.inspector).get("/api/v1/supervision/overview")
    assert response.status_code == 200, response.content
    body = response.json()
    finance = next(r for r in body["rows"] if r["name"] == "区财政局")
    assert finance["records"] == 1 and finance["records_seen"] == 1
    horizontal = next(d for d in finance["dimensions"] if d["dimension"] == "horizontal")
    assert horizontal["records_seen"] == 1
    bad = client_for(org.inspector).get("/api/v1/supervision/overview?date_from=2026-12-01&date_to=2026-01-01")
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("who", "jurisdiction", "finance", "civil"),
    [
        ("secretary", 200, 200, 200),
        ("district_deputy", 200, 200, 200),
        ("inspector", 200, 200, 200),
        ("hr", 200, 200, 200),
        ("unit_head", 404, 200, 404),
        ("author", 404, 200, 404),
        ("sibling", 404, 200, 404),
        ("scoped_inspector", 404, 404, 200),
        ("unrelated", 404, 404, 200),
        # Its own 本单位 (民政局) as staff; elsewhere the administrator role is told it needs a reading grant.
        ("admin", 403, 403, 200),
        ("social_worker", 404, 404, 404),
    ],
)
def test_who_may_read_each_overview(org: Org, who: str, jurisdiction: int, finance: int, civil: int) -> None:
    client = client_for(getattr(org, who))
    got = (
        client.get("/api/v1/supervision/overview").status_code,
        client.get(f"/api/v1/supervision/overview?unit={org.finance.pk}").status_code,
        client.get(f"/api/v1/supervision/overview?unit={org.civil.pk}").status_code,
    )
    assert got == (jurisdiction, finance, civil)


def test_the_flagger_sees_a_flag_closed_but_not_the_note(org: Org) -> None:
    record = untimed(org.author)
    flag_id = post(
        client_for(org.colleague), f"/api/v1/records/{record.pk}/flags", {"reason": "工时与纪要不符"}
    ).json()["id"]
    assert post(client_for(org.author), f"/api/v1/flags/{flag_id}/close", {"note": "作者自己办结"}).status_code == 404
    closed = post(client_for(org.inspector), f"/api/v1/flags/{flag_id}/close", {"note": "已核实，系笔误"})
    assert closed.status_code == 200 and closed.json()["closing_note"] == "已核实，系笔误"
    [mine] = client_for(org.colleague).get("/api/v1/flags").json()
    assert mine["closed_at"] and mine["closing_note"] == ""


def test_lists_do_not_grow_queries_with_rows(org: Org, django_assert_max_num_queries: Any) -> None:
    record = untimed(org.author)
    due = timezone.localdate()
    for person in (org.colleague, org.sibling, org.section_head, org.unit_head, org.unrelated, org.district_deputy):
        services.comment_create(actor=person, record=record, text="点评内容")
        services.inquiry_ask(actor=person, record=record, question="请说明具体依据", due_on=due)
        services.view_log(viewer=person, record=record)
    client = client_for(org.author)
    client.get("/api/v1/inquiries")
    for url in (
        f"/api/v1/records/{record.pk}/comments",
        f"/api/v1/records/{record.pk}/inquiries",
        f"/api/v1/records/{record.pk}/viewers",
        "/api/v1/inquiries",
    ):
        with django_assert_max_num_queries(10):
            assert len(client.get(url).json()) == 6
