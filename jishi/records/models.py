"""The work record (工作记实), its participants, versions, addenda and attachments."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from jishi.core.models import ReadableJSONEncoder
from jishi.records.attachments import stored_name


class Category(models.Model):
    """记实类别 — configurable by administrators; the ten defaults come with the first migration."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("记实类别")
        verbose_name_plural = _("记实类别")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language: a seeded category that keeps its seeded name is translated through the
        catalogue; one an administrator added or renamed is shown as stored."""
        return gettext(self.name) if SEEDED_CATEGORY_NAMES.get(self.code) == self.name else self.name


# The ten seeded categories (migrations/_categories.py) by code, marked for the catalogue.
SEEDED_CATEGORY_NAMES = {
    "meeting": gettext_noop("会议"),
    "research": gettext_noop("调研"),
    "documents": gettext_noop("办文"),
    "service": gettext_noop("办事服务"),
    "visitors": gettext_noop("接待来访"),
    "inspection": gettext_noop("督查检查"),
    "training": gettext_noop("学习培训"),
    "official_trip": gettext_noop("外出公务"),
    "duty_shift": gettext_noop("值班"),
    "other": gettext_noop("其他"),
}


class Visibility(models.TextChoices):
    """Who may read a record (PRODUCT.md, "Visibility levels")."""

    PUBLIC = "public", _("公开")
    INTERNAL = "internal", _("政府内部")
    UNIT = "unit", _("本单位")
    SUPERIORS = "superiors", _("仅上级")


class RecordQuerySet(models.QuerySet["WorkRecord"]):
    def visible_to(self, user: Any, *, flag_content: bool = True) -> RecordQuerySet:
        """Records `user` may read, annotated with `content_visible`. Every surface starts here.

        flag_content=False leaves the annotation out, for a query that only picks ids: whoever then fetches the rows
        flags them with rules.with_content_visible (content_q, the content rule's one definition).
        """
        from jishi.records import rules

        return rules.restrict(self, user, flag_content=flag_content)

    def filed(self) -> RecordQuerySet:
        """Records that count as filed for their day: a withdrawn record (撤回) does not."""
        return self.filter(withdrawn_at__isnull=True)


class WorkRecord(models.Model):
    """工作记实 — what one person did in one span of one day, tied to the unit they served in."""

    # No single-column indexes on author, unit and department: the (column, date) indexes below serve every lookup
    # on them, and each index more costs every write and the demo build.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="records", db_index=False
    )
    # 本单位 of `unit`, copied at write time: visibility filters on it without a join.
    department = models.ForeignKey(
        "org.Unit", verbose_name=_("本单位"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    date = models.DateField(_("日期"))
    start_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    end_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(_("时长（分钟）"))
    category = models.ForeignKey(Category, verbose_name=_("类别"), on_delete=models.PROTECT)
    content = models.TextField(_("工作内容"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    duty = models.ForeignKey(
        "org.Duty",
        verbose_name=_("对应职责"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    result = models.TextField(_("结果/进展"), blank=True)
    reflection = models.TextField(_("体会/反思"), blank=True)
    visibility = models.CharField(_("可见范围"), max_length=20, choices=Visibility.choices, default=Visibility.INTERNAL)
    is_sensitive = models.BooleanField(_("敏感内容"), default=False, help_text=_("人事、财务、信访等"))
    is_late = models.BooleanField(_("补记"), default=False)
    submitted_at = models.DateTimeField(_("提交时间"))
    updated_at = models.DateTimeField(_("最后修改"))
    locks_at = models.DateTimeField(_("锁定时间"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    import_batch = models.ForeignKey(
        "ImportBatch",
        verbose_name=_("导入批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
        help_text=_("从旧系统迁移的记实：保留原提交时间，导入即锁定"),
    )
    # 旧系统内容: imported with the importer's explicit leave, its content failing the substance rule as it stands.
    legacy_content = models.BooleanField(
        _("旧系统内容"),
        default=False,
        db_default=False,
        help_text=_("导入时按管理员的选择原样保留，未经内容规则校验"),
    )
    # 撤回: the author takes a record back within its edit window; a tombstone stays, its versions too.
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("撤回原因"), max_length=200, blank=True, default="", db_default="")

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("工作记实")
        verbose_name_plural = _("工作记实")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["author", "date"], name="record_author_date"),
            models.Index(fields=["unit", "date"], name="record_unit_date"),
            models.Index(fields=["department", "date"], name="record_department_date"),
            models.Index(fields=["date", "id"], name="record_date_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_at__isnull=True) | Q(start_at__isnull=True) | Q(end_at__gt=models.F("start_at")),
                name="record_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.author} {self.content[:20]}"

    @property
    def is_locked(self) -> bool:
        return timezone.now() >= self.locks_at

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def time_span(self) -> str:
        """ "09:00–10:30", "22:00–02:00（次日）" or "45 分钟" — how lists show when the work happened."""
        return self.time_span_in(timezone.get_current_timezone())

    def time_span_in(self, zone: datetime.tzinfo) -> str:
        """time_span in a given time zone (a list looks the current zone up once for all its rows)."""
        if not (self.start_at and self.end_at):
            return f"{self.duration_minutes} 分钟"
        start, end = self.start_at.astimezone(zone), self.end_at.astimezone(zone)
        overnight = "（次日）" if end.date() > start.date() else ""
        return f"{start:%H:%M}–{end:%H:%M}{overnight}"


class ImportBatch(models.Model):
    """导入批次 — one imported file: who imported it, when, and its fingerprint (the same file never imports twice)."""

    sha256 = models.CharField(max_length=64, unique=True)
    filename = models.CharField(_("文件名"), max_length=200)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(_("导入时间"))
    rows = models.PositiveIntegerField(_("行数"))

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.imported_at:%Y-%m-%d %H:%M})"


class RecordParticipant(models.Model):
    """参与者 — a colleague in Jishi, or a partner unit with or without a named contact."""

    record = models.ForeignKey(WorkRecord, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="participations",
        db_index=False,  # the (person, record) index serves it
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("合作单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("参与者")
        verbose_name_plural = _("参与者")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(unit__isnull=False), name="participant_has_party"
            )
        ]
        indexes = [models.Index(fields=["person", "record"])]

    def __str__(self) -> str:
        if self.person_id:
            return str(self.person)
        return f"{self.unit}{'·' + self.contact_name if self.contact_name else ''}"


class RecordVersion(models.Model):
    """One version of a record as it stood; every create and change adds one, none is overwritten."""

    # The (record, number) constraint's index serves lookups by record.
    record = models.ForeignKey(WorkRecord, on_delete=models.PROTECT, related_name="versions", db_index=False)
    number = models.PositiveIntegerField(_("版本号"))
    data = models.JSONField(_("内容快照"), encoder=ReadableJSONEncoder)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("记实版本")
        verbose_name_plural = _("记实版本")
        ordering = ["record_id", "number"]
        constraints = [models.UniqueConstraint(fields=["record", "number"], name="record_version_unique")]

    def __str__(self) -> str:
        return f"{self.record_id} v{self.number}"


class Addendum(models.Model):
    """补充说明 — a dated correction appended to a locked record; the record itself never changes."""

    record = models.ForeignKey(WorkRecord, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("时间"))
    content = models.TextField(_("补充内容"))

    class Meta:
        verbose_name = _("补充说明")
        verbose_name_plural = _("补充说明")
        ordering = ["record_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.record_id} {self.created_at:%Y-%m-%d}"


class Attachment(models.Model):
    """附件 — a file attached to a record while it is still editable."""

    record = models.ForeignKey(WorkRecord, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=stored_name)  # never under the uploader's file name
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["record_id", "id"]

    def __str__(self) -> str:
        return self.original_name
