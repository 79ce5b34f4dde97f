"""Supervision of records: review comments, inquiries, participant confirmations, flags and view logs.

Every row that is an act of supervision (view, comment, inquiry) stores the dimension it had when it
happened (rules.classify) and the actor's unit it was counted through, so a later restructuring or
transfer never rewrites the history of who supervised whom.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Dimension(models.TextChoices):
    """PRODUCT.md, "Supervision dimensions" — the three pressure structures (三重压力结构)."""

    VERTICAL = "vertical", _("纵向（本单位）")
    HORIZONTAL = "horizontal", _("横向（跨部门）")
    TOP_DOWN = "top_down", _("跨层级·自上而下")
    BOTTOM_UP = "bottom_up", _("跨层级·自下而上")
    OWN = "own", _("本人")
    UNPLACED = "unplaced", _("无在职岗位")


SUPERVISING_DIMENSIONS = [Dimension.VERTICAL, Dimension.HORIZONTAL, Dimension.TOP_DOWN, Dimension.BOTTOM_UP]


class Comment(models.Model):
    """点评 — a review comment on a record; editable by its author for a short window, every edit kept."""

    record = models.ForeignKey("records.WorkRecord", on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("点评人"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("点评内容"))
    created_at = models.DateTimeField(_("时间"))
    edited_at = models.DateTimeField(_("最后修改"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    is_leader = models.BooleanField(_("领导点评"), default=False)
    # The leadership post the comment was made in, as it was then ("区财政局 局长").
    leader_title = models.CharField(_("领导职务"), max_length=200, blank=True)
    dimension = models.CharField(_("监督维度"), max_length=20, choices=Dimension.choices)
    actor_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("点评人单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("点评")
        verbose_name_plural = _("点评")
        ordering = ["record_id", "created_at", "id"]
        indexes = [models.Index(fields=["record", "created_at"], name="comment_record_created")]

    def __str__(self) -> str:
        return f"{self.author} → #{self.record_id}"


class CommentVersion(models.Model):
    """One text of a comment as it stood; the first is the comment as posted, each edit adds one."""

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    text = models.TextField(_("点评内容"))
    written_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("点评版本")
        verbose_name_plural = _("点评版本")
        ordering = ["comment_id", "number"]
        constraints = [models.UniqueConstraint(fields=["comment", "number"], name="comment_version_unique")]

    def __str__(self) -> str:
        return f"{self.comment_id} v{self.number}"


class CommentMention(models.Model):
    """A colleague @mentioned in a comment (only people who may read the record's content)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="mention_rows")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("提及")
        verbose_name_plural = _("提及")
        constraints = [models.UniqueConstraint(fields=["comment", "person"], name="comment_mention_unique")]

    def __str__(self) -> str:
        return f"@{self.person_id} in {self.comment_id}"


class InquiryStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    ANSWERED = "answered", _("已答复")
    OVERDUE = "overdue", _("已逾期")


class InquiryQuerySet(models.QuerySet["Inquiry"]):
    def with_status(self, today: datetime.date) -> InquiryQuerySet:
        """Annotate `status`: answered, else overdue once the due day has passed — computed, never a cron."""
        return self.annotate(
            status=models.Case(
                models.When(answered_at__isnull=False, then=models.Value(InquiryStatus.ANSWERED.value)),
                models.When(due_on__lt=today, then=models.Value(InquiryStatus.OVERDUE.value)),
                default=models.Value(InquiryStatus.OPEN.value),
                output_field=models.CharField(),
            )
        )


class Inquiry(models.Model):
    """质询 — a question on a record that its author must answer by the end of the due day."""

    record = models.ForeignKey("records.WorkRecord", on_delete=models.PROTECT, related_name="inquiries")
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("质询人"), on_delete=models.PROTECT, related_name="+"
    )
    question = models.TextField(_("质询内容"))
    asked_at = models.DateTimeField(_("质询时间"))
    due_on = models.DateField(_("答复期限"))
    answer = models.TextField(_("答复"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    is_leader = models.BooleanField(_("领导质询"), default=False)
    leader_title = models.CharField(_("领导职务"), max_length=200, blank=True)
    dimension = models.CharField(_("监督维度"), max_length=20, choices=Dimension.choices)
    actor_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("质询人单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = InquiryQuerySet.as_manager()

    class Meta:
        verbose_name = _("质询")
        verbose_name_plural = _("质询")
        ordering = ["record_id", "asked_at", "id"]
        indexes = [
            models.Index(fields=["record", "asked_at"], name="inquiry_record_asked"),
            models.Index(fields=["answered_at", "due_on"], name="inquiry_answered_due"),
        ]

    def __str__(self) -> str:
        return f"{self.asker} ? #{self.record_id}"

    def status_on(self, today: datetime.date) -> str:
        """The same rule as InquiryQuerySet.with_status, for one row already in memory."""
        if self.answered_at is not None:
            return InquiryStatus.ANSWERED
        return InquiryStatus.OVERDUE if self.due_on < today else InquiryStatus.OPEN

    @property
    def answered_late(self) -> bool:
        from jishi.org.calendar import day_of

        return self.answered_at is not None and day_of(self.answered_at) > self.due_on


class ConfirmationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("已拒绝")


class Confirmation(models.Model):
    """参与确认 — a named participant's answer to a record that names them: confirmed (with their own record) or not."""

    record = models.ForeignKey("records.WorkRecord", on_delete=models.PROTECT, related_name="confirmations")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("参与者"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("结果"), max_length=20, choices=ConfirmationStatus.choices)
    reason = models.CharField(_("理由"), max_length=200, blank=True)
    own_record = models.ForeignKey(
        "records.WorkRecord",
        verbose_name=_("参与者的记实"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("参与确认")
        verbose_name_plural = _("参与确认")
        ordering = ["record_id", "decided_at"]
        constraints = [
            models.UniqueConstraint(fields=["record", "person"], name="confirmation_once_per_participant"),
            models.CheckConstraint(
                condition=Q(status="rejected") | Q(own_record__isnull=False), name="confirmation_has_record"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.status} #{self.record_id}"


class Flag(models.Model):
    """提请纪检关注 — a confidential flag: only the flagger and inspectors covering the record ever see it."""

    record = models.ForeignKey("records.WorkRecord", on_delete=models.PROTECT, related_name="+")
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提请人"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("理由"))
    created_at = models.DateTimeField(_("时间"))
    # The record's unit is copied so an inspector's scope filters flags without touching the record table.
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    # An inspector's conclusion; the flagger sees that it was handled, not the note.
    closed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closing_note = models.TextField(_("处理意见"), blank=True)

    class Meta:
        verbose_name = _("纪检关注")
        verbose_name_plural = _("纪检关注")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"flag #{self.record_id}"


class RecordView(models.Model):
    """查看记录 — someone other than the author opened the record (page or API detail); one row per viewer per day."""

    record = models.ForeignKey("records.WorkRecord", on_delete=models.PROTECT, related_name="+")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("日期"))
    viewed_at = models.DateTimeField(_("时间"))
    dimension = models.CharField(_("监督维度"), max_length=20, choices=Dimension.choices)
    viewer_unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # An inspector covering the record: audited, never shown to the author (PRODUCT.md).
    by_inspector = models.BooleanField(_("纪检查看"), default=False)
    # The record's date and units as they stood when it was viewed: views are the largest supervision table, and
    # the overview aggregates them by these without joining the record table.
    record_date = models.DateField(_("记实日期"))
    record_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    record_department = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("查看记录")
        verbose_name_plural = _("查看记录")
        ordering = ["-viewed_at"]
        constraints = [models.UniqueConstraint(fields=["record", "viewer", "day"], name="record_view_once_a_day")]
        indexes = [
            models.Index(
                fields=["record_date", "record_department", "dimension", "record", "by_inspector"],
                name="view_overview_cover",
            )
        ]

    def __str__(self) -> str:
        return f"{self.viewer} 查看 #{self.record_id} {self.day}"
