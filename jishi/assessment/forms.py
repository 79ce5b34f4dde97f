"""Forms of the 考核 pages: they parse what a person typed into the services' arguments; the rules (who may, the
scale, the quota, the windows) live in the services, whose field-keyed errors come back beside the same fields."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jishi.org.models import Person

REASON_MAX_CHARS = 2000
SUMMARY_MAX_CHARS = 20000


class ServiceErrorsMixin:
    """Puts a service's ValidationError beside the form's fields; unknown keys go to the top of the form. Labels
    carry no colon (Chinese labels stand above their fields)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    service_fields: dict[str, str] = {}  # the service's argument name → the form's field name, where they differ

    def add_service_errors(self, exc: ValidationError) -> None:
        form: Any = self
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                form.add_error(None, message)
            return
        for key, errors in exc.message_dict.items():
            name = self.service_fields.get(key, key)
            for message in errors:
                form.add_error(name if name in form.fields else None, message)


def _reason(label: Any, *, required: bool = True, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=REASON_MAX_CHARS,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": _("请写明理由。"),
            "max_length": _("理由不能超过 %(limit_value)d 字（现有 %(show_value)d 字）。"),
        },
    )


class GradeForm(ServiceErrorsMixin, forms.Form):
    """拟定 / 确定 / 复核决定 / 申诉决定: a grade from the standard's scale and the written reason. In comment-only mode
    (a probationer) the grade is empty and the reason is the comment."""

    grade = forms.ChoiceField(label=_("等次"), required=False)
    reason = _reason(_("理由（必填，写明依据）"))

    def __init__(self, *args: Any, grades: list[str], comment_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.comment_only = comment_only
        field = self.fields["grade"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("请选择等次"))] + [(g, g) for g in grades]
        field.error_messages["invalid_choice"] = _("“%(value)s”不是本考核可用的等次，请从列表中选择。")
        if comment_only:
            field.choices = [("", _("不定等次（仅写评语）"))]
            self.fields["reason"].label = _("评语（必填）")

    def clean_grade(self) -> str:
        grade = str(self.cleaned_data.get("grade") or "")
        if not grade and not self.comment_only:
            raise ValidationError(_("请选择等次。"))
        return grade


class TextForm(ServiceErrorsMixin, forms.Form):
    """确认结果 (the acknowledgement, optional words), 申请复核 and 提出申诉 (a required reason)."""

    text = _reason(_("意见"), rows=3)
    service_fields = {"reason": "text"}

    def __init__(self, *args: Any, label: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label
        self.fields["text"].required = required


class SummaryForm(ServiceErrorsMixin, forms.Form):
    """个人总结: the draft from the person's records, edited by them."""

    body = forms.CharField(
        label=_("个人总结"),
        max_length=SUMMARY_MAX_CHARS,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 18}),
        error_messages={
            "required": _("总结不能为空。"),
            "max_length": _("总结不能超过 %(limit_value)d 字（现有 %(show_value)d 字）。"),
        },
    )


class PeriodForm(ServiceErrorsMixin, forms.Form):
    """开启考核周期 (HR): the kind and the dates; the name is made from them when left empty."""

    kind = forms.ChoiceField(label=_("类型"), error_messages={"invalid_choice": _("请选择平时考核或年度考核。")})
    start = forms.DateField(
        label=_("开始日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写开始日期。"), "invalid": _("日期格式应为 年-月-日。")},
    )
    end = forms.DateField(
        label=_("结束日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写结束日期。"), "invalid": _("日期格式应为 年-月-日。")},
    )
    summary_due = forms.DateField(
        label=_("个人总结截止（可选）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("日期格式应为 年-月-日。")},
    )
    name = forms.CharField(label=_("名称（可选）"), required=False, max_length=100)

    def __init__(self, *args: Any, kinds: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = kinds

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, datetime.date) and isinstance(end, datetime.date) and end < start:
            self.add_error("end", _("结束日期不能早于开始日期。"))
        return data


class QuotaRaiseForm(ServiceErrorsMixin, forms.Form):
    """提高优秀比例 (HR, with the recorded approval): the share in per cent and why."""

    rank_group = forms.ChoiceField(label=_("职级组"), error_messages={"invalid_choice": _("请选择职级组。")})
    percent = forms.IntegerField(
        label=_("优秀比例（%）"),
        min_value=1,
        max_value=100,
        error_messages={
            "required": _("请填写比例。"),
            "invalid": _("比例应为整数，如 25。"),
            "min_value": _("比例至少为 1%%。"),
            "max_value": _("比例不能超过 100%%。"),
        },
    )
    reason = _reason(_("批准依据（必填）"), rows=2)
    service_fields = {"share": "percent"}

    def __init__(self, *args: Any, groups: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["rank_group"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = groups

    def share(self) -> Decimal:
        return Decimal(int(self.cleaned_data["percent"])) / Decimal(100)


class AddPersonForm(ServiceErrorsMixin, forms.Form):
    """增加被考核人 (HR): someone the period left out, named by 用户名, 工号 or a name only one person has."""

    person = forms.CharField(
        label=_("人员（用户名、工号或姓名）"),
        max_length=150,
        error_messages={"required": _("请填写人员。")},
    )
    is_probationer = forms.BooleanField(label=_("试用期人员"), required=False)
    service_fields = {"person_id": "person"}

    def clean_person(self) -> Person:
        typed = str(self.cleaned_data["person"]).strip()
        people = list(
            Person.objects.filter(
                Q(username=typed) | Q(employee_number=typed) | Q(full_name=typed), is_active=True
            ).distinct()[:2]
        )
        if not people:
            raise ValidationError(_("没有找到该人员。"))
        if len(people) > 1:
            raise ValidationError(_("有同名人员，请填写用户名或工号。"))
        return people[0]


class NoticeForm(ServiceErrorsMixin, forms.Form):
    """开始公示: from a day (today when empty)."""

    start = forms.DateField(
        label=_("公示开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("日期格式应为 年-月-日。")},
    )
