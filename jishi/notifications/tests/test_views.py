from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import Client

from jishi.notifications.models import Notification
from jishi.org.models import Person
from jishi.testing import Org

pytestmark = pytest.mark.django_db


def login(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_inbox_newest_first_unread_highlighted_and_paged(org: Org, notifications: Any) -> None:
    rows = notifications(org.colleague, 25, actor=org.author)
    Notification.objects.filter(pk=rows[0].pk).update(read_at="2026-01-01T00:00:00Z")
    client = login(org.colleague)
    body = client.get("/inbox/").content.decode()
    assert body.index("第24条通知") < body.index("第23条通知")
    assert "第4条通知" not in body  # 20 a page
    assert body.count('class="unread"') == 20
    more = client.get("/inbox/?cursor=" + str(rows[5].pk), HTTP_HX_REQUEST="true").content.decode()
    assert "第4条通知" in more and "第0条通知" in more and "<html" not in more
    assert 'class="read"' in more  # the oldest, already read


def test_unread_filter(org: Org, notifications: Any) -> None:
    rows = notifications(org.colleague, 3)
    Notification.objects.filter(pk=rows[2].pk).update(read_at="2026-01-01T00:00:00Z")
    body = login(org.colleague).get("/inbox/?unread=1").content.decode()
    assert "第0条通知" in body and "第2条通知" not in body


def test_inbox_shows_only_your_own(org: Org, notifications: Any) -> None:
    notifications(org.sibling, 1)
    assert "第0条通知" not in login(org.colleague).get("/inbox/").content.decode()


def test_inbox_requires_login(org: Org) -> None:
    assert Client().get("/inbox/").status_code == 302


def test_inbox_query_count_is_bounded(org: Org, notifications: Any, django_assert_max_num_queries: Any) -> None:
    notifications(org.colleague, 30, actor=org.author)
    client = login(org.colleague)
    client.get("/inbox/")  # the worker now holds the reader's organisation (jishi.core.cache)
    with django_assert_max_num_queries(6):
        assert client.get("/inbox/").status_code == 200


def test_header_shows_unread_count_on_every_page(org: Org, notifications: Any) -> None:
    notifications(org.colleague, 3)
    body = login(org.colleague).get("/").content.decode()
    assert 'id="inbox-link"' in body and '<span class="badge">3</span>' in body
    assert '<span class="badge">' not in login(org.sibling).get("/").content.decode()


def test_header_says_how_many_are_unread_to_a_screen_reader_in_the_readers_language(
    org: Org, notifications: Any
) -> None:
    notifications(org.colleague, 3)
    client = login(org.colleague)
    assert 'hx-swap-oob="true" aria-label="通知（3 条未读）">通知 <span class="badge">3</span></a>' in (
        client.get("/").content.decode()
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert 'aria-label="Notifications (3 unread)">Notifications <span class="badge">3</span></a>' in (
        client.get("/").content.decode()
    )
    assert "aria-label" not in login(org.sibling).get("/").content.decode().split('id="inbox-link"')[1].split(">")[0]


def test_header_count_stops_at_99_plus(org: Org, notifications: Any) -> None:
    notifications(org.colleague, 120)
    assert '<span class="badge">99+</span>' in login(org.colleague).get("/inbox/").content.decode()


def test_unread_count_is_one_query_and_none_for_anonymous(
    org: Org, notifications: Any, django_assert_num_queries: Any
) -> None:
    notifications(org.colleague, 2)
    template = Template("{% load notifications %}{% inbox_link %}")
    with django_assert_num_queries(1):
        assert '<span class="badge">2</span>' in template.render(Context({"user": org.colleague}))
    with django_assert_num_queries(0):
        assert template.render(Context({"user": AnonymousUser()})).strip() == ""


def test_mark_one_read_with_htmx_updates_item_and_header(org: Org, notifications: Any) -> None:
    first, second = notifications(org.colleague, 2)
    response = login(org.colleague).post(f"/inbox/{first.pk}/read/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert f'id="notification-{first.pk}" class="read"' in body
    assert 'hx-swap-oob="true"' in body and '<span class="badge">1</span>' in body
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_opening_a_notification_marks_it_read_and_follows_the_link(org: Org, notifications: Any) -> None:
    (item,) = notifications(org.colleague, 1, url="/records/42/")
    response = login(org.colleague).post(f"/inbox/{item.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/records/42/"
    item.refresh_from_db()
    assert item.read_at is not None


def test_an_outside_link_is_not_followed(org: Org, notifications: Any) -> None:
    (item,) = notifications(org.colleague, 1, url="https://evil.example/")
    response = login(org.colleague).post(f"/inbox/{item.pk}/read/", {"open": "1"})
    assert response["Location"] == "/inbox/"


def test_someone_elses_notification_is_a_404(org: Org, notifications: Any) -> None:
    (theirs,) = notifications(org.sibling, 1)
    assert login(org.colleague).post(f"/inbox/{theirs.pk}/read/").status_code == 404
    assert login(org.colleague).post("/inbox/999999/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_needs_post(org: Org, notifications: Any) -> None:
    (item,) = notifications(org.colleague, 1)
    assert login(org.colleague).get(f"/inbox/{item.pk}/read/").status_code == 405


def test_mark_all_read_touches_only_your_own(org: Org, notifications: Any) -> None:
    notifications(org.colleague, 3)
    notifications(org.sibling, 2)
    client = login(org.colleague)
    assert client.post("/inbox/read-all/").status_code == 302
    assert not Notification.objects.unread().filter(recipient=org.colleague).exists()
    assert Notification.objects.unread().filter(recipient=org.sibling).count() == 2
    assert client.post("/inbox/read-all/", HTTP_HX_REQUEST="true")["HX-Redirect"] == "/inbox/"


def notified_about(recipient: Person, records: list[Any]) -> list[Notification]:
    from django.urls import reverse

    from jishi.notifications.models import Kind

    return Notification.objects.bulk_create(
        Notification(
            recipient=recipient,
            kind=Kind.COMMENT,
            text=f"关于第{n}条记实的点评",
            record=record,
            url=reverse("records:detail", args=[record.pk]),
        )
        for n, record in enumerate(records)
    )


def test_a_record_no_longer_readable_is_shown_without_its_link(org: Org, django_assert_max_num_queries: Any) -> None:
    import datetime

    from jishi.records.models import Visibility, WorkRecord
    from jishi.testing import write_record

    hours = [datetime.time(h, 0) for h in range(8, 14)]
    records = [write_record(org.author, start_time=h, end_time=h.replace(minute=50)) for h in hours]
    items = notified_about(org.colleague, records)
    # Since delivery the author made one record 仅上级: the colleague may no longer read it.
    WorkRecord.objects.filter(pk=records[0].pk).update(visibility=Visibility.SUPERIORS)
    client = login(org.colleague)
    client.get("/inbox/")
    with django_assert_max_num_queries(5):  # session, generation, rows, their records, unread count
        body = client.get("/inbox/").content.decode()
    hidden = body.split(f'id="notification-{items[0].pk}"')[1].split("</li>")[0]
    assert "关于第0条记实的点评" in hidden and "（该记实现已无权查看）" in hidden and 'name="open"' not in hidden
    shown = body.split(f'id="notification-{items[1].pk}"')[1].split("</li>")[0]
    assert 'name="open"' in shown and "无权查看" not in shown
    assert body.count("（该记实现已无权查看）") == 1
    # Opening it anyway marks it read and stays in the inbox instead of leading to a 404.
    response = client.post(f"/inbox/{items[0].pk}/read/", {"open": "1"})
    assert response["Location"] == "/inbox/"
    marked = client.post(f"/inbox/{items[0].pk}/read/", HTTP_HX_REQUEST="true").content.decode()
    assert "（该记实现已无权查看）" in marked


def test_a_transfer_ends_the_link_to_the_old_units_records(org: Org) -> None:
    import datetime

    from django.utils import timezone

    from jishi.org.models import Assignment
    from jishi.records.models import Visibility
    from jishi.testing import make_post, write_record

    record = write_record(org.author, visibility=Visibility.UNIT)
    [item] = notified_about(org.colleague, [record])
    client = login(org.colleague)
    assert "无权查看" not in client.get("/inbox/").content.decode()
    today = timezone.localdate()
    Assignment.objects.filter(person=org.colleague).update(end=today - datetime.timedelta(days=1))
    make_post(org.colleague, org.relief, start=today)
    body = login(org.colleague).get("/inbox/").content.decode()
    assert "（该记实现已无权查看）" in body.split(f'id="notification-{item.pk}"')[1]
