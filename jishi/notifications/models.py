"""The in-app inbox (通知): one row per recipient and event."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What the notification is about; the services of other apps pick one."""

    COMMENT = "comment", _("点评")
    INQUIRY = "inquiry", _("质询")
    INQUIRY_ANSWER = "inquiry_answer", _("质询答复")
    CONFIRMATION = "confirmation", _("参与确认")
    MENTION = "mention", _("提及")
    REMINDER = "reminder", _("填报提醒")
    TASK = "task", _("督办")
    FEEDBACK = "feedback", _("公众留言")  # a citizen's message for the unit's moderators (portal)
    ASSESSMENT = "assessment", _("考核")  # 公示, 复核 and 申诉 steps for the person and the deciders (assessment)


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """通知 — one line in one person's inbox; about a record only if the recipient may see that record."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.CharField(_("内容"), max_length=200)
    record = models.ForeignKey(
        "records.WorkRecord",
        verbose_name=_("相关记实"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    url = models.CharField(_("链接"), max_length=300, blank=True)
    # Makes a delivery idempotent: a reminder for one day is stored once per person, however often it runs.
    key = models.CharField(max_length=80, blank=True, editable=False)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    # Not stored: whether the recipient may still read `record` (set for a page by selectors.with_record_access);
    # access may have changed since delivery — a transfer, a change of the record's visibility.
    record_readable: bool = True
    # Not stored: the comment or question the notification is about, trimmed, when the recipient may read the
    # record's content now (set by selectors.with_record_access).
    quote: str = ""

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notification_inbox"),
            # "My unread, newest first" and the header count read only this small index.
            models.Index(fields=["recipient", "-id"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], condition=~Q(key=""), name="notification_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.text}"
