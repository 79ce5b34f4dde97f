"""政务公开 models: what the portal has published (Publication), the publishers' decisions on it (PublicationDecision),
and below the marked line citizens' messages (P-feedback)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jishi.records.rules import public_q


def _live_q(*, record: str, publication: str, now: datetime.datetime | None) -> models.Q:
    return public_q(record) & models.Q(
        **{f"{publication}held": False, f"{publication}published_at__lte": now or timezone.now()}
    )


def live_record_q(*, now: datetime.datetime | None = None) -> models.Q:
    """live(), said of WorkRecord rows: the record has a live publication (the review queue starts from the records,
    read through WorkRecord.objects.visible_to)."""
    return _live_q(record="", publication="publication__", now=now)


class PublicationQuerySet(models.QuerySet["Publication"]):
    def live(self, *, now: datetime.datetime | None = None) -> PublicationQuerySet:
        """What the public sees now: not held, published, and its record still public *at query time* — a record
        withdrawn, restricted or made sensitive after publication is gone at once. Every portal surface starts here."""
        return self.filter(_live_q(record="record__", publication="", now=now))


class Publication(models.Model):
    """One record published on the portal: the redacted text and a snapshot of who wrote it, in which post."""

    record = models.OneToOneField(
        "records.WorkRecord", verbose_name=_("工作记实"), on_delete=models.PROTECT, related_name="publication"
    )
    # Copied from the record (they never change once it is locked): the portal's lists filter and order on them
    # without a join.
    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("org.Unit", verbose_name=_("本单位"), on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("日期"))
    # Officials are named: it is their public work. Snapshotted, so a later change of post does not rewrite history.
    author_name = models.CharField(_("姓名"), max_length=50)
    post_title = models.CharField(_("职务"), max_length=100, blank=True)
    # A jurisdiction leader or a department's principal at publication: their records come first in lists.
    is_leader = models.BooleanField(_("领导"), default=False)
    content_redacted = models.TextField(_("工作内容（已脱敏）"))
    result_redacted = models.TextField(_("结果/进展（已脱敏）"), blank=True)
    redactions = models.JSONField(_("脱敏计数"), default=dict, blank=True)  # kind → count
    published_at = models.DateTimeField(_("发布时间"))
    # Kept back by a publisher after publication (PublicationDecision says who, when and why).
    held = models.BooleanField(_("暂缓公开"), default=False)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("公开记实")
        verbose_name_plural = _("公开记实")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["date", "id"], name="publication_date_id"),
            models.Index(fields=["unit", "date"], name="publication_unit_date"),
            models.Index(fields=["department", "date"], name="publication_department_date"),
            models.Index(fields=["author", "date"], name="publication_author_date"),
            models.Index(fields=["published_at"], name="publication_published_at"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.author_name} {self.content_redacted[:20]}"


class DecisionAction(models.TextChoices):
    HOLD = "hold", _("暂缓公开")
    RELEASE = "release", _("恢复公开")


class PublicationDecision(models.Model):
    """A publisher's decision to hold a record back from the portal or release it again, with the reason."""

    record = models.ForeignKey(
        "records.WorkRecord",
        verbose_name=_("工作记实"),
        on_delete=models.PROTECT,
        related_name="publication_decisions",
    )
    action = models.CharField(_("决定"), max_length=10, choices=DecisionAction.choices)
    reason = models.CharField(_("理由"), max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("决定人"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("公开决定")
        verbose_name_plural = _("公开决定")
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["record", "decided_at"], name="publication_decision_record")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.record_id}: {self.reason}"


# --- 留言 (citizens' messages): below this line, P-feedback ---


class MessageStatus(models.TextChoices):
    """Where a message stands: held for moderation, then approved (shown once answered), rejected or spam."""

    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("不予公开")
    SPAM = "spam", _("垃圾留言")


class Message(models.Model):
    """留言 — a citizen's message on a published record or to a unit, held until the unit's moderators decide."""

    # On a published record; none for a message to the unit itself.
    publication = models.ForeignKey(
        Publication,
        verbose_name=_("公开记实"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    # Whose moderators decide: the record's unit, or the unit the message is addressed to.
    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("称呼"), max_length=50, blank=True)
    # For the unit only: never shown on the portal.
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    text = models.TextField(_("留言内容"))
    # What the portal shows: the text with the sender's (and others') phones, identity numbers, plates, bank cards,
    # e-mail addresses and citizens' names replaced (portal.redaction), as for a published record.
    text_public = models.TextField(_("公开文本（已脱敏）"), blank=True, editable=False)
    created_at = models.DateTimeField(_("留言时间"), default=timezone.now)
    # A keyed hash of the sender's address (never the address itself): enough to see one sender's flood.
    address_hash = models.CharField(max_length=64, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    # When the latest answer was given (Answer keeps every one): the public lists and the answer rate read the row.
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("留言")
        verbose_name_plural = _("留言")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "status", "created_at"], name="message_unit_status"),
            models.Index(fields=["publication", "status"], name="message_publication_status"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} {self.text[:20]}"


class ModerationDecision(models.Model):
    """A moderator's decision on a message, with the reason — appended, never changed (the log of moderation)."""

    message = models.ForeignKey(Message, verbose_name=_("留言"), on_delete=models.PROTECT, related_name="decisions")
    decision = models.CharField(_("决定"), max_length=10, choices=MessageStatus.choices)
    reason = models.CharField(_("理由"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审核人"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("留言审核")
        verbose_name_plural = _("留言审核")
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} {self.message_id}: {self.reason}"


class Answer(models.Model):
    """The unit's public answer to an approved message; a later answer supersedes it on the portal, both are kept."""

    message = models.ForeignKey(Message, verbose_name=_("留言"), on_delete=models.PROTECT, related_name="answers")
    text = models.TextField(_("答复内容"))
    # What the portal shows: an answer may name the citizen or quote their phone ("已联系王大爷（139…）").
    text_public = models.TextField(_("公开文本（已脱敏）"), blank=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("答复人"), on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("答复时间"))

    class Meta:
        verbose_name = _("留言答复")
        verbose_name_plural = _("留言答复")
        ordering = ["-answered_at", "-id"]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.text[:20]}"
