"""REST API v1: bearer tokens, the same services and rules, field-level 4xx for bad input, never a 500."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jishi.accounts.services import token_create, token_revoke
from jishi.org.models import Duty, Person
from jishi.records.models import WorkRecord
from jishi.testing import GOOD_CONTENT, Org, write_record


@pytest.fixture
def api(org: Org) -> Client:
    _, secret = token_create(person=org.author, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "date": timezone.localdate().isoformat(),
        "category": "meeting",
        "content": GOOD_CONTENT,
        "start_time": "09:00",
        "end_time": "10:00",
    }
    body.update(overrides)
    return body


def test_create_read_update_through_the_api(api: Client, org: Org) -> None:
    duty = Duty.objects.get(code="CZJ-01")
    response = api.post(
        "/api/v1/records",
        payload(
            duty_id=duty.pk,
            participant_ids=[org.colleague.pk],
            partner_units=[{"unit_id": org.civil.pk, "contact_name": "孙科长"}],
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["author"]["name"] == "张伟" and body["unit"]["name"] == "预算科" and body["duty"]["code"] == "CZJ-01"
    assert len(body["participants"]) == 2 and body["editable"] and body["version"] == 1
    record_id = body["id"]
    patched = api.patch(f"/api/v1/records/{record_id}", {"result": "已形成会议纪要"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["version"] == 2
    assert patched.json()["content"] == GOOD_CONTENT and patched.json()["start_at"] == body["start_at"]
    versions = api.get(f"/api/v1/records/{record_id}/versions").json()
    assert [v["number"] for v in versions] == [1, 2]
    assert api.get(f"/api/v1/records/{record_id}").json()["result"] == "已形成会议纪要"


def test_a_duration_replaces_times_in_a_patch(api: Client, org: Org) -> None:
    record = write_record(org.author)
    response = api.patch(f"/api/v1/records/{record.pk}", {"duration_minutes": 30}, content_type="application/json")
    assert response.status_code == 200 and response.json()["start_at"] is None
    assert response.json()["duration_minutes"] == 30


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (payload(content="会议"), "content"),
        (payload(date=(timezone.localdate() + datetime.timedelta(days=1)).isoformat()), "date"),
        (payload(start_time="11:00", end_time="10:00"), "end_time"),
        (payload(category="nonsense"), "category"),
        (payload(participant_ids=[987654]), "participants"),
        (payload(duty_id=987654), "duty"),
    ],
)
def test_rule_violations_are_400_with_field_messages(api: Client, body: dict[str, Any], field: str) -> None:
    response = api.post("/api/v1/records", body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not WorkRecord.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"date": "not-a-date", "category": "meeting", "content": GOOD_CONTENT},
        {"category": "meeting"},
        payload(visibility="everyone"),
        payload(start_time="25:00"),
        payload(participant_ids="abc"),
    ],
)
def test_malformed_input_is_422_with_locations(api: Client, body: dict[str, Any]) -> None:
    response = api.post("/api/v1/records", body, content_type="application/json")
    assert response.status_code == 422
    assert all("loc" in error for error in response.json()["detail"])


def test_broken_json_is_a_4xx(api: Client) -> None:
    response = api.post("/api/v1/records", "{not json", content_type="application/json")
    assert 400 <= response.status_code < 500


def test_overlap_is_reported_with_the_clashing_record(api: Client, org: Org) -> None:
    write_record(org.author)
    response = api.post(
        "/api/v1/records", payload(start_time="09:30", end_time="11:00"), content_type="application/json"
    )
    assert response.status_code == 400 and "时间重叠" in response.json()["errors"]["start_time"][0]


def test_locked_records_cannot_be_patched_but_take_addenda(api: Client, org: Org) -> None:
    record = write_record(org.author)
    WorkRecord.objects.filter(pk=record.pk).update(locks_at=timezone.now() - datetime.timedelta(seconds=1))
    response = api.patch(
        f"/api/v1/records/{record.pk}",
        {"content": "改写：召开协调会议，明确分工和完成时限"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "已锁定" in response.json()["errors"]["__all__"][0]
    assert api.get(f"/api/v1/records/{record.pk}").json()["locked"] is True
    added = api.post(
        f"/api/v1/records/{record.pk}/addenda",
        {"content": "更正：参会单位还有区财政局"},
        content_type="application/json",
    )
    assert added.status_code == 201
    assert WorkRecord.objects.get(pk=record.pk).content == GOOD_CONTENT


def test_someone_elses_record_cannot_be_patched(org: Org) -> None:
    record = write_record(org.colleague)
    _, secret = token_create(person=org.author, name="x")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").patch(
        f"/api/v1/records/{record.pk}", {"result": "篡改"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_authentication_is_required_and_revoked_tokens_stop_working(org: Org) -> None:
    assert Client().get("/api/v1/records").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer jsk_wrong").get("/api/v1/records").status_code == 401
    token, secret = token_create(person=org.author, name="临时")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/records").status_code == 200
    token_revoke(actor=org.author, token=token)
    assert client.get("/api/v1/records").status_code == 401
    Person.objects.filter(pk=org.colleague.pk).update(is_active=False)


def test_list_filters_and_keyset_pages(api: Client, org: Org) -> None:
    today = timezone.localdate()
    for n in range(25):
        write_record(
            org.author,
            start_time=None,
            end_time=None,
            duration_minutes=10 + n,
            content=f"审核第{n}号政府采购项目材料，提出修改意见",
            date=today - datetime.timedelta(days=n % 3),
        )
    write_record(org.colleague)
    first = api.get("/api/v1/records", {"author": org.author.pk}).json()
    assert len(first["items"]) == 20 and first["next_cursor"]
    second = api.get("/api/v1/records", {"author": org.author.pk, "cursor": first["next_cursor"]}).json()
    assert len(second["items"]) == 5 and second["next_cursor"] is None
    ids = [i["id"] for i in first["items"] + second["items"]]
    assert len(set(ids)) == 25
    dates = [i["date"] for i in first["items"] + second["items"]]
    assert dates == sorted(dates, reverse=True)
    assert api.get("/api/v1/records", {"unit": org.finance.pk, "date_from": today.isoformat()}).json()["items"]
    assert api.get("/api/v1/records", {"category": "nonsense"}).status_code == 400
    assert api.get("/api/v1/records", {"date_from": "yesterday"}).status_code == 422


def test_organisation_endpoints(api: Client, org: Org) -> None:
    units = api.get("/api/v1/units", {"parent": org.finance.pk}).json()
    assert {u["name"] for u in units} == {"预算科", "国库科"}
    people = api.get("/api/v1/people", {"q": "zw"}).json()
    assert any(p["name"] == "张伟" and p["posts"][0]["unit_name"] == "预算科" for p in people)
    assert api.get(f"/api/v1/people/{org.author.pk}").json()["name"] == "张伟"
    assert api.get("/api/v1/duties", {"unit": org.finance.pk}).json()[0]["code"] == "CZJ-01"
    assert api.get("/api/v1/positions", {"unit": org.finance.pk}).status_code == 200
    assert api.get("/api/v1/units/999999").status_code == 404


def test_openapi_and_docs_are_served(db) -> None:
    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200 and "/api/v1/records" in schema.json()["paths"]
    assert Client().get("/api/v1/docs").status_code == 200


def test_list_pages_are_written_directly_but_still_match_their_schema(api: Client, org: Org) -> None:
    from jishi.records.api import RecordPageOut

    write_record(org.author, participant_ids=[org.colleague.pk])
    write_record(org.colleague, is_sensitive=True, start_time=datetime.time(11, 0), end_time=datetime.time(12, 0))
    body = api.get("/api/v1/records").json()
    page = RecordPageOut.model_validate(body)
    assert len(page.items) == 2 and page.items[0].author.name
    assert {item.content_hidden for item in page.items} == {False}
    dumped = RecordPageOut.model_validate(body).model_dump(mode="json")
    assert dumped["items"][0]["date"] == body["items"][0]["date"]


def test_a_created_record_is_answered_as_its_detail(api: Client, org: Org) -> None:
    from jishi.records.api import RecordOut

    created = api.post("/api/v1/records", payload(participant_ids=[org.colleague.pk]), content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    RecordOut.model_validate(body)
    assert body == api.get(f"/api/v1/records/{body['id']}").json()


def test_a_listed_record_reads_exactly_as_its_detail(api: Client, org: Org) -> None:
    """The list and the detail are both answered through the declared RecordOut (records.api.answer)."""
    mine = write_record(org.author, participant_ids=[org.colleague.pk])
    theirs = write_record(org.colleague, is_sensitive=True, duration_minutes=45, start_time=None, end_time=None)
    listed = {item["id"]: item for item in api.get("/api/v1/records").json()["items"]}
    for record in (mine, theirs):
        detail = api.get(f"/api/v1/records/{record.pk}").json()
        assert listed[record.pk] == detail
    assert "." in listed[mine.pk]["submitted_at"] and listed[mine.pk]["start_at"].endswith("T09:00:00+08:00")


def test_ids_beyond_any_id_are_no_error(api: Client, org: Org) -> None:
    write_record(org.author)
    huge = str(2**64)
    refused = api.get("/api/v1/records", {"author": huge})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["query", "author"]
    listed = api.get("/api/v1/records", {"cursor": f"2026-01-01_{huge}"})
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1  # a bad cursor counts as none


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/api/v1/records?duty=-81049581007149121536", None),
        ("get", "/api/v1/records?unit=9223372036854775808", None),
        ("get", "/api/v1/records/export?author=99999999999999999999", None),
        ("get", "/api/v1/records/9223372036854775808", None),
        ("get", "/api/v1/records/0/versions", None),
        ("post", "/api/v1/records", payload(duty_id=2**63)),
        ("post", "/api/v1/records", payload(participant_ids=[2**70])),
        ("post", "/api/v1/records", payload(partner_units=[{"unit_id": -(2**64)}])),
    ],
)
def test_ids_outside_a_bigint_are_invalid_input_not_a_server_error(
    api: Client, org: Org, method: str, url: str, body: dict[str, Any] | None
) -> None:
    """Generated requests (schemathesis) found 500s here: SQLite's driver cannot bind an int beyond 64 bits."""
    response = getattr(api, method)(url, body, content_type="application/json") if body else api.get(url)
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["type"] in {"less_than_equal", "greater_than"}
    assert not WorkRecord.objects.exists()


def test_a_partner_unit_needs_no_contact_name(api: Client, org: Org) -> None:
    """`contact_name` is optional in the schema; leaving it out was a KeyError (500) on create and on PATCH."""
    created = api.post(
        "/api/v1/records", payload(partner_units=[{"unit_id": org.civil.pk}]), content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assert [(p["unit"]["name"], p["contact_name"]) for p in created.json()["participants"]] == [("区民政局", "")]
    patched = api.patch(
        f"/api/v1/records/{created.json()['id']}",
        {"partner_units": [{"unit_id": org.town.pk}, {"unit_id": org.civil.pk, "contact_name": "孙科长"}]},
        content_type="application/json",
    )
    assert patched.status_code == 200, patched.content
    partners = {(p["unit"]["name"], p["contact_name"]) for p in patched.json()["participants"]}
    assert partners == {("马陆镇", ""), ("区民政局", "孙科长")}
