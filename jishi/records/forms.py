"""The record form: parses what a person typed into a RecordInput; the rules live in the service, the fields' labels
and limits in records.fields."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jishi.org.models import Duty, Person
from jishi.records.fields import BY_NAME as FIELD
from jishi.records.fields import PLAIN_FIELDS, model_field, plain_values
from jishi.records.models import Category, Visibility
from jishi.records.services import RecordInput, posts_on

SERVICE_FIELD_FOR_FORM = {"participants": "participants", "duration_minutes": "duration_minutes"}


# Times as text, in 24 hours (issue 16): a browser's time picker follows the browser's locale, and an English one
# shows 10:00 AM. Typed on the digit keypad: 09:30, 0930, 930, 9.30 and 9：30 all read as 09:30. (The date keeps the
# browser's picker: under lang="zh-CN" a Chinese browser shows 年/月/日, and it is today's date unless changed.)
TIME_FORMATS = ["%H:%M", "%H:%M:%S", "%H%M", "%H.%M", "%H：%M"]


def time_input(example: str) -> forms.TimeInput:
    pattern = r"\s*([01]?[0-9]|2[0-3])[:：.]?[0-5][0-9]\s*"
    attrs = {"inputmode": "numeric", "pattern": pattern, "placeholder": example, "autocomplete": "off", "size": "5"}
    return forms.TimeInput(attrs=attrs, format="%H:%M")


class RecordForm(forms.Form):
    date = forms.DateField(label=FIELD["date"].label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    category = forms.ModelChoiceField(
        label=FIELD["category"].label, queryset=Category.objects.filter(is_active=True), empty_label=None
    )
    start_time = forms.TimeField(
        label=_("开始"), required=False, input_formats=TIME_FORMATS, widget=time_input("09:00")
    )
    end_time = forms.TimeField(label=_("结束"), required=False, input_formats=TIME_FORMATS, widget=time_input("17:30"))
    ends_next_day = forms.BooleanField(label=_("次日结束"), required=False)
    duration_minutes = forms.IntegerField(
        label=FIELD["duration_minutes"].label,
        required=False,
        min_value=1,
        max_value=1440,
        help_text=_("不知道起止时间时填写"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    content = forms.CharField(
        label=FIELD["content"].label,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("做了什么、与谁、结果如何")}),
        error_messages={"required": "请填写工作内容。"},
    )
    place = forms.CharField(label=FIELD["place"].label, required=False, max_length=FIELD["place"].max_chars)
    duty = forms.TypedChoiceField(label=FIELD["duty"].label, required=False, coerce=int, empty_value=None)
    unit = forms.TypedChoiceField(label=_("记在哪个单位"), required=False, coerce=int, empty_value=None)
    result = forms.CharField(label=FIELD["result"].label, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reflection = forms.CharField(label=_("体会/反思（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    visibility = forms.ChoiceField(
        label=FIELD["visibility"].label, choices=Visibility.choices, initial=Visibility.INTERNAL
    )
    is_sensitive = forms.BooleanField(label=_("敏感内容（人事、财务、信访等）"), required=False)

    def __init__(self, *args: Any, author: Person, duties: list[Duty], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # A plain field this form does not shape itself gets Django's form field for its model field, with its label.
        for name in PLAIN_FIELDS:
            if name not in self.fields:
                field = model_field(name).formfield(label=FIELD[name].label)
                assert field is not None
                self.fields[name] = field
        self.author = author
        duty_field: forms.ChoiceField = self.fields["duty"]  # type: ignore[assignment]
        duty_field.choices = [("", _("—— 不对应具体职责 ——"))] + [(d.pk, f"{d.code} {d.title}") for d in duties]
        today = timezone.localdate()
        self.fields["date"].widget.attrs.update(
            {"max": today.isoformat(), "min": (today - datetime.timedelta(days=7)).isoformat()}
        )
        posts = posts_on(author, today)
        if len(posts) > 1:
            unit_field: forms.ChoiceField = self.fields["unit"]  # type: ignore[assignment]
            unit_field.choices = [
                (a.position.unit_id, f"{a.position.unit.name}（{a.get_kind_display()}）") for a in posts
            ]
        else:
            del self.fields["unit"]
        self.participant_ids: list[int] = []
        self.partner_units: list[tuple[int, str]] = []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            data: Any = self.data  # a QueryDict from the request
            self.participant_ids = [int(v) for v in data.getlist("participants") if v]
            unit_ids = [int(v) for v in data.getlist("partner_unit") if v]
        except (ValueError, AttributeError) as exc:
            raise ValidationError("参与者数据有误，请重新选择。") from exc
        contacts = list(self.data.getlist("partner_contact")) if hasattr(self.data, "getlist") else []
        contacts += [""] * (len(unit_ids) - len(contacts))
        self.partner_units = list(zip(unit_ids, contacts, strict=False))
        return cleaned

    def to_input(self) -> RecordInput:
        data = self.cleaned_data
        return RecordInput(
            **{name: data[name] for name in PLAIN_FIELDS},
            date=data["date"],
            category_id=data["category"].pk,
            start_time=data.get("start_time"),
            end_time=data.get("end_time"),
            ends_next_day=bool(data.get("ends_next_day")),
            duration_minutes=data.get("duration_minutes"),
            duty_id=data.get("duty"),
            unit_id=data.get("unit"),
            participant_ids=self.participant_ids,
            partner_units=self.partner_units,
        )

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show the service's field errors beside the form's fields (unknown names go to the top)."""
        for name, errors in exc.message_dict.items():
            target = name if name in self.fields else None
            for message in errors:
                self.add_error(target, message)


class AddendumForm(forms.Form):
    content = forms.CharField(label=_("补充说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("附件"))


def initial_from_record(record: Any, *, day: datetime.date) -> dict[str, Any]:
    """Initial form values that copy an earlier record onto `day` (times kept, date moved; its outcome, the result and
    the reflection, left for the new day's work)."""
    start = timezone.localtime(record.start_at).time() if record.start_at else None
    end = timezone.localtime(record.end_at) if record.end_at else None
    return {
        **plain_values(record),
        "date": day,
        "category": record.category_id,
        "start_time": start,
        "end_time": end.time() if end else None,
        "ends_next_day": bool(end and end.date() > record.date),
        "duration_minutes": None if record.start_at else record.duration_minutes,
        "duty": record.duty_id,
        "result": "",
        "reflection": "",
    }
