"""考核 in the admin site: the standards (考核标准) — grade scales, the 优秀 share, the windows, the evidence shown.

The admin site is the administrators'; HR (组织人事) edits standards through services.standard_save (the API's
/standards operations), which checks the same rules as the model form below.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jishi.assessment.models import Standard
from jishi.assessment.services import standard_errors
from jishi.org.admin_site import AdministratorAdmin, jishi_admin_site
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


@admin.register(Standard, site=jishi_admin_site)
class StandardAdmin(AdministratorAdmin):
    form = StandardForm
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
