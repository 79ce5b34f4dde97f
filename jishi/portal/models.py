"""政务公开 models: what the portal has published (Publication), the publishers' decisions on it (PublicationDecision),
and below the marked line citizens' messages (P-feedback)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jishi.records.rules import public_q


class PublicationQuerySet(models.QuerySet["Publication"]):
    def live(self, *, now: datetime.datetime | None = None) -> PublicationQuerySet:
        """What the public sees now: not held, published, and its record still public *at query time* — a record
        withdrawn, restricted or made sensitive after publication is gone at once. Every portal surface starts here."""
        return self.filter(public_q("record__"), held=False, published_at__lte=now or timezone.now())


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
