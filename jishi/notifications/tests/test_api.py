from typing import Any

import pytest
from django.test import Client

from jishi.accounts.services import token_create
from jishi.notifications.models import Notification
from jishi.org.models import Person
from jishi.testing import Org

pytestmark = pytest.mark.django_db


def api_for(person: Person) -> Client:
    _, secret = token_create(person=person, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_list_newest_first_with_cursor(org: Org, notifications: Any) -> None:
    notifications(org.colleague, 25, actor=org.author, url="/records/1/")
    api = api_for(org.colleague)
    first = api.get("/api/v1/notifications").json()
    assert len(first["items"]) == 20
    assert first["items"][0]["text"] == "第24条通知"
    assert first["items"][0]["actor"] == {"id": org.author.pk, "name": "张伟"}
    assert first["items"][0]["kind"] == "mention" and first["items"][0]["read_at"] is None
    rest = api.get("/api/v1/notifications", {"cursor": first["next_cursor"]}).json()
    assert [i["text"] for i in rest["items"]] == [f"第{n}条通知" for n in range(4, -1, -1)]
    assert rest["next_cursor"] is None


def test_unread_filter_count_and_mark_read(org: Org, notifications: Any) -> None:
    rows = notifications(org.colleague, 3)
    api = api_for(org.colleague)
    assert api.get("/api/v1/notifications/unread-count").json() == {"count": 3}
    marked = api.post(f"/api/v1/notifications/{rows[0].pk}/read")
    assert marked.status_code == 200 and marked.json()["read_at"] is not None
    assert api.get("/api/v1/notifications/unread-count").json() == {"count": 2}
    unread = api.get("/api/v1/notifications", {"unread": "true"}).json()["items"]
    assert {i["id"] for i in unread} == {rows[1].pk, rows[2].pk}
    assert api.post("/api/v1/notifications/read-all").json() == {"count": 2}
    assert api.get("/api/v1/notifications/unread-count").json() == {"count": 0}


def test_someone_elses_notification_is_a_404(org: Org, notifications: Any) -> None:
    (theirs,) = notifications(org.sibling, 1)
    api = api_for(org.colleague)
    assert api.post(f"/api/v1/notifications/{theirs.pk}/read").status_code == 404
    assert api.get("/api/v1/notifications").json()["items"] == []
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_anonymous_is_refused(org: Org) -> None:
    assert Client().get("/api/v1/notifications").status_code == 401
    assert Client().get("/api/v1/notifications/unread-count").status_code == 401
    assert Client().post("/api/v1/notifications/read-all").status_code == 401
    assert Notification.objects.count() == 0


def test_bad_cursor_is_the_first_page(org: Org, notifications: Any) -> None:
    notifications(org.colleague, 2)
    assert len(api_for(org.colleague).get("/api/v1/notifications", {"cursor": "xyz"}).json()["items"]) == 2


def test_a_record_no_longer_readable_is_flagged(org: Org) -> None:
    from jishi.notifications.models import Kind
    from jishi.records.models import Visibility, WorkRecord
    from jishi.testing import write_record

    record = write_record(org.author)
    item = Notification.objects.create(
        recipient=org.colleague, kind=Kind.COMMENT, text="点评", record=record, url=f"/records/{record.pk}/"
    )
    api = api_for(org.colleague)
    assert api.get("/api/v1/notifications").json()["items"][0]["record_readable"] is True
    WorkRecord.objects.filter(pk=record.pk).update(visibility=Visibility.SUPERIORS)
    assert api.get("/api/v1/notifications").json()["items"][0]["record_readable"] is False
    assert api.post(f"/api/v1/notifications/{item.pk}/read").json()["record_readable"] is False
