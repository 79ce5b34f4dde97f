"""考核 API: the same services as the pages — 400 with Chinese messages per field, 403 for the wrong person on a visible
assessment, 404 for a hidden or missing one, 422 for values of the wrong shape; never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from jishi.accounts.services import token_create
from jishi.assessment.models import Assessment, Standard, State
from jishi.assessment.tests.helpers import Q4_END, Q4_START, REASON, SUMMARY, of, open_quarter, take_to_decided
from jishi.org.models import Person
from jishi.testing import Org, write_record

BASE = "/api/v1/assessment"


def api_for(person: Person) -> Client:
    _, secret = token_create(person=person, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post(client: Client, url: str, data: Any) -> Any:
    return client.post(url, data, content_type="application/json")


def patch(client: Client, url: str, data: Any) -> Any:
    return client.patch(url, data, content_type="application/json")


def test_the_whole_flow_through_the_api(org: Org) -> None:
    write_record(org.author, content="牵头编制部门预算草案，完成初审")
    hr, author, head, section_head = (
        api_for(org.hr),
        api_for(org.author),
        api_for(org.unit_head),
        api_for(org.section_head),
    )
    opened = post(hr, f"{BASE}/periods", {"kind": "everyday", "start": Q4_START.isoformat(), "end": Q4_END.isoformat()})
    assert opened.status_code == 201, opened.content
    period = opened.json()
    assert period["name"] == "2026年第四季度平时考核"
    assert [p["id"] for p in author.get(f"{BASE}/periods").json()["items"]] == [period["id"]]

    mine = author.get(f"{BASE}?mine=true").json()
    assert mine["total"] == 1
    assessment_id = mine["items"][0]["id"]
    url = f"{BASE}/{assessment_id}"
    draft = author.get(f"{url}/summary/draft")
    assert draft.status_code == 200 and "牵头编制部门预算草案" in draft.json()["body"]
    submitted = post(author, f"{url}/summary", {"body": draft.json()["body"] + "\n下季度继续做好预算执行分析。"})
    assert submitted.status_code == 201 and submitted.json()["summary"]["version"] == 1

    refused = post(section_head, f"{url}/proposal", {"grade": "优秀", "reason": REASON})
    assert refused.status_code == 400 and "好、较好、一般、较差" in refused.json()["errors"]["grade"][0]
    refused = post(section_head, f"{url}/proposal", {"grade": "较好", "reason": " "})
    assert refused.status_code == 400 and refused.json()["errors"]["reason"] == ["请填写理由。"]
    proposed = post(section_head, f"{url}/proposal", {"grade": "较好", "reason": REASON})
    assert proposed.status_code == 200 and proposed.json()["state"] == "proposed"
    # The section head sees the assessment but does not decide: 403 with the reason.
    refused = post(section_head, f"{url}/decision", {"grade": "较好", "reason": REASON})
    assert refused.status_code == 403 and "主要负责人" in refused.json()["detail"]
    assert "decision" in head.get(url).json()["actions"]
    decided = post(head, f"{url}/decision", {"grade": "较好", "reason": REASON})
    assert decided.status_code == 200 and decided.json()["grade"] == "较好"

    period_obj = of(Assessment.objects.get(pk=assessment_id).period, org.author).period
    for person in (org.colleague, org.sibling, org.section_head, org.deputy_in_charge, org.deputy_not_in_charge,
                   org.unit_head):  # fmt: skip
        take_to_decided(org, of(period_obj, person), "好")
    sheet = head.get(f"{BASE}/periods/{period['id']}/units/{org.finance.pk}").json()
    assert sheet["can_start_notice"] and len(sheet["rows"]) == 7
    assert {r["proposed_grade"] for r in sheet["rows"]} == {"较好", "好"}
    assert head.get(f"{BASE}/periods/{period['id']}/units/{org.finance.pk}/quota").status_code == 200
    noticed = post(head, f"{BASE}/periods/{period['id']}/units/{org.finance.pk}/notice", {})
    assert noticed.status_code == 200, noticed.content
    shown = api_for(org.colleague).get(f"{BASE}/periods/{period['id']}/units/{org.finance.pk}/notice").json()
    assert shown["running"] and "较好" not in {e["grade"] for e in shown["entries"]}  # only 好 by default
    assert "reason" not in str(shown)

    assert post(author, f"{url}/acknowledgement", {"text": "同意"}).status_code == 200
    assert post(author, f"{url}/review", {"reason": "请求复核"}).json()["state"] == "review"
    assert post(head, f"{url}/review/decision", {"grade": "较好", "reason": "维持"}).json()["state"] == "final"
    assert post(author, f"{url}/appeal", {"reason": "申诉"}).json()["state"] == "appeal"
    assert post(head, f"{url}/appeal/decision", {"grade": "好", "reason": "改为好"}).status_code == 403
    done = post(hr, f"{url}/appeal/decision", {"grade": "好", "reason": "经核实改为好"}).json()
    assert done["grade"] == "好" and done["state"] == State.FINAL
    assert [s["kind"] for s in done["steps"]][-2:] == ["appeal", "appeal_decision"]


def test_hidden_assessments_are_404_for_the_unrelated_and_401_for_the_anonymous(org: Org) -> None:
    period = open_quarter(org)
    mine = of(period, org.author)
    for person in (org.colleague, org.unrelated, org.civil_head, org.inspector, org.admin):
        client = api_for(person)
        assert client.get(f"{BASE}/{mine.pk}").status_code == 404
        assert post(client, f"{BASE}/{mine.pk}/proposal", {"grade": "较好", "reason": REASON}).status_code == 404
        assert post(client, f"{BASE}/{mine.pk}/summary", {"body": SUMMARY}).status_code == 404
        ids = {a["id"] for a in client.get(BASE).json()["items"]}
        assert mine.pk not in ids
    for person in (org.section_head, org.deputy_in_charge, org.unit_head, org.district_deputy, org.secretary, org.hr):
        assert api_for(person).get(f"{BASE}/{mine.pk}").status_code == 200
    assert Client().get(f"{BASE}/{mine.pk}").status_code == 401
    assert Client().get(BASE).status_code == 401
    colleague = api_for(org.colleague)
    assert colleague.get(f"{BASE}/periods/{period.pk}/units/{org.finance.pk}").status_code == 404
    assert api_for(org.unrelated).get(f"{BASE}/periods/{period.pk}/units/{org.finance.pk}/notice").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/0",
        f"{BASE}/-1",
        f"{BASE}/abc",
        f"{BASE}/{2**63}",
        f"{BASE}/99999",
        f"{BASE}?period=abc",
        f"{BASE}?period=0",
        f"{BASE}?state=nonsense",
        f"{BASE}?limit=0",
        f"{BASE}?limit=100000",
        f"{BASE}?page=0",
        f"{BASE}?page=abc",
        f"{BASE}/periods/0/units/1",
        f"{BASE}/periods/99999/units/99999",
        f"{BASE}/periods/1/units/{2**64}/notice",
        f"{BASE}/99999/summary/draft",
    ],
)
def test_wrong_values_in_urls_are_refused_without_a_500(org: Org, url: str) -> None:
    open_quarter(org)
    answer = api_for(org.hr).get(url)
    assert answer.status_code in (404, 422), (url, answer.status_code, answer.content)


def test_wrong_values_in_bodies_are_refused_with_field_messages(org: Org) -> None:
    hr = api_for(org.hr)
    bad_periods: list[tuple[Any, int, str | None]] = [
        ({"kind": "monthly", "start": "2026-10-01", "end": "2026-12-31"}, 422, None),
        ({"kind": "annual", "start": "2026-13-01", "end": "2026-12-31"}, 422, None),
        ({"kind": "annual", "start": "2026-12-31", "end": "2026-01-01"}, 400, "end"),
        ({"kind": "annual", "start": "0001-01-01", "end": "9999-12-31"}, 400, "end"),
        ({"kind": "annual", "start": "2026-01-01", "end": "2026-12-31", "name": "考" * 200}, 400, "name"),
        ({"kind": "annual", "start": "2026-01-01", "end": "2026-12-31", "probationer_ids": [0]}, 422, None),
        ({"kind": "annual", "start": "2026-01-01", "end": "2026-12-31", "probationer_ids": "x"}, 422, None),
        ([1, 2], 422, None),
        ("not json", 400, None),  # ninja: "Cannot parse request body"
    ]
    for data, status, field in bad_periods:
        answer = post(hr, f"{BASE}/periods", data)
        assert answer.status_code == status, (data, answer.content)
        if field:
            assert answer.json()["errors"][field][0]
    assert post(api_for(org.unit_head), f"{BASE}/periods", {"kind": "annual", "start": "2026-01-01",
                                                             "end": "2026-12-31"}).status_code == 403  # fmt: skip
    period = open_quarter(org)
    mine = of(period, org.author)
    author = api_for(org.author)
    for data in ({"body": 1}, {"body": None}, {}, {"body": ["a"]}):
        assert post(author, f"{BASE}/{mine.pk}/summary", data).status_code == 422
    answer = post(author, f"{BASE}/{mine.pk}/summary", {"body": "短"})
    assert answer.status_code == 400 and "body" in answer.json()["errors"]
    post(author, f"{BASE}/{mine.pk}/summary", {"body": SUMMARY})
    head = api_for(org.unit_head)
    for data in ({"grade": 1, "reason": "x"}, {"grade": "好"}, {"reason": None}):
        assert post(head, f"{BASE}/{mine.pk}/proposal", data).status_code == 422
    answer = post(head, f"{BASE}/{mine.pk}/decision", {"grade": "好", "reason": REASON})
    assert answer.status_code == 400 and "state" in answer.json()["errors"]  # no proposal yet
    raise_url = f"{BASE}/periods/{period.pk}/quota-raises"
    for data, status in (
        ({"unit_id": org.finance.pk, "rank_group": "staff", "share": "5", "reason": "批准"}, 422),
        ({"unit_id": org.finance.pk, "rank_group": "staff", "share": "abc", "reason": "批准"}, 422),
        ({"unit_id": org.finance.pk, "rank_group": "all", "share": "0.3", "reason": "批准"}, 422),
        ({"unit_id": 0, "rank_group": "staff", "share": "0.3", "reason": "批准"}, 422),
        ({"unit_id": 99999, "rank_group": "staff", "share": "0.3", "reason": "批准"}, 404),
        ({"unit_id": org.finance.pk, "rank_group": "staff", "share": "0.3", "reason": ""}, 400),
    ):
        answer = post(hr, raise_url, data)
        assert answer.status_code == status, (data, answer.content)
    ok = post(hr, raise_url, {"unit_id": org.finance.pk, "rank_group": "staff", "share": "0.3", "reason": "经批准"})
    assert ok.status_code == 201 and ok.json()["share"] == "0.30"
    notice = f"{BASE}/periods/{period.pk}/units/{org.finance.pk}/notice"
    for data, status in (({"start": "9999-12-31"}, 400), ({"start": "0001-01-01"}, 400), ({"start": "x"}, 422)):
        answer = post(head, notice, data)
        assert answer.status_code == status, (data, answer.content)


def test_hr_edits_the_standards_through_the_api(org: Org) -> None:
    default = Standard.objects.get(category="", rank_group="")
    url = f"{BASE}/standards/{default.pk}"
    hr = api_for(org.hr)
    listed = hr.get(f"{BASE}/standards").json()
    assert (
        listed[0]["annual_grades"] == ["优秀", "称职", "基本称职", "不称职"] and listed[0]["excellent_share"] == "0.20"
    )
    assert listed[0]["notice_working_days"] == 5 and listed[0]["review_window_days"] == 30
    changed = patch(hr, url, {"notice_working_days": 7, "notice_shows": "all_grades"})
    assert changed.status_code == 200 and changed.json()["notice_working_days"] == 7
    assert patch(api_for(org.unit_head), url, {"notice_working_days": 3}).status_code == 403
    for data, status, field in (
        ({"annual_grades": []}, 400, "annual_grades"),
        ({"annual_grades": ["称职", "称职"]}, 400, "annual_grades"),
        ({"annual_grades": ["甲", "乙"]}, 400, "excellent_grade"),
        ({"evidence_sections": ["logins"]}, 400, "evidence_sections"),
        ({"category": "social_worker"}, 400, "category"),
        ({"notice_working_days": 0}, 422, None),
        ({"excellent_share": "1.5"}, 422, None),
        ({"probationer_mode": "maybe"}, 422, None),
    ):
        answer = patch(hr, url, data)
        assert answer.status_code == status, (data, answer.content)
        if field:
            assert answer.json()["errors"][field][0]
    assert patch(hr, f"{BASE}/standards/99999", {}).status_code == 404
    created = post(hr, f"{BASE}/standards", {"category": "social_worker", "annual_grades": ["优秀", "合格", "不合格"]})
    assert created.status_code == 201, created.content
    assert post(hr, f"{BASE}/standards", {"category": "social_worker"}).status_code == 400
    assert post(hr, f"{BASE}/standards", {"category": "martian"}).status_code == 400
    assert Standard.objects.get(category="", rank_group="").notice_working_days == 7


def test_hr_marks_a_probationer_and_closes_the_period(org: Org) -> None:
    period = open_quarter(org)
    mine = of(period, org.author)
    hr = api_for(org.hr)
    assert post(api_for(org.unit_head), f"{BASE}/{mine.pk}/probationer", {"is_probationer": True}).status_code == 403
    assert post(hr, f"{BASE}/{mine.pk}/probationer", {"is_probationer": "perhaps"}).status_code == 422
    marked = post(hr, f"{BASE}/{mine.pk}/probationer", {"is_probationer": True})
    assert marked.status_code == 200 and marked.json()["is_probationer"] is True
    assert post(api_for(org.author), f"{BASE}/periods/{period.pk}/close", {}).status_code in (403, 404)
    closed = post(hr, f"{BASE}/periods/{period.pk}/close", {})
    assert closed.status_code == 200 and closed.json()["closed_at"]
    again = post(hr, f"{BASE}/periods/{period.pk}/close", {})
    assert again.status_code == 400 and again.json()["errors"]["period"]
    refused = post(api_for(org.author), f"{BASE}/{mine.pk}/summary", {"body": SUMMARY})
    assert refused.status_code == 400 and "已结束" in refused.json()["errors"]["state"][0]


def test_hr_adds_a_person_to_a_period(org: Org) -> None:
    period = open_quarter(org)
    url = f"{BASE}/periods/{period.pk}/assessments"
    hr = api_for(org.hr)
    for data, status in (
        ({"person_id": 0}, 422),
        ({"person_id": "x"}, 422),
        ({"person_id": 99999}, 404),
        ({"person_id": org.author.pk}, 400),  # already in it
        ({"person_id": org.secretary.pk}, 400),  # the level above assesses the district's leaders
    ):
        answer = post(hr, url, data)
        assert answer.status_code == status, (data, answer.content)
    assert post(api_for(org.unit_head), url, {"person_id": org.social_worker.pk}).status_code == 403
    added = post(hr, url, {"person_id": org.social_worker.pk})
    assert added.status_code == 201 and added.json()["person"]["name"] == "何燕"
    # Staff see the period (their own assessment is in it) but add no one.
    assert post(api_for(org.unrelated), url, {"person_id": org.social_worker.pk}).status_code == 403
