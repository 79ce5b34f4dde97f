"""考核标准 in the admin site: administrators change them with the same rules as HR's API, every change audited."""

from __future__ import annotations

import datetime
from typing import Any

from django.test import Client

from jishi.assessment.models import Standard
from jishi.core.models import AuditEvent
from jishi.org.models import Role, RoleGrant
from jishi.testing import Org


def form(standard: Standard, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "category": standard.category,
        "rank_group": standard.rank_group,
        "everyday_grades": '["好", "较好", "一般", "较差"]',
        "annual_grades": '["优秀", "称职", "基本称职", "不称职"]',
        "excellent_grade": standard.excellent_grade,
        "excellent_share": str(standard.excellent_share),
        "everyday_quota": "",
        "notice_working_days": standard.notice_working_days,
        "review_window_days": standard.review_window_days,
        "appeal_window_days": standard.appeal_window_days,
        "probationer_mode": standard.probationer_mode,
        "record_requires_duty": "on",
        "evidence_sections": '["records", "coverage", "tasks"]',
        "notice_shows": standard.notice_shows,
    }
    values.update(changes)
    return values


def hr_administrator(org: Org) -> Client:
    RoleGrant.objects.create(person=org.admin, role=Role.HR, all_units=True, granted_on=datetime.date(2000, 1, 1))
    client = Client()
    client.force_login(org.admin)
    return client


def test_an_administrator_who_is_not_hr_only_reads_the_standards(org: Org) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(org.admin)
    standard = Standard.objects.get(category="", rank_group="")
    url = f"/admin/assessment/standard/{standard.pk}/change/"
    assert client.get("/admin/assessment/standard/").status_code == 200
    page = client.get(url)
    assert page.status_code == 200 and "已发起的周期沿用发起时的标准" in page.content.decode()
    assert 'name="excellent_share"' not in page.content.decode()  # shown, not a field
    assert client.post(url, form(standard, excellent_share="1.00")).status_code == 403
    assert client.get("/admin/assessment/standard/add/").status_code == 403
    standard.refresh_from_db()
    assert str(standard.excellent_share) == "0.20"


def test_an_administrator_who_is_hr_changes_the_default_standard_and_it_is_audited(org: Org) -> None:
    client = hr_administrator(org)
    standard = Standard.objects.get(category="", rank_group="")
    url = f"/admin/assessment/standard/{standard.pk}/change/"
    assert client.get("/admin/assessment/standard/").status_code == 200
    assert client.get(url).status_code == 200
    answer = client.post(url, form(standard, notice_working_days=7, excellent_share="0.15"))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    standard.refresh_from_db()
    assert standard.notice_working_days == 7 and str(standard.excellent_share) == "0.15"
    assert standard.evidence_sections == ["records", "coverage", "tasks"]
    assert AuditEvent.objects.filter(verb="standard.update").exists()


def test_the_admin_form_keeps_the_rules(org: Org) -> None:
    client = hr_administrator(org)
    standard = Standard.objects.get(category="", rank_group="")
    url = f"/admin/assessment/standard/{standard.pk}/change/"
    for changes, message in (
        ({"annual_grades": '["甲", "乙"]'}, "受比例限制的等次应为年度考核等次之一"),
        ({"annual_grades": '["称职", "称职"]'}, "不能有重复的等次"),
        ({"evidence_sections": '["logins"]'}, "实绩材料应从"),
        ({"excellent_share": "1.5"}, "1"),
        ({"notice_working_days": "0"}, "1"),
        ({"category": "martian"}, "martian"),
    ):
        answer = client.post(url, form(standard, **changes))
        assert answer.status_code == 200 and message in answer.content.decode(), changes
    standard.refresh_from_db()
    assert standard.annual_grades == ["优秀", "称职", "基本称职", "不称职"] and standard.notice_working_days == 5


def test_no_one_else_enters_it(org: Org) -> None:
    client = Client()
    for person in (org.unit_head, org.hr):
        client.force_login(person)
        assert client.get("/admin/assessment/standard/").status_code == 302
