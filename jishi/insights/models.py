"""What insights keeps in the database: the months whose partitions wait for a refresh, cost rates per rank, and
people's decisions on findings. The figures themselves live in the analytics store (store.py), not here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jishi.org.models import Rank


class DirtyMonth(models.Model):
    """A month whose partitions are out of date: a record of that month was written since the last refresh."""

    month = models.DateField(_("月份"), unique=True, help_text=_("该月第一天"))
    marked_at = models.DateTimeField(_("标记时间"))

    class Meta:
        verbose_name = _("待刷新月份")
        verbose_name_plural = _("待刷新月份")
        ordering = ["month"]

    def __str__(self) -> str:
        return self.month.strftime("%Y-%m")


class CostRate(models.Model):
    """成本标准 — what an hour of work costs at a rank, from a date on (the resources and budget report)."""

    rank = models.CharField(_("职级"), max_length=20, choices=Rank.choices)
    yuan_per_hour = models.DecimalField(_("每小时成本（元）"), max_digits=8, decimal_places=2)
    valid_from = models.DateField(_("生效日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("成本标准")
        verbose_name_plural = _("成本标准")
        ordering = ["rank", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["rank", "valid_from"], name="cost_rate_rank_from_once")]

    def __str__(self) -> str:
        return f"{self.get_rank_display()} {self.yuan_per_hour} 元/小时"


class SubjectType(models.TextChoices):
    UNIT = "unit", _("单位")
    PERSON = "person", _("人员")
    DUTY = "duty", _("职责")


class Decision(models.TextChoices):
    CONFIRMED = "confirmed", _("属实")
    DISMISSED = "dismissed", _("不属实")
    NOTED = "noted", _("已知悉")


class FindingReview(models.Model):
    """研判 — a person's decision on a finding, with the reason. Append-only: a newer review supersedes an older one."""

    kind = models.CharField(_("类型"), max_length=30)
    subject_type = models.CharField(_("对象类型"), max_length=10, choices=SubjectType.choices)
    subject_id = models.BigIntegerField(_("对象"))
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("结束日期"))
    decision = models.CharField(_("结论"), max_length=20, choices=Decision.choices)
    reason = models.TextField(_("理由"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("研判人"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("研判时间"))

    class Meta:
        verbose_name = _("研判")
        verbose_name_plural = _("研判")
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["kind", "subject_type", "subject_id"], name="finding_review_subject")]
        constraints = [models.CheckConstraint(condition=~models.Q(reason=""), name="finding_review_has_reason")]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_type}#{self.subject_id} {self.decision}"
