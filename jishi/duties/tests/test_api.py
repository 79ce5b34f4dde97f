"""POST /api/v1/duties/suggest and GET /api/v1/duties/coverage: the same selectors and rules as the pages."""

from __future__ import annotations

import pytest
from django.test import Client

from jishi.accounts.services import token_create
from jishi.duties.tests.conftest import Duties, Records
from jishi.org.models import Person
from jishi.testing import Org

pytestmark = pytest.mark.django_db


def api_for(person: Person) -> Client:
    _, secret = token_create(person=person, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_suggest_ranks_the_callers_duties(org: Org, duties: Duties) -> None:
    response = api_for(org.author).post(
        "/api/v1/duties/suggest", {"content": "审核教育局年中预算追加申请"}, content_type="application/json"
    )
    assert response.status_code == 200
    found = response.json()["suggestions"]
    assert found[0]["code"] == "CZJ-01" and found[0]["id"] == duties.budget.pk
    assert found[0]["score"] > 0 and "预算" in found[0]["because"]
    scores = [s["score"] for s in found]
    assert scores == sorted(scores, reverse=True)


def test_suggest_for_a_date_and_for_nothing(org: Org, duties: Duties) -> None:
    api = api_for(org.author)
    empty = api.post("/api/v1/duties/suggest", {"content": "   "}, content_type="application/json")
    assert empty.status_code == 200 and empty.json() == {"suggestions": [], "matched": False, "message": ""}
    dated = api.post(
        "/api/v1/duties/suggest", {"content": "拨付专项资金", "date": "2024-05-06"}, content_type="application/json"
    )
    assert dated.status_code == 200
    bad = api.post("/api/v1/duties/suggest", {"content": "预算", "date": "昨天"}, content_type="application/json")
    assert bad.status_code == 422
    assert (
        Client().post("/api/v1/duties/suggest", {"content": "预算"}, content_type="application/json").status_code == 401
    )


def test_coverage_through_the_api(org: Org, duties: Duties, records: Records, settings) -> None:
    settings.JISHI_MIN_GROUP_SIZE = 1
    body = api_for(org.colleague).get("/api/v1/duties/coverage", {"unit": org.finance.pk}).json()
    assert body["kind"] == "unit" and body["subject"] == "区财政局"
    assert body["total_records"] == 4
    covered = {line["code"]: line for line in body["covered"]}
    assert covered["CZJ-01"]["records"] == 2 and covered["CZJ-01"]["hours"] == 1.5
    assert covered["CZJ-09"]["retired_on"] is not None
    assert body["no_duty"]["records"] == 1 and body["no_duty"]["title"] == "未对应职责"
    assert "CZJ-2-01" in {line["code"] for line in body["uncovered"]}


def test_coverage_errors(org: Org, duties: Duties, records: Records) -> None:
    stranger = api_for(org.unrelated)
    assert stranger.get("/api/v1/duties/coverage", {"unit": org.finance.pk}).status_code == 404
    assert stranger.get("/api/v1/duties/coverage", {"person": org.author.pk}).status_code == 404
    mine = api_for(org.author)
    backwards = mine.get("/api/v1/duties/coverage", {"date_from": "2026-06-30", "date_to": "2026-04-01"})
    assert backwards.status_code == 400
    assert "不能早于开始日期" in backwards.json()["errors"]["date_to"][0]
    assert mine.get("/api/v1/duties/coverage", {"date_from": "abc"}).json()["errors"].keys() == {"date_from"}
    two = mine.get("/api/v1/duties/coverage", {"person": org.author.pk, "unit": org.budget.pk})
    assert two.status_code == 400
    assert mine.get("/api/v1/duties/coverage").json()["subject_id"] == org.author.pk


def test_the_period_is_date_from_and_date_to_and_start_end_still_work(org: Org, duties: Duties) -> None:
    mine = api_for(org.author)
    period = mine.get("/api/v1/duties/coverage", {"date_from": "2026-04-01", "date_to": "2026-06-30"}).json()
    assert (period["start"], period["end"]) == ("2026-04-01", "2026-06-30")
    old = mine.get("/api/v1/duties/coverage", {"start": "2026-04-01", "end": "2026-06-30"}).json()  # deprecated names
    assert (old["start"], old["end"]) == ("2026-04-01", "2026-06-30")
    parameters = mine.get("/api/v1/openapi.json").json()["paths"]["/api/v1/duties/coverage"]["get"]["parameters"]
    assert {p["name"] for p in parameters if p.get("deprecated")} == {"start", "end"}


def test_small_groups_are_withheld_from_colleagues(org: Org, duties: Duties, records: Records, settings) -> None:
    settings.JISHI_MIN_GROUP_SIZE = 5
    body = api_for(org.colleague).get("/api/v1/duties/coverage", {"unit": org.finance.pk}).json()
    assert body["withheld"] is True and body["total_records"] == 0 and body["covered"] == []
    assert api_for(org.unit_head).get("/api/v1/duties/coverage", {"unit": org.finance.pk}).json()["withheld"] is False
