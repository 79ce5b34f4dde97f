"""Publication (issue 18): the delay in working days, never before the lock, redacted with officials named, records
withdrawn, restricted or made sensitive later gone from live() at once, publishers' hold and release with reasons
(audited), the command and the worker's task, and who may use the review queue."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jishi.core.models import AuditEvent
from jishi.org.models import CalendarOverride, Role, RoleGrant
from jishi.portal import cache, publication
from jishi.portal.models import Publication, PublicationDecision
from jishi.portal.publication import hold, latest_date_due, publish_due, release
from jishi.portal.tasks import publish_due_task
from jishi.records.models import Visibility, WorkRecord
from jishi.records.services import RecordInput, record_update, record_withdraw
from jishi.testing import LONG_AGO, Org, write_record

MONDAY = datetime.date(2026, 11, 9)  # a week without holidays
DAY = datetime.timedelta(days=1)


def public(author: Any, *, date: datetime.date = MONDAY, locked: bool = True, **overrides: Any) -> WorkRecord:
    """A record marked 公开 of `date`, its edit window over (or not): the time rules are the records app's, the test
    moves the columns as days passing would."""
    overrides.setdefault("visibility", Visibility.PUBLIC)
    overrides.setdefault("start_time", None)
    overrides.setdefault("end_time", None)
    overrides.setdefault("duration_minutes", 60)
    record = write_record(author, **overrides)
    locks_at = timezone.now() - datetime.timedelta(hours=1) if locked else timezone.now() + datetime.timedelta(days=1)
    WorkRecord.objects.filter(pk=record.pk).update(date=date, locks_at=locks_at)
    record.refresh_from_db()
    return record


TABS_HELD = "暂缓公开"


def live_ids() -> set[int]:
    return set(Publication.objects.live().values_list("record_id", flat=True))


# The delay -----------------------------------------------------------------------------------------------------------


def test_published_three_working_days_after_its_date(org: Org) -> None:
    record = public(org.author)
    assert publish_due(today=MONDAY + 2 * DAY) == 0  # Wednesday: two working days have passed
    assert publish_due(today=MONDAY + 3 * DAY) == 1  # Thursday: three
    assert live_ids() == {record.pk}
    assert publish_due(today=MONDAY + 4 * DAY) == 0  # once


def test_weekends_do_not_count(org: Org) -> None:
    friday = MONDAY + 4 * DAY
    public(org.author, date=friday)
    assert publish_due(today=friday + 4 * DAY) == 0  # Tuesday: Monday and Tuesday
    assert publish_due(today=friday + 5 * DAY) == 1  # Wednesday


def test_holidays_do_not_count(org: Org) -> None:
    CalendarOverride.objects.create(date=MONDAY + 2 * DAY, is_working_day=False, name="测试假日")
    public(org.author)
    assert publish_due(today=MONDAY + 3 * DAY) == 0
    assert publish_due(today=MONDAY + 4 * DAY) == 1  # Tuesday, Thursday, Friday


def test_the_delay_is_a_setting(org: Org, settings: Any) -> None:
    settings.JISHI_PORTAL_DELAY_DAYS = 0
    public(org.author)
    assert publish_due(today=MONDAY) == 1
    for wrong in (-1, 61, "3", 2.5, True, None):
        settings.JISHI_PORTAL_DELAY_DAYS = wrong
        with pytest.raises(ImproperlyConfigured):
            publish_due(today=MONDAY)


def test_latest_date_due_counts_back_working_days(db: None) -> None:
    thursday = MONDAY + 3 * DAY
    assert latest_date_due(thursday, 3) == MONDAY
    assert latest_date_due(MONDAY + 7 * DAY, 3) == MONDAY + 2 * DAY  # next Monday: a Wednesday record (Thu, Fri, Mon)
    assert publication.publication_day(MONDAY) == thursday
    assert publication.publication_day(MONDAY + 4 * DAY) == MONDAY + 9 * DAY  # Friday → next Wednesday


def test_never_before_the_lock(org: Org) -> None:
    record = public(org.author, date=MONDAY - 30 * DAY, locked=False)
    assert publish_due(today=MONDAY) == 0
    WorkRecord.objects.filter(pk=record.pk).update(locks_at=timezone.now() - datetime.timedelta(seconds=1))
    assert publish_due(today=MONDAY) == 1


def test_only_public_records_go_out(org: Org) -> None:
    public(org.author, visibility=Visibility.INTERNAL)
    public(org.author, visibility=Visibility.UNIT)
    public(org.author, visibility=Visibility.SUPERIORS)
    public(org.author, is_sensitive=True)
    withdrawn = public(org.author)
    WorkRecord.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now(), withdrawal_reason="重复")
    assert publish_due(today=MONDAY + 10 * DAY) == 0


# What is published ---------------------------------------------------------------------------------------------------


def test_content_and_result_redacted_officials_named_post_snapshotted(org: Org) -> None:
    record = public(
        org.unit_head,
        content="与刘洋一起走访低保户倪国强，其手机13917652284，身份证号310115196302223438",
        result="村民顾建华反映的问题已转办，邮箱gu_jh@163.com",
    )
    assert publish_due(today=MONDAY + 3 * DAY) == 1
    published = Publication.objects.get(record=record)
    assert published.content_redacted == "与刘洋一起走访低保户【姓名】，其手机【电话】，身份证号【身份证号】"
    assert published.result_redacted == "村民【姓名】反映的问题已转办，邮箱【邮箱】"
    assert published.redactions == {"name": 2, "phone": 1, "id": 1, "email": 1}
    assert (published.author_name, published.post_title, published.is_leader) == ("赵强", "局长", True)
    assert (published.unit_id, published.department_id, published.date) == (org.finance.pk, org.finance.pk, MONDAY)
    event = AuditEvent.objects.get(verb="portal.publish")
    assert event.actor_id is None and event.data["publications"] == 1


def test_leaders_are_marked(org: Org) -> None:
    staff, deputy, district = public(org.author), public(org.deputy_in_charge), public(org.district_deputy)
    publish_due(today=MONDAY + 3 * DAY)
    leader = dict(Publication.objects.values_list("record_id", "is_leader"))
    assert leader == {staff.pk: False, deputy.pk: False, district.pk: True}


# Later changes leave the portal at once ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"withdrawn_at": datetime.datetime(2026, 11, 20, tzinfo=datetime.UTC)},
        {"visibility": Visibility.INTERNAL},
        {"visibility": Visibility.SUPERIORS},
        {"is_sensitive": True},
    ],
)
def test_a_record_no_longer_public_is_gone_from_live_at_once(org: Org, change: dict[str, Any]) -> None:
    record, other = public(org.author), public(org.colleague)
    publish_due(today=MONDAY + 3 * DAY)
    assert live_ids() == {record.pk, other.pk}
    WorkRecord.objects.filter(pk=record.pk).update(**change)
    assert live_ids() == {other.pk}
    assert Publication.objects.filter(record=record).exists()  # kept: the public rule decides, at query time


def test_live_waits_for_published_at(org: Org) -> None:
    record = public(org.author)
    publish_due(today=MONDAY + 3 * DAY)
    Publication.objects.filter(record=record).update(published_at=timezone.now() + datetime.timedelta(hours=1))
    assert live_ids() == set()


def test_a_published_record_written_again_bumps_the_cache(
    org: Org, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    record = public(org.author)
    publish_due(today=MONDAY + 3 * DAY)
    before = cache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        publication.record_written(record=record, new=False)
    assert cache.generation() > before


# Hold and release ----------------------------------------------------------------------------------------------------


def test_hold_before_publication_keeps_it_back_until_released(org: Org) -> None:
    record = public(org.author)
    hold(actor=org.unit_head, record=record, reason="含未公开的采购信息")
    assert publish_due(today=MONDAY + 5 * DAY) == 0
    release(actor=org.unit_head, record=record, reason="核实后可以公开")
    assert publish_due(today=MONDAY + 5 * DAY) == 1
    assert live_ids() == {record.pk}
    verbs = list(AuditEvent.objects.filter(target_id=str(record.pk)).values_list("verb", "data__reason"))
    assert ("portal.hold", "含未公开的采购信息") in verbs and ("portal.release", "核实后可以公开") in verbs


def test_hold_after_publication_withdraws_it_at_once_and_bumps_the_cache(
    org: Org, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    record = public(org.author)
    publish_due(today=MONDAY + 3 * DAY)
    before = cache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        hold(actor=org.admin, record=record, reason="当事人要求")
    assert live_ids() == set()
    assert cache.generation() > before
    with django_capture_on_commit_callbacks(execute=True):
        release(actor=org.admin, record=record, reason="已与当事人沟通")
    assert live_ids() == {record.pk}
    assert cache.generation() > before + 1
    assert list(PublicationDecision.objects.filter(record=record).values_list("action", flat=True)) == [
        "release",
        "hold",
    ]


@pytest.mark.parametrize("reason", ["", " ", "好", None, 12, "长" * 201])
def test_a_reason_is_required_and_bounded(org: Org, reason: Any) -> None:
    record = public(org.author)
    with pytest.raises(ValidationError) as raised:
        hold(actor=org.admin, record=record, reason=reason)
    assert "reason" in raised.value.message_dict
    assert not PublicationDecision.objects.exists()


def test_hold_twice_or_release_what_is_not_held_is_refused(org: Org) -> None:
    record = public(org.author)
    with pytest.raises(ValidationError):
        release(actor=org.admin, record=record, reason="没有暂缓")
    hold(actor=org.admin, record=record, reason="暂缓一下")
    with pytest.raises(ValidationError):
        hold(actor=org.admin, record=record, reason="再暂缓")
    assert PublicationDecision.objects.count() == 1


# The command and the task --------------------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = StringIO()
    call_command("portal", "publish", *args, stdout=out)
    return out.getvalue()


def test_the_command_publishes_and_dry_run_only_counts(org: Org) -> None:
    public(org.author, date=timezone.localdate() - 30 * DAY)
    assert "1 条" in run("--dry-run")
    assert not Publication.objects.exists()
    assert "已公开 1 条" in run()
    assert "已公开 0 条" in run()


@pytest.mark.parametrize("value", ["2026-13-01", "明天", "2026/11/01", "", "2026-02-30"])
def test_the_command_refuses_a_wrong_date(org: Org, value: str) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--date", value)


def test_the_command_refuses_a_future_date(org: Org) -> None:
    public(org.author, date=timezone.localdate() - DAY)
    with pytest.raises(CommandError, match="不能晚于今天"):
        run("--date", (timezone.localdate() + 30 * DAY).isoformat())
    assert not Publication.objects.exists()


def test_the_command_refuses_an_unknown_option(org: Org) -> None:
    with pytest.raises(CommandError):
        run("--days", "3")


def test_the_worker_task_publishes(org: Org) -> None:
    public(org.author, date=timezone.localdate() - 30 * DAY)
    result = publish_due_task.enqueue()
    assert result.return_value == 1


def test_writes_ask_for_a_run_at_most_once_an_hour(
    org: Org, settings: Any, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    public(org.author, date=timezone.localdate() - 30 * DAY)
    settings.JISHI_PORTAL_PUBLISH_ON_WRITE = True
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        write_record(org.colleague)
        write_record(org.colleague, start_time=datetime.time(14, 0), end_time=datetime.time(15, 0))
    assert Publication.objects.count() == 1  # the immediate backend ran the task once
    assert len([c for c in callbacks if getattr(c, "__name__", "") == "_enqueue"]) == 1


# The review queue ----------------------------------------------------------------------------------------------------


def signed_in(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def publisher_of(org: Org, *units: Any) -> Any:
    grant = RoleGrant.objects.create(person=org.colleague, role=Role.PUBLISHER, granted_on=LONG_AGO)
    grant.units.set(units)
    return org.colleague


def test_anonymous_readers_are_sent_to_sign_in(org: Org) -> None:
    record = public(org.author)
    for url in (reverse("portal:review"), reverse("portal:review_record", args=[record.pk])):
        response = Client().get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    response = Client().post(reverse("portal:review_hold", args=[record.pk]), {"reason": "暂缓一下"})
    assert response.status_code == 302 and not PublicationDecision.objects.exists()


def test_who_may_use_the_queue(org: Org) -> None:
    finance_record = public(org.author)  # 财政局 › 预算科
    civil_record = public(org.unrelated)  # 民政局 › 救助科
    publisher = publisher_of(org, org.finance)
    allowed = {
        publisher: {finance_record},  # Role.PUBLISHER over 财政局 and below
        org.unit_head: {finance_record},  # 财政局 局长
        org.civil_head: {civil_record},  # 民政局 局长
        org.admin: {finance_record, civil_record},
    }
    for person, records in allowed.items():
        client = signed_in(person)
        assert client.get(reverse("portal:review")).status_code == 200
        for record in (finance_record, civil_record):
            expected = 200 if record in records else 404
            assert client.get(reverse("portal:review_record", args=[record.pk])).status_code == expected, person
    # Readers of every record, heads of a section, deputies, inspectors: no queue — a 404, as for nothing there.
    for person in (org.author, org.section_head, org.deputy_in_charge, org.district_deputy, org.inspector, org.hr):
        client = signed_in(person)
        assert client.get(reverse("portal:review")).status_code == 404, person
        assert client.get(reverse("portal:review_record", args=[finance_record.pk])).status_code == 404, person
        response = client.post(reverse("portal:review_hold", args=[finance_record.pk]), {"reason": "暂缓一下"})
        assert response.status_code == 404, person
    assert not PublicationDecision.objects.exists()


def test_a_revoked_grant_gives_no_queue(org: Org) -> None:
    publisher = publisher_of(org, org.finance)
    RoleGrant.objects.filter(person=publisher).update(revoked_on=timezone.localdate())
    assert signed_in(publisher).get(reverse("portal:review")).status_code == 404


def test_only_public_records_are_in_the_queue(org: Org) -> None:
    internal = public(org.author, visibility=Visibility.INTERNAL)
    sensitive = public(org.author, is_sensitive=True)
    client = signed_in(org.unit_head)
    for record in (internal, sensitive):
        assert client.get(reverse("portal:review_record", args=[record.pk])).status_code == 404
    assert client.get(reverse("portal:review_record", args=[999_999])).status_code == 404


def test_the_queue_lists_upcoming_and_published_and_shows_original_beside_redacted(org: Org) -> None:
    upcoming = public(org.author, date=timezone.localdate() - DAY, content="走访低保户倪国强，其手机13917652284")
    out = public(org.author, date=timezone.localdate() - 30 * DAY, content="与村民顾建华座谈，了解加装电梯意愿")
    assert publish_due() == 1
    client = signed_in(org.unit_head)
    page = client.get(reverse("portal:review")).content.decode()
    assert "走访低保户倪国强" in page and "与村民顾建华座谈" not in page
    page = client.get(reverse("portal:review"), {"view": "published"}).content.decode()
    assert "与村民【姓名】座谈" in page and "走访低保户" not in page
    detail = client.get(reverse("portal:review_record", args=[upcoming.pk])).content.decode()
    assert "走访低保户倪国强，其手机13917652284" in detail and "走访低保户【姓名】，其手机【电话】" in detail
    detail = client.get(reverse("portal:review_record", args=[out.pk])).content.decode()
    assert "与村民顾建华座谈" in detail and "与村民【姓名】座谈" in detail


def test_hold_and_release_through_the_queue(org: Org) -> None:
    record = public(org.author)
    publish_due(today=MONDAY + 3 * DAY)
    client = signed_in(org.unit_head)
    response = client.post(reverse("portal:review_hold", args=[record.pk]), {"reason": "涉及未公开的采购事项"})
    assert response.status_code == 302
    assert live_ids() == set()
    held = client.get(reverse("portal:review"), {"view": "held"}).content.decode()
    assert reverse("portal:review_record", args=[record.pk]) in held
    detail = client.get(reverse("portal:review_record", args=[record.pk])).content.decode()
    assert "涉及未公开的采购事项" in detail and reverse("portal:review_release", args=[record.pk]) in detail
    response = client.post(reverse("portal:review_release", args=[record.pk]), {"reason": "核实无误"})
    assert response.status_code == 302 and live_ids() == {record.pk}
    assert AuditEvent.objects.filter(verb="portal.hold", actor=org.unit_head).exists()
    assert AuditEvent.objects.filter(verb="portal.release", actor=org.unit_head).exists()


def test_a_record_held_then_restricted_or_withdrawn_leaves_every_tab_as_it_leaves_its_page(org: Org) -> None:
    # Review (HIGH): the 暂缓公开 tab listed held records without the record rule and printed their text — a record
    # held before its lock and then made 仅上级 and sensitive, or withdrawn, by its author showed it to a publisher.
    today = timezone.localdate()
    restricted = public(org.author, date=today, locked=False, content="后来改为仅上级可见的记实，内容甲乙丙丁")
    withdrawn = public(org.author, date=today, locked=False, content="后来被撤回的记实，内容戊己庚辛")
    publisher = publisher_of(org, org.finance)  # a 科员 with a grant over 财政局: no superior of the author
    for record in (restricted, withdrawn):
        hold(actor=org.unit_head, record=record, reason="先暂缓")
    held = {"view": "held"}
    assert "甲乙丙丁" in signed_in(publisher).get(reverse("portal:review"), held).content.decode()
    data = dataclasses.replace(RecordInput.from_record(restricted), visibility=Visibility.SUPERIORS, is_sensitive=True)
    record_update(actor=org.author, record=restricted, data=data)
    record_withdraw(actor=org.author, record=withdrawn, reason="写错了")
    for person in (publisher, org.unit_head, org.admin):
        client = signed_in(person)
        for view in ("upcoming", "published", "held"):
            page = client.get(reverse("portal:review"), {"view": view}).content.decode()
            assert "甲乙丙丁" not in page and "戊己庚辛" not in page, (person, view)
            assert f"{TABS_HELD} (0)" in page, (person, view)
        for record in (restricted, withdrawn):
            assert client.get(reverse("portal:review_record", args=[record.pk])).status_code == 404, person


def test_a_published_record_read_by_the_rule_stays_in_its_tab(org: Org) -> None:
    record = public(org.author, content="召开预算编制工作会议，布置年度三项重点支出任务")
    publish_due(today=MONDAY + 3 * DAY)
    hold(actor=org.unit_head, record=record, reason="再核一下")
    client = signed_in(publisher_of(org, org.finance))
    page = client.get(reverse("portal:review"), {"view": "held"}).content.decode()
    assert "召开预算编制工作会议，布置年度三项重点支出任务" in page and f"{TABS_HELD} (1)" in page
    release(actor=org.unit_head, record=record, reason="核实无误")
    page = client.get(reverse("portal:review"), {"view": "published"}).content.decode()
    assert "召开预算编制工作会议，布置年度三项重点支出任务" in page and "已公开 (1)" in page


@pytest.mark.parametrize("data", [{}, {"reason": ""}, {"reason": " "}, {"reason": "长" * 500}, {"reason": "\x00理由"}])
def test_a_wrong_reason_is_a_clear_message_and_nothing_changes(org: Org, data: dict[str, str]) -> None:
    record = public(org.author)
    response = signed_in(org.unit_head).post(reverse("portal:review_hold", args=[record.pk]), data)
    assert response.status_code == 400
    assert "理由" in response.content.decode()
    assert not PublicationDecision.objects.exists()


def test_wrong_queries_and_methods_never_fail(org: Org) -> None:
    public(org.author)
    client = signed_in(org.unit_head)
    for query in ({"view": "x"}, {"page": "abc"}, {"page": "-3"}, {"page": "99999999999999"}, {"view": ["a", "b"]}):
        assert client.get(reverse("portal:review"), query).status_code == 200
    record = WorkRecord.objects.get()
    assert client.get(reverse("portal:review_hold", args=[record.pk])).status_code == 405
    assert client.post(reverse("portal:review_release", args=[record.pk]), {"reason": "未暂缓"}).status_code == 400


def test_a_publisher_grant_without_units_is_refused_by_the_admin(org: Org) -> None:
    client = signed_in(org.admin)
    data = {"person": org.colleague.pk, "role": Role.PUBLISHER, "granted_on": LONG_AGO.isoformat()}
    page = client.post("/admin/org/rolegrant/add/", data)
    assert page.status_code == 200 and "政务公开审核授权须选择审核的单位" in page.content.decode()
    assert not RoleGrant.objects.filter(role=Role.PUBLISHER).exists()
    response = client.post("/admin/org/rolegrant/add/", {**data, "units": [org.finance.pk]})
    assert response.status_code == 302
    assert signed_in(org.colleague).get(reverse("portal:review")).status_code == 200


def test_the_menu_offers_the_queue_to_its_reviewers_only_and_asks_the_database_once(org: Org) -> None:
    # Review: publishers reached /public/review/ only by typing it.
    entry = '<a href="/public/review/">政务公开</a>'
    publisher = publisher_of(org, org.finance)
    for person in (publisher, org.unit_head, org.admin):
        assert entry in signed_in(person).get("/?entry=1").content.decode(), person
    for person in (org.author, org.section_head, org.inspector, org.hr):
        assert "/public/review/" not in signed_in(person).get("/?entry=1").content.decode(), person
    page = signed_in(publisher).get(reverse("portal:review")).content.decode()
    assert '<a href="/public/review/" aria-current="page">政务公开</a>' in page
    # The scope is kept per worker while the organisation and the grants are unchanged: the header of the next page
    # reads no grant.
    client = signed_in(publisher)
    client.get("/?entry=1")
    with CaptureQueriesContext(connection) as queries:
        client.get("/?entry=1")
    assert not [q for q in queries.captured_queries if "org_rolegrant" in q["sql"]]


def test_publications_made_under_older_rules_are_redacted_again(
    org: Org, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # Review: what was published before the redaction fix kept what the old rules missed (migration 0005 runs this).
    record = public(org.author, content="核对来访人身份证号 3101 1419 6209 1828 23，留有电话13917652284")
    other = public(org.author, content="召开预算编制工作会议，布置年度三项重点支出任务")
    publish_due(today=MONDAY + 3 * DAY)
    # As the old rules published it: the grouped ID number as a bank card.
    old = "核对来访人身份证号 【银行卡号】，留有电话【电话】"
    Publication.objects.filter(record=record).update(content_redacted=old, redactions={"bank": 1, "phone": 1})
    with django_capture_on_commit_callbacks(execute=True):
        assert publication.redact_again() == 1
    again = Publication.objects.get(record=record)
    assert again.content_redacted == "核对来访人身份证号 【身份证号】，留有电话【电话】"
    assert again.redactions == {"id": 1, "phone": 1}
    assert Publication.objects.get(record=other).content_redacted == other.content
    assert publication.redact_again() == 0  # nothing left to change
