"""Supervision on the record page and its own pages, as a person would use them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jishi.org.models import Person
from jishi.records.models import WorkRecord
from jishi.supervision import services
from jishi.supervision.models import Comment, Confirmation, Flag, Inquiry, RecordView
from jishi.testing import Org, write_record

pytestmark = pytest.mark.django_db


def client_for(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def untimed(author: Person, **overrides: Any) -> WorkRecord:
    return write_record(author, start_time=None, end_time=None, duration_minutes=30, **overrides)


def page(client: Client, record: WorkRecord) -> str:
    response = client.get(reverse("records:detail", args=[record.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_posting_a_comment_with_htmx_returns_the_panel(org: Org) -> None:
    record = untimed(org.author)
    client = client_for(org.unit_head)
    response = client.post(
        reverse("supervision:comment", args=[record.pk]), {"text": "请尽快落实"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="supervision-panel"' in html
    assert "请尽快落实" in html and "领导点评" in html and "<html" not in html
    bad = client.post(reverse("supervision:comment", args=[record.pk]), {"text": ""}, HTTP_HX_REQUEST="true")
    assert "请填写点评内容" in bad.content.decode() and Comment.objects.count() == 1


def test_a_plain_post_redirects_to_the_record(org: Org) -> None:
    record = untimed(org.author)
    response = client_for(org.colleague).post(reverse("supervision:comment", args=[record.pk]), {"text": "收到"})
    assert response.status_code == 302 and response.url == reverse("records:detail", args=[record.pk])


def test_the_author_answers_on_the_record_page(org: Org) -> None:
    record = untimed(org.author)
    inquiry = services.inquiry_ask(
        actor=org.section_head, record=record, question="进度是否滞后？", due_on=timezone.localdate()
    )
    author = client_for(org.author)
    html = page(author, record)
    assert "进度是否滞后" in html and reverse("supervision:answer", args=[inquiry.pk]) in html
    assert reverse("supervision:answer", args=[inquiry.pk]) not in page(client_for(org.colleague), record)
    response = author.post(
        reverse("supervision:answer", args=[inquiry.pk]), {"answer": "按计划推进"}, HTTP_HX_REQUEST="true"
    )
    assert "按计划推进" in response.content.decode() and "已答复" in response.content.decode()
    refused = client_for(org.colleague).post(reverse("supervision:answer", args=[inquiry.pk]), {"answer": "代答"})
    assert refused.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.answer == "按计划推进"


def test_asking_with_a_past_deadline_shows_the_error(org: Org) -> None:
    record = untimed(org.author)
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = client_for(org.unrelated).post(
        reverse("supervision:inquire", args=[record.pk]),
        {"question": "依据是什么，请说明", "due_on": past},
        HTTP_HX_REQUEST="true",
    )
    assert "答复期限不能早于今天" in response.content.decode() and not Inquiry.objects.exists()


def test_a_named_participant_confirms_from_the_page(org: Org) -> None:
    meeting = write_record(org.author, participant_ids=[org.colleague.pk])
    colleague = client_for(org.colleague)
    assert reverse("supervision:confirm", args=[meeting.pk]) in page(colleague, meeting)
    assert reverse("supervision:confirm", args=[meeting.pk]) not in page(client_for(org.sibling), meeting)
    inbox = colleague.get(reverse("supervision:inbox")).content.decode()
    assert reverse("supervision:confirm", args=[meeting.pk]) in inbox
    response = colleague.post(reverse("supervision:confirm", args=[meeting.pk]), {"next": "pending"})
    own = Confirmation.objects.get().own_record
    assert own is not None and response.url == reverse("records:detail", args=[own.pk])
    assert "已确认" in page(client_for(org.author), meeting)


def test_flags_never_show_to_the_author_or_leaders(org: Org) -> None:
    record = untimed(org.author)
    client_for(org.colleague).post(reverse("supervision:flag", args=[record.pk]), {"reason": "会议时长与纪要不符"})
    assert Flag.objects.count() == 1
    for person in (org.author, org.unit_head, org.secretary):
        assert "会议时长与纪要不符" not in page(client_for(person), record)
        assert "会议时长与纪要不符" not in client_for(person).get(reverse("supervision:flags")).content.decode()
    assert "会议时长与纪要不符" in page(client_for(org.inspector), record)
    assert "会议时长与纪要不符" in client_for(org.inspector).get(reverse("supervision:flags")).content.decode()


def test_opening_the_page_is_a_view_and_the_author_sees_who(org: Org) -> None:
    record = untimed(org.author)
    page(client_for(org.unrelated), record)
    page(client_for(org.unrelated), record)
    page(client_for(org.inspector), record)
    client_for(org.colleague).get(reverse("records:list"))  # appearing in a list is not a view
    assert RecordView.objects.count() == 2
    html = page(client_for(org.author), record)
    assert "谁看过" in html and "徐丽" in html and "马超" not in html
    assert "谁看过" not in page(client_for(org.colleague), record)


def test_the_record_page_stays_within_a_query_budget(org: Org, django_assert_max_num_queries: Any) -> None:
    record = write_record(org.author, participant_ids=[org.colleague.pk, org.sibling.pk])
    for n, person in enumerate((org.colleague, org.section_head, org.unrelated, org.unit_head)):
        services.comment_create(actor=person, record=record, text=f"第{n}条点评 @王芳")
        services.view_log(viewer=person, record=record)
    services.inquiry_ask(actor=org.unit_head, record=record, question="预算依据是什么？", due_on=timezone.localdate())
    client = client_for(org.author)
    page(client, record)
    with django_assert_max_num_queries(30):
        page(client, record)
    other = client_for(org.colleague)
    page(other, record)
    with django_assert_max_num_queries(30):
        page(other, record)


def test_overview_pages(org: Org, settings: Any, django_assert_max_num_queries: Any) -> None:
    settings.JISHI_MIN_GROUP_SIZE = 1
    record = untimed(org.author)
    services.view_log(viewer=org.district_deputy, record=record)
    client = client_for(org.district_deputy)
    client.get(reverse("supervision:overview"))  # the reader's posts, read once per worker
    with django_assert_max_num_queries(14):
        html = client.get(reverse("supervision:overview")).content.decode()
    assert "区财政局" in html and "跨层级·自上而下" in html
    unit_html = client_for(org.colleague).get(reverse("supervision:unit_overview", args=[org.finance.pk]))
    assert "预算科" in unit_html.content.decode()


def test_the_overview_period_is_date_from_and_date_to(org: Org) -> None:
    client = client_for(org.district_deputy)
    html = client.get(reverse("supervision:overview"), {"date_from": "2026-10-01", "date_to": "2026-10-31"}).content
    assert 'name="date_from" value="2026-10-01"' in html.decode() and 'value="2026-10-31"' in html.decode()
    assert "?date_from=2026-10-01&amp;date_to=2026-10-31" in html.decode()  # the links to each unit keep it
    bookmarked = client.get(reverse("supervision:overview"), {"from": "2026-10-01", "to": "2026-10-31"}).content
    assert 'name="date_from" value="2026-10-01"' in bookmarked.decode()  # the earlier names, until the next release


def test_small_groups_are_hidden(org: Org, settings: Any) -> None:
    settings.JISHI_MIN_GROUP_SIZE = 5
    untimed(org.author)
    html = client_for(org.secretary).get(reverse("supervision:overview")).content.decode()
    assert "人数过少，不单独显示" in html


# Who may open which overview (rules.can_see_overview): a unit's is for its 本单位, its superiors, the jurisdiction
# leaders and inspection/HR in scope; the jurisdiction's for the jurisdiction leaders and whole-jurisdiction roles.
JURISDICTION_READERS = {"district_deputy", "other_district_deputy", "secretary", "inspector", "hr"}
FINANCE_READERS = JURISDICTION_READERS | {
    "author",
    "colleague",
    "sibling",
    "section_head",
    "deputy_in_charge",
    "deputy_not_in_charge",
    "unit_head",
}
CIVIL_READERS = JURISDICTION_READERS | {"unrelated", "civil_head", "scoped_inspector", "admin"}
EVERYONE = FINANCE_READERS | CIVIL_READERS | {"social_worker"}


@pytest.mark.parametrize("who", sorted(EVERYONE))
def test_who_may_open_each_overview_page(org: Org, who: str) -> None:
    untimed(org.author)
    client = client_for(getattr(org, who))
    expected = {
        reverse("supervision:overview"): who in JURISDICTION_READERS,
        reverse("supervision:unit_overview", args=[org.finance.pk]): who in FINANCE_READERS,
        # A section's overview shows its whole 本单位, so it is decided on the 本单位 (and opens as the 本单位's).
        reverse("supervision:unit_overview", args=[org.budget.pk]): who in FINANCE_READERS,
        reverse("supervision:unit_overview", args=[org.civil.pk]): who in CIVIL_READERS,
    }
    got = {url: client.get(url, follow=True).status_code for url in expected}
    refused = 403 if who == "admin" else 404  # the administrator role alone is told it needs a reading grant
    assert got == {url: 200 if allowed else refused for url, allowed in expected.items()}


def test_a_sections_overview_opens_as_its_departments(org: Org) -> None:
    client = client_for(org.colleague)
    response = client.get(reverse("supervision:unit_overview", args=[org.budget.pk]), {"date_from": "2026-10-01"})
    assert response.status_code == 302
    target = reverse("supervision:unit_overview", args=[org.finance.pk]) + "?date_from=2026-10-01"
    assert response["Location"] == target


def test_a_role_scoped_to_one_section_does_not_open_its_departments_overview(org: Org) -> None:
    from jishi.org.models import Role, RoleGrant
    from jishi.testing import LONG_AGO

    grant = RoleGrant.objects.create(person=org.unrelated, role=Role.HR, granted_on=LONG_AGO)
    grant.units.set([org.budget])
    client = client_for(org.unrelated)
    assert client.get(reverse("supervision:unit_overview", args=[org.budget.pk])).status_code == 404
    assert client.get(reverse("supervision:unit_overview", args=[org.civil.pk])).status_code == 200


def test_a_missing_unit_is_a_404_like_a_hidden_one(org: Org) -> None:
    assert client_for(org.secretary).get(reverse("supervision:unit_overview", args=[999_999])).status_code == 404


def test_the_menu_opens_an_overview_the_person_may_see(org: Org) -> None:
    from jishi.testing import PersonFactory

    jurisdiction = reverse("supervision:overview")
    own_unit = reverse("supervision:unit_overview", args=[org.finance.pk])
    leader = client_for(org.secretary).get(reverse("supervision:inbox")).content.decode()
    assert f'href="{jurisdiction}"' in leader
    staff = client_for(org.author).get(reverse("supervision:inbox")).content.decode()
    assert f'href="{own_unit}"' in staff and f'href="{jurisdiction}"' not in staff
    nobody = client_for(PersonFactory(username="no_post")).get(reverse("supervision:inbox")).content.decode()
    assert "监督概况" not in nobody
    # The way back to the jurisdiction is offered only to those who may open it.
    assert f'href="{jurisdiction}?' in client_for(org.secretary).get(own_unit).content.decode()
    assert f'href="{jurisdiction}?' not in client_for(org.author).get(own_unit).content.decode()


def test_namesakes_are_offered_to_choose_from(org: Org) -> None:
    from jishi.testing import PersonFactory, make_post

    namesake = PersonFactory(full_name="李娜", username="li_na_2")
    make_post(namesake, org.treasury)
    record = untimed(org.author)
    client = client_for(org.section_head)
    url = reverse("supervision:comment", args=[record.pk])
    html = client.post(url, {"text": "@李娜 看一下"}, HTTP_HX_REQUEST="true").content.decode()
    assert "2 位同事名叫“李娜”" in html and "国库科" in html and "预算科" in html
    assert not Comment.objects.exists()
    client.post(url, {"text": "@李娜 看一下", "mention": [str(namesake.pk)]}, HTTP_HX_REQUEST="true")
    assert list(Comment.objects.get().mention_rows.values_list("person_id", flat=True)) == [namesake.pk]


def test_an_inspector_closes_a_flag_from_the_list(org: Org) -> None:
    record = untimed(org.author)
    services.flag_create(actor=org.colleague, record=record, reason="工时与纪要不符，请核查")
    inspector = client_for(org.inspector)
    flag = Flag.objects.get()
    assert (
        reverse("supervision:flag_close", args=[flag.pk])
        in inspector.get(reverse("supervision:flags")).content.decode()
    )
    assert (
        client_for(org.author).post(reverse("supervision:flag_close", args=[flag.pk]), {"note": "x"}).status_code == 404
    )
    inspector.post(reverse("supervision:flag_close", args=[flag.pk]), {"note": "已核实，系笔误"})
    flag.refresh_from_db()
    assert flag.closing_note == "已核实，系笔误"
    html = client_for(org.colleague).get(reverse("supervision:flags")).content.decode()
    assert "已处理" in html and "已核实，系笔误" not in html


def test_the_inbox_stays_within_a_query_budget(org: Org, django_assert_max_num_queries: Any) -> None:
    for hour in range(8, 14):
        meeting = write_record(
            org.author,
            participant_ids=[org.colleague.pk],
            start_time=datetime.time(hour, 0),
            end_time=datetime.time(hour, 50),
        )
        services.inquiry_ask(
            actor=org.section_head, record=untimed(org.colleague), question="请说明依据", due_on=timezone.localdate()
        )
    client = client_for(org.colleague)
    client.get(reverse("supervision:inbox"))
    with django_assert_max_num_queries(12):
        html = client.get(reverse("supervision:inbox")).content.decode()
    assert html.count(reverse("supervision:confirm", args=[meeting.pk])) == 1


def test_villages_make_one_row_per_town_across_the_jurisdiction(org: Org, settings: Any) -> None:
    from jishi.supervision.selectors import supervision_overview

    settings.JISHI_MIN_GROUP_SIZE = 1
    record = untimed(org.social_worker)
    services.view_log(viewer=org.author, record=record)
    today = timezone.localdate()
    overview = supervision_overview(start=today, end=today)
    [row] = [r for r in overview.rows if "村居" in r.name]
    assert row.name == "马陆镇·村居" and row.records == 1 and row.records_seen == 1
    assert [d.records_seen for d in row.dimensions if d.dimension == "top_down"] == [1]
    assert overview.total.records == 1 and overview.total.records_seen == 1


def test_dates_follow_the_interface_language(org: Org, settings: Any) -> None:
    record = untimed(org.author)
    due = datetime.date(2026, 5, 1)
    # Stored directly: the service takes due days from today on only, and the test wants a fixed one.
    Inquiry.objects.create(
        record=record,
        asker=org.section_head,
        question="请说明依据",
        asked_at=timezone.now(),
        due_on=due,
        dimension="vertical",
    )
    chinese = client_for(org.author).get(reverse("supervision:inbox")).content.decode()
    assert "5月1日前答复" in chinese
    english = client_for(org.author)
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = english.get(reverse("supervision:inbox")).content.decode()
    assert "Answer by May 1" in html and "5月1日" not in html
