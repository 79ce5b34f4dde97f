"""考核 models: standards, periods, one assessment per person and period, the person's summary, the append-only steps
of the flow (proposal, decision, 公示, acknowledgement, 复核, 申诉) and recorded raises of the 优秀 quota."""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# Defaults from the national rules (公务员考核规定, 2020; 公务员法 第95条): each one is a field of Standard, so HR
# changes it per category and rank group without a release.
DEFAULT_EVERYDAY_GRADES = ["好", "较好", "一般", "较差"]
DEFAULT_ANNUAL_GRADES = ["优秀", "称职", "基本称职", "不称职"]
DEFAULT_EXCELLENT_GRADE = "优秀"
DEFAULT_EXCELLENT_SHARE = Decimal("0.20")
DEFAULT_NOTICE_WORKING_DAYS = 5
DEFAULT_REVIEW_WINDOW_DAYS = 30
DEFAULT_APPEAL_WINDOW_DAYS = 15
EVIDENCE_SECTIONS = [
    "records",
    "coverage",
    "tasks",
    "inquiries",
    "comments",
    "confirmations",
    "late_entries",
    "quality",
    "completeness",
]


def default_everyday_grades() -> list[str]:
    return list(DEFAULT_EVERYDAY_GRADES)


def default_annual_grades() -> list[str]:
    return list(DEFAULT_ANNUAL_GRADES)


def default_evidence_sections() -> list[str]:
    return list(EVIDENCE_SECTIONS)


class RankGroup(models.TextChoices):
    """职级组 — the 优秀 quota is counted per assessing unit and rank group."""

    DIVISION = "division", _("处级")
    SECTION = "section", _("科级")
    STAFF = "staff", _("科员及以下")


class PeriodKind(models.TextChoices):
    EVERYDAY = "everyday", _("平时考核")
    ANNUAL = "annual", _("年度考核")


class ProbationerMode(models.TextChoices):
    COMMENT_ONLY = "comment_only", _("只写评语，不定等次")
    GRADE = "grade", _("确定等次")


class NoticeShows(models.TextChoices):
    EXCELLENT_ONLY = "excellent_only", _("只公示优秀等次")
    ALL_GRADES = "all_grades", _("公示全部等次")


class State(models.TextChoices):
    """The states of one assessment; services.TRANSITIONS says which step moves which."""

    OPEN = "open", _("待提交总结")
    SUBMITTED = "submitted", _("已提交总结")
    PROPOSED = "proposed", _("已提出建议等次")
    DECIDED = "decided", _("已确定等次")
    NOTICED = "noticed", _("公示中")
    FINAL = "final", _("已完成")
    REVIEW = "review", _("复核中")
    APPEAL = "appeal", _("申诉中")


class StepKind(models.TextChoices):
    SUMMARY = "summary", _("提交个人总结")
    PROPOSAL = "proposal", _("提出建议等次")
    DECISION = "decision", _("确定等次")
    NOTICE = "notice", _("公示")
    ACKNOWLEDGEMENT = "acknowledgement", _("本人签署意见")
    REVIEW_REQUEST = "review_request", _("申请复核")
    REVIEW_DECISION = "review_decision", _("复核决定")
    APPEAL = "appeal", _("提出申诉")
    APPEAL_DECISION = "appeal_decision", _("申诉处理决定")
    COMMENT = "comment", _("评语")


# The values of a Standard a period keeps from the day it opens (Period.standards): its scope and every rule. A later
# change to a Standard applies to periods opened later; an open period's 优秀 share rises only by a QuotaRaise.
STANDARD_FIELDS = (
    "category",
    "rank_group",
    "everyday_grades",
    "annual_grades",
    "excellent_grade",
    "excellent_share",
    "everyday_quota",
    "notice_working_days",
    "review_window_days",
    "appeal_window_days",
    "probationer_mode",
    "record_requires_duty",
    "record_requires_result",
    "evidence_sections",
    "notice_shows",
)
DECIMAL_FIELDS = ("excellent_share", "everyday_quota")


# The steps whose reason is required (the written reason is the point of the step).
REASON_REQUIRED = {
    StepKind.PROPOSAL,
    StepKind.DECISION,
    StepKind.REVIEW_REQUEST,
    StepKind.REVIEW_DECISION,
    StepKind.APPEAL,
    StepKind.APPEAL_DECISION,
}
# The steps that set the assessment's grade (the latest of them counts).
GRADE_SETTING = (StepKind.DECISION, StepKind.REVIEW_DECISION, StepKind.APPEAL_DECISION)


