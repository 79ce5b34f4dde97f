"""周报 / 月报 (and later the assessment's 个人总结): a person's report of a period, drafted from their own records and
submitted to their superiors. A submitted report keeps every version: a correction is a new version, never an edit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    WEEK = "week", _("周报")
    MONTH = "month", _("月报")


class SummaryQuerySet(models.QuerySet["Summary"]):
    def visible_to(self, user: Any) -> SummaryQuerySet:
        """Reports `user` may read: their own, their people's (superiors) and those in a scoped role's scope."""
        from jishi.summaries import rules

        return rules.restrict(self, user)


class Summary(models.Model):
    """One person's report of one period; its text lives in its versions (SummaryVersion), the latest shown."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报告人"), on_delete=models.PROTECT, related_name="summaries"
    )
    # The unit the author served in when first submitting: its superiors and scoped roles read the report.
    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    submitted_at = models.DateTimeField(_("提交时间"))  # the latest version's

    objects = SummaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("工作报告")
        verbose_name_plural = _("工作报告")
        ordering = ["-period_start", "-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["author", "kind", "period_start"], name="summary_one_per_period"),
        ]
        indexes = [models.Index(fields=["unit", "-submitted_at"], name="summary_unit_submitted")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start}"


class SummaryVersion(models.Model):
    """One submitted text of a report. Append-only; sealed through the audit event that records its digest."""

    summary = models.ForeignKey(Summary, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    body = models.TextField(_("报告内容"))
    plan = models.TextField(_("下期计划"), blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = _("报告版本")
        verbose_name_plural = _("报告版本")
        ordering = ["summary_id", "number"]
        constraints = [models.UniqueConstraint(fields=["summary", "number"], name="summary_version_unique")]

    def __str__(self) -> str:
        return f"{self.summary_id} v{self.number}"
