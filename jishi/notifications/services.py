"""Writes of the inbox: notify others (queued on commit, fanned out in the background) and mark read."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jishi.core.services import audit
from jishi.notifications.models import Kind, Notification
from jishi.org.calendar import WorkingCalendar, at, is_working_day, local_today
from jishi.org.models import Assignment, Person
from jishi.org.rules import can_see_person_filing
from jishi.records.models import WorkRecord
from jishi.records.selectors import owing_without_record

logger = logging.getLogger(__name__)
CHUNK = 500
TEXT_MAX = Notification._meta.get_field("text").max_length or 200
URL_MAX = Notification._meta.get_field("url").max_length or 300


def _chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _check(*, kind: str, text: str, url: str) -> None:
    errors: dict[str, str] = {}
    if kind not in Kind.values:
        errors["kind"] = _("未知的通知类型")
    if not text.strip():
        errors["text"] = _("通知内容不能为空")
    elif len(text) > TEXT_MAX:
        errors["text"] = _("通知内容不能超过 %(max)d 个字") % {"max": TEXT_MAX}
    if len(url) > URL_MAX:
        errors["url"] = _("链接过长")
    if errors:
        raise ValidationError(errors)


def notify(
    *,
    recipients: Iterable[Person],
    kind: str,
    actor: Person | None,
    text: str,
    record: WorkRecord | None = None,
    url: str = "",
) -> None:
    """Notify `recipients` once the caller's transaction commits; a background task fans out to inboxes and email.

    With a `record`, only recipients who may see it are notified. The actor is never notified of their own act.
    `text` is a short Chinese line, never the record's content (it goes into email).
    """
    _check(kind=kind, text=text, url=url)
    actor_id = actor.pk if actor is not None else None
    recipient_ids = sorted({p.pk for p in recipients if p.pk and p.pk != actor_id})
    if not recipient_ids:
        return
    if record is not None and not url:
        url = reverse("records:detail", args=[record.pk])
    enqueue_delivery(
        recipient_ids=recipient_ids,
        kind=kind,
        actor_id=actor_id,
        text=text.strip(),
        record_id=record.pk if record is not None else None,
        url=url,
    )


def enqueue_delivery(
    *,
    recipient_ids: list[int],
    kind: str,
    actor_id: int | None,
    text: str,
    record_id: int | None = None,
    url: str = "",
    key: str = "",
) -> None:
    """Queue the fan-out task after the current transaction commits (at once outside a transaction)."""
    from jishi.notifications.tasks import deliver_notifications

    arguments: dict[str, Any] = {
        "recipient_ids": recipient_ids,
        "kind": kind,
        "actor_id": actor_id,
        "text": text,
        "record_id": record_id,
        "url": url,
        "key": key,
    }
    transaction.on_commit(lambda: deliver_notifications.enqueue(**arguments))


def _may_see(person: Person, record_id: int) -> bool:
    return WorkRecord.objects.visible_to(person).filter(pk=record_id).exists()


def deliver(
    *,
    recipient_ids: Sequence[int],
    kind: str,
    actor_id: int | None,
    text: str,
    record_id: int | None = None,
    url: str = "",
    key: str = "",
) -> int:
    """The fan-out (run by the background task): inbox rows in chunks, then email; returns rows written.

    Visibility is checked here, at delivery, so a recipient who lost access in between gets nothing.
    A `key` makes delivery idempotent: a recipient who already holds a notification with it is skipped.
    """
    written = 0
    ids = sorted({i for i in recipient_ids if i != actor_id})
    for chunk in _chunks(ids):
        people = list(
            Person.objects.filter(pk__in=chunk, is_active=True).only(
                "id", "email", "full_name", "username", "is_active"
            )
        )
        if record_id is not None:
            people = [p for p in people if _may_see(p, record_id)]
        if key:
            done = set(
                Notification.objects.filter(recipient_id__in=[p.pk for p in people], key=key).values_list(
                    "recipient_id", flat=True
                )
            )
            people = [p for p in people if p.pk not in done]
        if not people:
            continue
        now = timezone.now()
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=p.pk,
                    kind=kind,
                    actor_id=actor_id,
                    text=text,
                    record_id=record_id,
                    url=url,
                    key=key,
                    created_at=now,
                )
                for p in people
            ],
            batch_size=CHUNK,
            # A concurrent run of the same keyed delivery loses the race quietly instead of failing the batch.
            ignore_conflicts=bool(key),
        )
        if key:  # ignore_conflicts hides which rows a concurrent run stored first: count and email only ours
            stored = Notification.objects.filter(recipient_id__in=[p.pk for p in people], key=key, created_at=now)
            ours = set(stored.values_list("recipient_id", flat=True))
            people = [p for p in people if p.pk in ours]
        written += len(people)
        try:
            send_emails(people=[p for p in people if p.email], text=text, url=url)
        except OSError:  # smtplib's errors are OSErrors
            # The inbox is the notification; a mail server that is down must not stop the next chunk's rows.
            logger.exception("notification email failed for %d recipients", len(people))
    return written


def _absolute(url: str) -> str:
    if not url or "://" in url:
        return url
    return settings.JISHI_SITE_URL.rstrip("/") + url


def send_emails(*, people: Sequence[Person], text: str, url: str) -> None:
    """Plain-text Chinese email with the link — the notification's line only, never a record's content."""
    if not people:
        return
    link = _absolute(url)
    messages = []
    # The line itself is Chinese (callers write it so), so the frame around it is too, whatever language is active.
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("【记实】%(text)s") % {"text": text}
        for person in people:
            lines = [_("%(name)s，您好：") % {"name": person.get_full_name()}, "", text]
            if link:
                lines += ["", _("查看：%(link)s") % {"link": link}]
            lines += ["", _("—— 记实（系统自动发送，请勿回复）")]
            messages.append(EmailMessage(subject=subject, body="\n".join(lines), to=[person.email]))
    with get_connection(fail_silently=False) as connection:
        connection.send_messages(messages)


@transaction.atomic
def mark_read(*, person: Person, notification_id: int) -> Notification:
    """Mark one of the person's notifications read; someone else's is a 404, like a missing one."""
    notification = Notification.objects.filter(recipient=person, pk=notification_id).first()
    if notification is None:
        raise Http404
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_read(*, person: Person) -> int:
    """Mark every unread notification of the person read; returns how many changed."""
    return Notification.objects.unread().filter(recipient=person).update(read_at=timezone.now())


@dataclass
class ReminderRun:
    """What one reminder run found and did (the command prints it; --dry-run stops before `queued`)."""

    day: datetime.date
    working_day: bool
    owing: int = 0
    already_reminded: int = 0
    queued: int = 0


def reminder_key(day: datetime.date) -> str:
    return f"reminder:{day.isoformat()}"


def settle_reminder(*, person: Person, day: datetime.date) -> int:
    """The day is filed: its reminder, if any, stops waiting unread (records.services calls this on create).

    Most records settle nothing: a look for an unread reminder comes first, and only the few that find one write.
    """
    waiting = Notification.objects.unread().filter(recipient_id=person.pk, key=reminder_key(day))
    ids = list(waiting.values_list("id", flat=True))
    if not ids:
        return 0
    return Notification.objects.unread().filter(pk__in=ids).update(read_at=timezone.now())


def default_reminder_day(today: datetime.date) -> datetime.date | None:
    """The day `jishi remind` reminds about when not told: the working day before today, asked on a working day.

    Reminding the next morning spares people who file at the end of the day; staying quiet on days off spares
    everyone weekend and holiday messages (Monday's run covers Friday, or a make-up working Sunday).
    """
    calendar = WorkingCalendar(today - datetime.timedelta(days=30), today)
    if not calendar.is_working_day(today):
        return None
    day = today - datetime.timedelta(days=1)
    while day >= calendar.start:
        if calendar.is_working_day(day):
            return day
        day -= datetime.timedelta(days=1)
    return None


def reminder_text(day: datetime.date) -> str:
    """The stored line is in the jurisdiction's language, like the lines other apps write, whoever runs the command."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("您 %(month)d月%(day)d日 的工作记实还没有填写") % {"month": day.month, "day": day.day}


def remind_missing(*, day: datetime.date, dry_run: bool = False, today: datetime.date | None = None) -> ReminderRun:
    """Remind everyone who owes a record for `day` and has none, once per person and day (填报提醒).

    One query finds them and whether they were reminded already (records.selectors.owing_without_record: post,
    filing obligation, no absence, no record); the reminders fan out in a background task. A day that is not an
    official working day reminds nobody; a day outside the late-entry window is refused, since a reminder could no
    longer be acted on.
    """
    today = today or local_today()
    if day > today:
        raise ValidationError({"date": _("不能为今天之后的日期发送提醒")})
    window = settings.JISHI_LATE_ENTRY_DAYS
    if (today - day).days > window:
        raise ValidationError(
            {"date": _("%(day)s 已超过 %(days)d 天补记期限，提醒已无意义") % {"day": day, "days": window}}
        )
    run = ReminderRun(day=day, working_day=is_working_day(day))
    if not run.working_day:
        return run
    key = reminder_key(day)
    reminded = Notification.objects.filter(recipient_id=OuterRef("pk"), key=key)
    owing = list(
        owing_without_record(day=day).annotate(reminded=Exists(reminded)).order_by("pk").values_list("pk", "reminded")
    )
    recipient_ids = [pk for pk, already in owing if not already]
    run.owing, run.already_reminded = len(owing), len(owing) - len(recipient_ids)
    if dry_run or not recipient_ids:
        return run
    # The entry form is on the today page, with a date field for late entries (补记).
    url = reverse("records:today")
    enqueue_delivery(
        recipient_ids=recipient_ids,
        kind=Kind.REMINDER,
        actor_id=None,
        text=reminder_text(day),
        url=url,
        key=key,
    )
    run.queued = len(recipient_ids)
    return run


def record_filed(*, record: WorkRecord, author: Person, ask_participants: bool) -> None:
    """Hook record.created: the record files its day, so the author's reminder for it is settled."""
    settle_reminder(person=author, day=record.date)


# --- A superior's reminder (提醒, the manager's day) -------------------------------------------------------------


def reminded(person_ids: Iterable[int], *, day: datetime.date, today: datetime.date | None = None) -> set[int]:
    """Of these people, those who may not be reminded about `day` again: reminded today (by anyone, or the morning
    run), or reminded about `day` already. The page's 已提醒 and remind_unfiled's refusal read this one rule."""
    ids = sorted(set(person_ids))
    if not ids:
        return set()
    since = at(today or local_today(), datetime.time.min)
    found: set[int] = set()
    for chunk in _chunks(ids):
        rows = Notification.objects.filter(recipient_id__in=chunk, kind=Kind.REMINDER).filter(
            Q(created_at__gte=since) | Q(key=reminder_key(day))
        )
        found.update(rows.values_list("recipient_id", flat=True))
    return found


def nudge_text(*, sender: Person, day: datetime.date) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(name)s 提醒您：%(month)d月%(day)d日 的工作记实还没有填写") % {
            "name": sender.get_full_name(),
            "month": day.month,
            "day": day.day,
        }