class Standard(models.Model):
    """考核标准 — the grade scales, quota, windows and evidence for a staff category and rank group (HR edits it)."""

    category = models.CharField(
        _("人员类别"), max_length=30, blank=True, help_text=_("留空表示适用于所有人员类别")
    )  # an org PersonCategory value
    rank_group = models.CharField(
        _("职级组"), max_length=20, choices=RankGroup.choices, blank=True, help_text=_("留空表示适用于所有职级组")
    )
    everyday_grades = models.JSONField(_("平时考核等次"), default=default_everyday_grades)
    annual_grades = models.JSONField(_("年度考核等次"), default=default_annual_grades)
    excellent_grade = models.CharField(
        _("限额等次"), max_length=20, default=DEFAULT_EXCELLENT_GRADE, help_text=_("受比例限制的等次（年度考核）")
    )
    excellent_share = models.DecimalField(
        _("优秀比例上限"),
        max_digits=4,
        decimal_places=2,
        default=DEFAULT_EXCELLENT_SHARE,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("一般不超过 0.20；经批准可按单位提高"),
    )
    everyday_quota = models.DecimalField(
        _("平时考核“好”等次比例上限"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("留空表示平时考核“好”等次不限比例"),
    )
    notice_working_days = models.PositiveSmallIntegerField(
        _("公示工作日数"), default=DEFAULT_NOTICE_WORKING_DAYS, validators=[MinValueValidator(1)]
    )
    review_window_days = models.PositiveSmallIntegerField(
        _("复核申请期限（日）"), default=DEFAULT_REVIEW_WINDOW_DAYS, validators=[MinValueValidator(1)]
    )
    appeal_window_days = models.PositiveSmallIntegerField(
        _("申诉期限（日）"),
        default=DEFAULT_APPEAL_WINDOW_DAYS,
        validators=[MinValueValidator(1)],
        help_text=_("自复核决定之日起；未经复核直接申诉的，适用复核申请期限"),
    )
    probationer_mode = models.CharField(
        _("试用期人员"), max_length=20, choices=ProbationerMode.choices, default=ProbationerMode.COMMENT_ONLY
    )
    record_requires_duty = models.BooleanField(_("完整记实须关联职责"), default=True)
    record_requires_result = models.BooleanField(_("完整记实须填写结果"), default=False)
    evidence_sections = models.JSONField(_("考核人可见的实绩材料"), default=default_evidence_sections)
    notice_shows = models.CharField(
        _("公示内容"), max_length=20, choices=NoticeShows.choices, default=NoticeShows.EXCELLENT_ONLY
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("考核标准")
        verbose_name_plural = _("考核标准")
        ordering = ["category", "rank_group", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "rank_group"], name="assessment_standard_unique_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.category or '全部类别'} · {self.get_rank_group_display() or '全部职级组'}"

    def grades_for(self, kind: str) -> list[str]:
        """The grade scale of a period kind."""
        return list(self.annual_grades if kind == PeriodKind.ANNUAL else self.everyday_grades)

    def limited_grade(self, kind: str) -> tuple[str, Decimal] | None:
        """The grade the quota limits in a period kind and its share, or None when nothing is limited."""
        if kind == PeriodKind.ANNUAL:
            return self.excellent_grade, self.excellent_share
        if self.everyday_quota is None or not self.everyday_grades:
            return None
        return self.everyday_grades[0], self.everyday_quota

    def frozen(self) -> dict[str, Any]:
        """The standard's scope and rules as JSON (decimals as text): what a period keeps when it opens."""
        values = {name: getattr(self, name) for name in STANDARD_FIELDS}
        for name in DECIMAL_FIELDS:
            if values[name] is not None:
                values[name] = str(values[name])
        return values

    @classmethod
    def from_frozen(cls, values: dict[str, Any]) -> Standard:
        """An unsaved Standard from frozen values; a field the snapshot lacks (added since) keeps its default."""
        known = {name: values[name] for name in STANDARD_FIELDS if name in values}
        for name in DECIMAL_FIELDS:
            if known.get(name) is not None:
                known[name] = Decimal(str(known[name]))
        return cls(**known)


class Period(models.Model):
    """考核周期 — a quarter (平时考核) or a year (年度考核) HR opened."""

    kind = models.CharField(_("类型"), max_length=20, choices=PeriodKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("截止日期"))
    summary_due = models.DateField(_("总结提交截止日期"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("发起时间"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # Every Standard as it stood when the period opened (Standard.frozen): the period is assessed by these rules to
    # its end, whatever happens to the Standard rows afterwards.
    standards = models.JSONField(
        _("适用的考核标准"),
        default=list,
        blank=True,
        editable=False,
        help_text=_("发起时各考核标准的取值；之后修改考核标准只适用于以后发起的周期"),
    )

    class Meta:
        verbose_name = _("考核周期")
        verbose_name_plural = _("考核周期")
        ordering = ["-start", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "start"], name="assessment_period_unique_start"),
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="assessment_period_order"),
        ]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def frozen_standards(self) -> list[Standard]:
        """The standards the period opened under, as unsaved Standard objects (read once per Period object)."""
        rows = self.standards if isinstance(self.standards, list) else []
        return [Standard.from_frozen(row) for row in rows if isinstance(row, dict)]


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def visible_to(self, user: Any) -> AssessmentQuerySet:
        """Assessments `user` may see: their own, their people's (superiors), HR in its scope."""
        from jishi.assessment import rules

        return rules.restrict(self, user)


class Assessment(models.Model):
    """One person's assessment in one period; its history is its Steps, `grade` follows the latest decision."""

    period = models.ForeignKey(Period, verbose_name=_("考核周期"), on_delete=models.PROTECT, related_name="assessments")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("被考核人"), on_delete=models.PROTECT, related_name="assessments"
    )
    # The department-level unit that assesses (the person's 本单位 at the period's end) and their own unit then.
    unit = models.ForeignKey("org.Unit", verbose_name=_("考核单位"), on_delete=models.PROTECT, related_name="+")
    section = models.ForeignKey("org.Unit", verbose_name=_("所在科室"), on_delete=models.PROTECT, related_name="+")
    rank_group = models.CharField(_("职级组"), max_length=20, choices=RankGroup.choices)
    category = models.CharField(_("人员类别"), max_length=30)
    is_probationer = models.BooleanField(_("试用期"), default=False)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.OPEN)
    # Derived from the latest grade-setting Step; stored so the quota and the sheets are one query.
    grade = models.CharField(_("等次"), max_length=20, blank=True)
    decided_on = models.DateField(_("确定日期"), null=True, blank=True)
    noticed_from = models.DateField(_("公示开始"), null=True, blank=True)
    noticed_until = models.DateField(_("公示结束"), null=True, blank=True)
    review_decided_on = models.DateField(_("复核决定日期"), null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核")
        verbose_name_plural = _("考核")
        ordering = ["period_id", "unit_id", "section_id", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "person"], name="assessment_one_per_period"),
        ]
        indexes = [
            models.Index(fields=["period", "unit", "rank_group"], name="assessment_quota_group"),
            models.Index(fields=["person", "period"], name="assessment_person_period"),
        ]

    def __str__(self) -> str:
        return f"{self.period} · {self.person}"


