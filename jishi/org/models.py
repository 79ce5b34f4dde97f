"""The organisation (三定): units, positions, people, assignments, duties, scoped roles, calendar."""

from __future__ import annotations

import datetime
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    JURISDICTION = "jurisdiction", _("区")
    DEPARTMENT = "department", _("委办局")
    TOWN = "town", _("街镇")
    SECTION = "section", _("科室")
    VILLAGE = "village", _("村居")


DEPARTMENT_LEVEL_KINDS = {UnitKind.DEPARTMENT, UnitKind.TOWN}

# A unit's path is its parent's path and one segment of its own: 排序, the first characters of the name and the id,
# each as fixed-width digits. Ordering by path lists the tree depth first with siblings by 排序, then name, then id,
# in any collation (digits compare alike in C, glibc and ICU; an unpadded "/1/10/" came before "/1/2/"), and
# `path__startswith` still selects a subtree, as every segment ends in its own id.
PATH_NAME_CHARS = 8
PATH_SEGMENT_LENGTH = 10 + 5 * PATH_NAME_CHARS + 10 + 1
PATH_MAX_LENGTH = 800  # 13 levels


def unit_path_segment(*, sort_order: int, name: str, pk: int) -> str:
    """One unit's part of the path, "/" included; a character beyond 99999 (rare CJK extensions) sorts last."""
    name_key = "".join(f"{min(ord(c), 99_999):05d}" for c in name[:PATH_NAME_CHARS])
    return f"{sort_order:010d}{name_key.ljust(5 * PATH_NAME_CHARS, '0')}{pk:010d}/"


def path_unit_ids(path: str) -> list[int]:
    """The ids of the units on a path, root first."""
    return [int(segment[-10:]) for segment in path.strip("/").split("/") if segment]


class Unit(models.Model):
    """单位 — a node of the jurisdiction's tree; restructurings close a unit and open a new one."""

    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("代码"), max_length=40, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Derived from the tree by org.services.unit_save; stored so visibility is one indexed lookup.
    department = models.ForeignKey(
        "self",
        verbose_name=_("本单位"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    tier = models.PositiveSmallIntegerField(_("层级"), default=1, editable=False)
    path = models.CharField(max_length=PATH_MAX_LENGTH, db_index=True, editable=False, default="")
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    valid_from = models.DateField(_("生效日期"), default=datetime.date(2000, 1, 1))
    valid_to = models.DateField(_("撤销日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path"]  # the tree, siblings by 排序 then name (unit_path_segment)

    def __str__(self) -> str:
        return self.name

    @property
    def is_department_level(self) -> bool:
        return self.kind in DEPARTMENT_LEVEL_KINDS


class Rank(models.TextChoices):
    """职级 (rank); since 2019 rank and post differ, so leadership is a separate flag."""

    DISTRICT = "district", _("区级领导")
    DIVISION_PRINCIPAL = "div_principal", _("正处")
    DIVISION_DEPUTY = "div_deputy", _("副处")
    SECTION_PRINCIPAL = "sec_principal", _("正科")
    SECTION_DEPUTY = "sec_deputy", _("副科")
    STAFF = "staff", _("科员")
    CLERK = "clerk", _("办事员")
    NONE = "none", _("无职级")


class Leadership(models.TextChoices):
    NONE = "none", _("非领导职务")
    PRINCIPAL = "principal", _("正职")
    DEPUTY = "deputy", _("副职")


class Position(models.Model):
    """岗位 — a post in a unit; access follows the post, not the person holding it."""

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="positions")
    title = models.CharField(_("岗位名称"), max_length=100)
    rank = models.CharField(_("职级"), max_length=20, choices=Rank.choices, default=Rank.STAFF)
    leadership = models.CharField(_("领导职务"), max_length=20, choices=Leadership.choices, default=Leadership.NONE)
    in_charge_of = models.ManyToManyField(
        Unit,
        verbose_name=_("分管单位"),
        blank=True,
        related_name="leaders_in_charge",
        help_text=_("该岗位分管的单位或科室（数据，不由职级推断）"),
    )

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["unit__path", "id"]

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.title}"

    @property
    def is_leader(self) -> bool:
        return self.leadership != Leadership.NONE


class PersonCategory(models.TextChoices):
    CIVIL_SERVANT = "civil_servant", _("公务员")
    REFERENCE_MANAGED = "reference_managed", _("参公")
    PUBLIC_INSTITUTION = "public_institution", _("事业")
    SOCIAL_WORKER = "social_worker", _("社工")


class FilingObligation(models.TextChoices):
    REQUIRED = "required", _("必须填报")
    OPTIONAL = "optional", _("自愿填报")


class PersonManager(UserManager["Person"]):
    """People; `create_superuser` (so `jishi createsuperuser`) makes a working Jishi administrator."""

    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: object
    ) -> Person:
        from jishi.org.services import administrator_create  # services build on these models

        return administrator_create(
            username=username,
            full_name=str(extra_fields.get("full_name") or ""),
            email=email or "",
            password=password,
        )


