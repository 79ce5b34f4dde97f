import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404

from jishi.notifications.models import Kind, Notification
from jishi.notifications.services import mark_all_read, mark_read, notify
from jishi.testing import Org, Visibility, write_record

pytestmark = pytest.mark.django_db


def _notify(django_capture_on_commit_callbacks, **kwargs) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notify(**kwargs)


def test_notify_writes_nothing_until_commit(org: Org, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(recipients=[org.colleague], kind=Kind.MENTION, actor=org.author, text="张伟提到了你")
        assert not Notification.objects.exists()
    assert len(callbacks) == 1


def test_record_notification_reaches_only_recipients_who_may_see_it(
    org: Org, django_capture_on_commit_callbacks
) -> None:
    record = write_record(org.author, visibility=Visibility.SUPERIORS)
    _notify(
        django_capture_on_commit_callbacks,
        recipients=[org.section_head, org.colleague, org.unrelated],
        kind=Kind.COMMENT,
        actor=org.deputy_in_charge,
        text="陈静点评了张伟的记实",
        record=record,
    )
    rows = list(Notification.objects.all())
    assert [n.recipient for n in rows] == [org.section_head]
    assert rows[0].record == record
    assert rows[0].url == f"/records/{record.pk}/"


def test_actor_is_not_notified_of_their_own_act(org: Org, django_capture_on_commit_callbacks) -> None:
    record = write_record(org.author)
    _notify(
        django_capture_on_commit_callbacks,
        recipients=[org.author, org.colleague],
        kind=Kind.COMMENT,
        actor=org.author,
        text="张伟回复了点评",
        record=record,
    )
    assert list(Notification.objects.values_list("recipient", flat=True)) == [org.colleague.pk]


def test_email_only_with_an_address_and_never_the_content(
    org: Org, django_capture_on_commit_callbacks, settings
) -> None:
    settings.JISHI_SITE_URL = "https://jishi.example.gov.cn/"
    org.section_head.email = "liuyang@example.gov.cn"
    org.section_head.save()
    record = write_record(org.author, is_sensitive=True, content="关于某干部人事调整的意见征求，涉及三名同志的任用")
    _notify(
        django_capture_on_commit_callbacks,
        recipients=[org.section_head, org.colleague],
        kind=Kind.COMMENT,
        actor=org.unit_head,
        text="赵强点评了张伟的记实",
        record=record,
    )
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["liuyang@example.gov.cn"]
    assert "赵强点评了张伟的记实" in message.subject
    assert f"https://jishi.example.gov.cn/records/{record.pk}/" in message.body
    assert message.body.startswith("刘洋，您好：")
    assert "人事调整" not in message.body and "人事调整" not in message.subject


@pytest.mark.parametrize("text", ["", "   ", "很" * 201])
def test_bad_text_is_refused(org: Org, text: str) -> None:
    with pytest.raises(ValidationError) as error:
        notify(recipients=[org.colleague], kind=Kind.MENTION, actor=org.author, text=text)
    assert "text" in error.value.message_dict


def test_unknown_kind_is_refused(org: Org) -> None:
    with pytest.raises(ValidationError) as error:
        notify(recipients=[org.colleague], kind="like", actor=org.author, text="点赞")
    assert "kind" in error.value.message_dict


def test_mark_read_only_your_own(org: Org, django_capture_on_commit_callbacks) -> None:
    _notify(
        django_capture_on_commit_callbacks,
        recipients=[org.colleague, org.sibling],
        kind=Kind.MENTION,
        actor=org.author,
        text="张伟提到了你",
    )
    mine = Notification.objects.get(recipient=org.colleague)
    theirs = Notification.objects.get(recipient=org.sibling)
    with pytest.raises(Http404):
        mark_read(person=org.colleague, notification_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert mark_read(person=org.colleague, notification_id=mine.pk).read_at is not None
    assert mark_all_read(person=org.sibling) == 1
    assert mark_all_read(person=org.sibling) == 0


def test_a_mail_server_that_is_down_does_not_stop_the_inbox(
    org: Org, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from django.core.mail.backends.locmem import EmailBackend

    def refuse(self, messages):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    org.colleague.email = "lina@example.gov.cn"
    org.colleague.save()
    _notify(
        django_capture_on_commit_callbacks,
        recipients=[org.colleague, org.sibling],
        kind=Kind.MENTION,
        actor=org.author,
        text="张伟提到了你",
    )
    assert Notification.objects.count() == 2


def test_notification_about_a_unit_record_skips_other_units(org: Org, django_capture_on_commit_callbacks) -> None:
    record = write_record(org.author, visibility=Visibility.UNIT)
    _notify(
        django_capture_on_commit_callbacks,
        recipients=[org.sibling, org.unrelated, org.district_deputy],
        kind=Kind.CONFIRMATION,
        actor=org.author,
        text="张伟请你确认参与",
        record=record,
    )
    assert set(Notification.objects.values_list("recipient", flat=True)) == {org.sibling.pk, org.district_deputy.pk}


def test_the_database_backend_stores_the_task_with_ids_only(
    org: Org, django_capture_on_commit_callbacks, settings
) -> None:
    from django_tasks_db.models import DBTaskResult

    from jishi.notifications.tasks import deliver_notifications

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    record = write_record(org.author)
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[org.colleague], kind=Kind.COMMENT, actor=org.section_head, text="刘洋点评了", record=record)
    assert not Notification.objects.exists()  # the worker has not run yet
    stored = DBTaskResult.objects.get()
    kwargs = stored.args_kwargs["kwargs"]
    assert kwargs["recipient_ids"] == [org.colleague.pk] and kwargs["record_id"] == record.pk
    assert deliver_notifications.call(**kwargs) == 1  # what db_worker runs
    assert Notification.objects.get().recipient == org.colleague


def test_duplicates_unsaved_and_inactive_recipients(org: Org, django_capture_on_commit_callbacks) -> None:
    from jishi.org.models import Person

    org.sibling.is_active = False
    org.sibling.save()
    _notify(
        django_capture_on_commit_callbacks,
        recipients=[org.colleague, org.colleague, Person(full_name="未保存"), org.sibling],
        kind=Kind.MENTION,
        actor=None,
        text="系统通知",
    )
    assert list(Notification.objects.values_list("recipient", flat=True)) == [org.colleague.pk]


def test_fan_out_in_chunks_is_complete_and_keyed_once(org: Org, monkeypatch) -> None:
    from jishi.notifications import services

    monkeypatch.setattr(services, "CHUNK", 2)
    people = [org.author, org.colleague, org.sibling, org.section_head, org.unrelated]
    ids = [p.pk for p in people]
    assert services.deliver(recipient_ids=ids, kind=Kind.TASK, actor_id=None, text="督办", key="k") == 5
    assert services.deliver(recipient_ids=ids, kind=Kind.TASK, actor_id=None, text="督办", key="k") == 0
    assert Notification.objects.count() == 5
