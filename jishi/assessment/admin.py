"""考核 in the admin site: the standards (考核标准) — grade scales, the 优秀 share, the windows, the evidence shown.

The admin site is the administrators'; the standards are HR's (组织人事): an administrator who is not HR over the
whole jurisdiction only reads them here. HR edits them here or through services.standard_save (the API's /standards
operations), with the same rules as the model form below. A change applies to periods opened afterwards: an open
period keeps the standards it opened under (Period.standards), and its 优秀 share rises only by an approved raise.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from jishi.assessment import rules
from jishi.assessment.models import Standard
from jishi.assessment.services import standard_errors
from jishi.org.admin_site import AdministratorAdmin, is_administrator, jishi_admin_site
from jishi.org.models import PersonCategory


class StandardForm(forms.ModelForm):
    """The model's fields, the category as a choice, and the cross-field rules of services.standard_errors."""

    category = forms.ChoiceField(
        label=_("人员类别"), required=False, choices=[("", _("全部类别")), *PersonCategory.choices]
    )

    class Meta:
        model = Standard
        fields = [
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
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        errors = standard_errors({k: v for k, v in cleaned.items() if k in STANDARD_RULE_FIELDS})
        if errors:
            raise ValidationError(errors)
        return cleaned


STANDARD_RULE_FIELDS = (
    "everyday_grades",
    "annual_grades",
    "excellent_grade",
    "evidence_sections",
    "notice_working_days",
    "review_window_days",
    "appeal_window_days",
)


FROZEN_NOTE = _(
    "修改只适用于此后发起的考核周期；已发起的周期沿用发起时的标准。提高已发起周期的优秀比例，须由组织人事部门"
    "在该单位考核页面批准并写明理由。"
)


def hr_administrator(request: HttpRequest) -> bool:
    """An administrator who is also HR over the whole jurisdiction: the only one who writes standards here."""
    return is_administrator(request.user) and rules.can_open_period(request.user)


@admin.register(Standard, site=jishi_admin_site)
class StandardAdmin(AdministratorAdmin):
    """考核标准: every administrator reads them; only an administrator who is HR adds, changes or deletes one."""

    form = StandardForm
    fieldsets = [(None, {"description": FROZEN_NOTE, "fields": tuple(StandardForm.Meta.fields)})]
    list_display = [
        "__str__",
        "excellent_share",
        "notice_working_days",
        "review_window_days",
        "appeal_window_days",
        "probationer_mode",
        "notice_shows",
        "updated_at",
    ]
    list_filter = ["category", "rank_group"]
    ordering = ["category", "rank_group"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return hr_administrator(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return hr_administrator(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return hr_administrator(request)