class Person(AbstractUser):
    """人员 — a government staff account; every account is staff for the 政府内部 level."""

    # `jishi createsuperuser` asks for the name (and the email address) after the username.
    REQUIRED_FIELDS = ["full_name", "email"]

    full_name = models.CharField(_("姓名"), max_length=50)
    employee_number = models.CharField(_("工号"), max_length=30, unique=True, null=True, blank=True)
    category = models.CharField(
        _("人员类别"), max_length=30, choices=PersonCategory.choices, default=PersonCategory.CIVIL_SERVANT
    )
    filing_obligation = models.CharField(
        _("填报义务"), max_length=20, choices=FilingObligation.choices, default=FilingObligation.REQUIRED
    )
    is_district_cadre = models.BooleanField(_("区管干部"), default=False)
    # Search keys for the participant autocomplete: full pinyin and initials ("zhangwei", "zw").
    name_pinyin = models.CharField(max_length=120, blank=True, editable=False, db_index=True)
    name_initials = models.CharField(max_length=20, blank=True, editable=False, db_index=True)

    objects: ClassVar[PersonManager] = PersonManager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        """The name the admin greets with ("欢迎，王磊"), not the empty first_name Django's user keeps."""
        return self.full_name or self.username


class AssignmentKind(models.TextChoices):
    PRIMARY = "primary", _("主职")
    CONCURRENT = "concurrent", _("兼职")
    SECONDMENT = "secondment", _("借调")


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def active_on(self, day: datetime.date) -> AssignmentQuerySet:
        return self.filter(Q(start__lte=day), Q(end__isnull=True) | Q(end__gte=day))


class Assignment(models.Model):
    """任职 — a person holding a position between two dates; concurrent posts and secondments allowed."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="assignments")
    position = models.ForeignKey(Position, verbose_name=_("岗位"), on_delete=models.PROTECT, related_name="assignments")
    kind = models.CharField(
        _("任职类型"), max_length=20, choices=AssignmentKind.choices, default=AssignmentKind.PRIMARY
    )
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("终止日期"), null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        ordering = ["person_id", "-start"]
        indexes = [models.Index(fields=["position", "end"]), models.Index(fields=["person", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="assignment_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.position}"


class Duty(models.Model):
    """职责 — a function of a unit (三定方案) or a duty of one of its positions."""

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="duties")
    position = models.ForeignKey(
        Position,
        verbose_name=_("岗位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duties",
        help_text=_("留空表示单位职能（三定方案）"),
    )
    code = models.CharField(_("编码"), max_length=40)
    title = models.CharField(_("职责"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    retired_on = models.DateField(_("停用日期"), null=True, blank=True, help_text=_("停用后旧记实仍指向该职责"))

    class Meta:
        verbose_name = _("职责")
        verbose_name_plural = _("职责")
        ordering = ["unit_id", "code"]
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="duty_code_unique_in_unit")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Role(models.TextChoices):
    INSPECTOR = "inspector", _("纪检监察")
    HR = "hr", _("组织人事")
    ADMIN = "admin", _("系统管理员")
    PUBLISHER = "publisher", _("政务公开审核")  # the portal's review queue for its units (issue 18)


class RoleGrant(models.Model):
    """A scoped role: inspection or HR read records within the scope; administrators manage organisation data."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="role_grants")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    all_units = models.BooleanField(_("全区范围"), default=False)
    units = models.ManyToManyField(Unit, verbose_name=_("范围单位"), blank=True, help_text=_("含下级单位"))
    granted_on = models.DateField(_("授权日期"), default=datetime.date.today)
    revoked_on = models.DateField(_("撤销日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()}"


class CalendarOverride(models.Model):
    """An administrator's ruling on one date, above the official holiday calendar (e.g. a year it lacks)."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_working_day else '休息日'}"


class AbsenceKind(models.TextChoices):
    LEAVE = "leave", _("请假")
    BUSINESS_TRIP = "trip", _("出差")
    TRAINING = "training", _("培训")
    OTHER = "other", _("其他")


class Absence(models.Model):
    """A period in which a person owes no record (leave, business trip, training)."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="absences")
    kind = models.CharField(_("类型"), max_length=20, choices=AbsenceKind.choices)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("缺勤")
        verbose_name_plural = _("缺勤")
        ordering = ["person_id", "start"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="absence_end_after_start")]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()} {self.start}–{self.end}"