@transaction.atomic
def remind_unfiled(
    *, sender: Person, person: Person, day: datetime.date, today: datetime.date | None = None
) -> Notification:
    """One tap of 提醒: remind `person` in their inbox that `day` has no record, from a superior who may see their
    filing (org.rules.can_see_person_filing, for a unit they serve in today) — anyone else gets a 404, as for a
    missing person. At most one reminder per person and day, whoever sends it (the morning's `jishi remind`
    included); the reminder carries the day's key, so the morning run skips it and filing the day settles it. A
    day nobody owes (a holiday, an absence, a day already filed) is refused with a clear message. Audited.
    """
    today = today or local_today()
    units = set(
        Assignment.objects.active_on(today).filter(person_id=person.pk).values_list("position__unit_id", flat=True)
    )
    if person.pk == sender.pk or not any(can_see_person_filing(sender, person.pk, u) for u in units):
        raise Http404
    name = person.get_full_name()
    already = _("已提醒过%(name)s：每人每天最多提醒一次，同一天的记实只提醒一次") % {"name": name}
    if day > today:
        raise ValidationError({"day": _("不能为今天之后的日期发送提醒")})
    if (today - day).days > settings.JISHI_LATE_ENTRY_DAYS:
        raise ValidationError({"day": _("%(day)s 已超过补记期限，提醒已无意义") % {"day": day}})
    if not is_working_day(day):
        raise ValidationError({"day": _("%(day)s 不是工作日，无需填写") % {"day": day}})
    if person.pk in reminded([person.pk], day=day, today=today):
        raise ValidationError({"person": already})
    if not owing_without_record(day=day).filter(pk=person.pk).exists():
        raise ValidationError({"person": _("%(name)s 当天已填写或无需填写，不必提醒") % {"name": name}})
    notification = Notification(
        recipient=person,
        kind=Kind.REMINDER,
        actor=sender,
        text=nudge_text(sender=sender, day=day),
        url=reverse("records:today"),
        key=reminder_key(day),
    )
    try:
        with transaction.atomic():  # a concurrent tap (or the morning run) stored the day's reminder first
            notification.save()
    except IntegrityError:
        raise ValidationError({"person": already}) from None
    audit(actor=sender, verb="notifications.remind", target=person, data={"day": day.isoformat()})
    return notification