class PersonalSummary(models.Model):
    """个人总结 — one submitted text; append-only (a correction is a new row, the latest counts)."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("考核"), on_delete=models.PROTECT, related_name="summaries"
    )
    body = models.TextField(_("总结内容"))
    version = models.PositiveIntegerField(_("版本"))
    submitted_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = _("个人总结")
        verbose_name_plural = _("个人总结")
        ordering = ["assessment_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "version"], name="assessment_summary_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} v{self.version}"


class Step(models.Model):
    """考核过程 — one step of the flow, who took it, the grade and the reason. Append-only; sealed by its audit."""

    assessment = models.ForeignKey(Assessment, verbose_name=_("考核"), on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(_("环节"), max_length=20, choices=StepKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    grade = models.CharField(_("等次"), max_length=20, blank=True)
    reason = models.TextField(_("理由/意见"), blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("考核过程")
        verbose_name_plural = _("考核过程")
        ordering = ["assessment_id", "created_at", "id"]
        indexes = [models.Index(fields=["assessment", "kind"], name="assessment_step_kind")]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.kind} {self.grade}"


class QuotaRaise(models.Model):
    """提高优秀比例 — an approved higher 优秀 share for one unit, rank group and period; the latest counts."""

    period = models.ForeignKey(
        Period, verbose_name=_("考核周期"), on_delete=models.PROTECT, related_name="quota_raises"
    )
    unit = models.ForeignKey("org.Unit", verbose_name=_("考核单位"), on_delete=models.PROTECT, related_name="+")
    rank_group = models.CharField(_("职级组"), max_length=20, choices=RankGroup.choices)
    share = models.DecimalField(
        _("比例"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    reason = models.TextField(_("批准理由"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("批准人"), on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("批准时间"))

    class Meta:
        verbose_name = _("优秀比例调整")
        verbose_name_plural = _("优秀比例调整")
        ordering = ["period_id", "unit_id", "rank_group", "-approved_at", "-id"]

    def __str__(self) -> str:
        return f"{self.period} · {self.unit} · {self.rank_group} {self.share}"
