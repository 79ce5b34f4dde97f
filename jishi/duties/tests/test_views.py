"""The suggestion partial under the record form and the coverage page."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jishi.duties.tests.conftest import Duties, Records
from jishi.org.models import Person
from jishi.testing import Org, write_record

pytestmark = pytest.mark.django_db


def client_for(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_record_forms_ask_for_suggestions_as_the_content_is_typed(org: Org, duties: Duties) -> None:
    client = client_for(org.author)
    page = client.get(reverse("records:today")).content.decode()
    assert f'hx-post="{reverse("duties:suggest")}"' in page
    assert "keyup changed delay:400ms" in page
    assert 'id="duty-suggestions"' in page
    record = write_record(org.author, content="审核教育局年中预算追加申请，建议先调剂")
    edit = client.get(reverse("records:edit", args=[record.pk])).content.decode()
    assert 'id="duty-suggestions"' in edit


def test_suggestions_are_buttons_that_choose_the_duty(org: Org, duties: Duties) -> None:
    client = client_for(org.author)
    response = client.post(
        reverse("duties:suggest"),
        {"content": "审核教育局年中预算追加申请", "date": timezone.localdate().isoformat()},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-duty="{duties.budget.pk}"' in html
    assert "部门预算编制和执行" in html
    # Chosen by app.js (no inline handler: the Content-Security-Policy refuses them).
    assert 'class="secondary duty-pick"' in html and 'aria-pressed="false"' in html and "hx-on" not in html
    assert f'data-duty="{duties.relief.pk}"' not in html


def test_no_suggestion_for_empty_text_or_a_bad_date(org: Org, duties: Duties) -> None:
    client = client_for(org.author)
    empty = client.post(reverse("duties:suggest"), {"content": "", "date": ""})
    assert empty.status_code == 200 and "duty-pick" not in empty.content.decode()
    bad_date = client.post(reverse("duties:suggest"), {"content": "审核年中预算追加申请", "date": "明天"})
    assert bad_date.status_code == 200 and "duty-pick" in bad_date.content.decode()
    assert client.get(reverse("duties:suggest")).status_code == 405
    assert Client().post(reverse("duties:suggest"), {"content": "预算"}).status_code == 302


def test_coverage_page_of_a_unit(org: Org, duties: Duties, records: Records, django_assert_max_num_queries) -> None:
    client = client_for(org.unit_head)
    # The first page a worker draws for a person that day also loads what the header's menu asks of them (e.g. the
    # portal's review scope), kept per worker afterwards: the cap is on the page's own queries.
    client.get(reverse("duties:coverage"), {"unit": org.finance.pk})
    with django_assert_max_num_queries(16):
        response = client.get(reverse("duties:coverage"), {"unit": org.finance.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "区财政局" in html and "部门预算编制和执行" in html
    assert "停用" in html  # the retired duty, shown as such
    assert "未对应职责的工作" in html
    assert 'id="uncovered"' in html and "国库集中支付" in html


def test_coverage_defaults_to_the_viewer_and_this_quarter(org: Org, duties: Duties, records: Records) -> None:
    response = client_for(org.author).get(reverse("duties:coverage"))
    assert response.status_code == 200
    today = timezone.localdate()
    quarter = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    assert quarter.strftime("%Y-%m-%d") in response.content.decode()
    assert "张伟" in response.content.decode()


def test_unrelated_people_get_404(org: Org, duties: Duties, records: Records) -> None:
    client = client_for(org.unrelated)
    assert client.get(reverse("duties:coverage"), {"unit": org.finance.pk}).status_code == 404
    assert client.get(reverse("duties:coverage"), {"person": org.author.pk}).status_code == 404
    position = org.author.assignments.get().position
    assert client.get(reverse("duties:coverage"), {"position": position.pk}).status_code == 404
    assert client.get(reverse("duties:coverage"), {"unit": 99999}).status_code == 404


def test_a_bad_period_is_explained_in_chinese(org: Org) -> None:
    client = client_for(org.author)
    backwards = client.get(reverse("duties:coverage"), {"date_from": "2026-06-30", "date_to": "2026-04-01"})
    assert backwards.status_code == 400
    assert "结束日期（2026-04-01）不能早于开始日期（2026-06-30）" in backwards.content.decode()
    nonsense = client.get(reverse("duties:coverage"), {"date_from": "上个月"})
    assert nonsense.status_code == 400 and "无法识别" in nonsense.content.decode()
    bookmarked = client.get(reverse("duties:coverage"), {"start": "2026-06-30", "end": "2026-04-01"})  # old names
    assert bookmarked.status_code == 400 and "不能早于开始日期" in bookmarked.content.decode()


def test_person_and_unit_pages_link_to_coverage_for_those_who_may_see_it(org: Org, duties: Duties) -> None:
    head = client_for(org.section_head)
    assert 'id="coverage-link"' in head.get(reverse("records:person", args=[org.author.pk])).content.decode()
    assert 'id="coverage-link"' in head.get(reverse("records:unit", args=[org.budget.pk])).content.decode()
    stranger = client_for(org.unrelated)
    assert 'id="coverage-link"' not in stranger.get(reverse("records:person", args=[org.author.pk])).content.decode()
    assert 'id="coverage-link"' not in stranger.get(reverse("records:unit", args=[org.finance.pk])).content.decode()


def test_coverage_offers_the_usual_periods_for_the_same_subject(org: Org, duties: Duties) -> None:
    html = client_for(org.unit_head).get(reverse("duties:coverage"), {"unit": org.finance.pk}).content.decode()
    today = timezone.localdate()
    assert f"unit={org.finance.pk}&amp;date_from={today.year}-01-01" in html
    assert "上季度" in html


def test_the_page_says_why_figures_are_withheld(org: Org, duties: Duties, records: Records, settings) -> None:
    settings.JISHI_MIN_GROUP_SIZE = 5
    html = client_for(org.colleague).get(reverse("duties:coverage"), {"unit": org.budget.pk}).content.decode()
    assert 'id="withheld"' in html and "不到 5 人" in html
    assert 'id="covered"' not in html
