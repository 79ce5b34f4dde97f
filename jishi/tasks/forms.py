"""Forms of the task pages: they parse input into the services' shapes; the rules live in services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jishi.org.calendar import local_today
from jishi.org.models import Duty, Person, Unit
from jishi.org.selectors import duties_for
from jishi.tasks.models import Status
from jishi.tasks.selectors import issuable_units
from jishi.tasks.services import TaskInput


def _indent(unit: Unit) -> str:
    return "\u3000" * max(unit.path.count("/") - 3, 0) + unit.name


class TaskForm(forms.Form):
    """下达督办 / 批示: the issuer's choices are the units in their charge; collaborators any department."""

    title = forms.CharField(label=_("督办事项"), max_length=100)
    description = forms.CharField(
        label=_("要求/批示内容"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner_unit = forms.TypedChoiceField(label=_("承办单位"), coerce=int, required=False, empty_value=None)
    # The person chosen with the people search (tasks/_owner_picker.html); without script, the search box's text is
    # taken as a username, a 工号 or a name that only one person has.
    owner_person = forms.IntegerField(
        label=_("承办人（可选，输入姓名或拼音首字母）"),
        required=False,
        min_value=1,
        widget=forms.HiddenInput,
        help_text=_("留空则交承办单位办理"),
    )
    collaborating_units = forms.TypedMultipleChoiceField(label=_("协办单位"), coerce=int, required=False)
    deadline = forms.DateField(label=_("办结时限"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    duty = forms.TypedChoiceField(label=_("对应职责"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, issuer: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = issuable_units(issuer)
        self._choice_field("owner_unit").choices = [("", _("请选择"))] + [(u.pk, _indent(u)) for u in units]
        departments = Unit.objects.filter(valid_to__isnull=True, kind__in=["department", "town"]).order_by("path")
        self._choice_field("collaborating_units").choices = [(u.pk, u.name) for u in departments]
        self.fields["collaborating_units"].widget.attrs["size"] = 6
        today = local_today()
        own = duties_for(issuer, today)
        charged = Duty.objects.filter(Q(unit_id__in=[u.pk for u in units]), position__isnull=True).filter(
            Q(retired_on__isnull=True) | Q(retired_on__gt=today)
        )
        duties = {d.pk: d for d in [*own, *charged.select_related("unit")[:500]]}
        self._choice_field("duty").choices = [("", _("不对应"))] + [
            (d.pk, f"{d.unit.name} · {d.code} {d.title}") for d in duties.values()
        ]

    def _choice_field(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def clean_owner_person(self) -> int | None:
        chosen = self.cleaned_data["owner_person"]
        if chosen is not None:
            if not Person.objects.filter(pk=chosen, is_active=True).exists():
                raise ValidationError(_("没有找到该人员。"))
            return int(chosen)
        typed = str(self.data.get("lookup_person") or "").strip()[:150]
        if not typed:
            return None
        people = list(
            Person.objects.filter(Q(username=typed) | Q(employee_number=typed) | Q(full_name=typed), is_active=True)
            .values_list("pk", flat=True)
            .distinct()[:2]
        )
        if len(people) != 1:
            raise ValidationError(_("没有找到该人员。") if not people else _("有同名人员，请从搜索结果中选择。"))
        return people[0]

    def chosen_owner(self) -> Person | None:
        """The person already chosen as 承办人 (redrawn after an error), for the picker's chip."""
        value = str((self.data.get("owner_person") if self.is_bound else self.initial.get("owner_person")) or "")
        pk = int(value) if value.isdigit() and len(value) < 12 else None
        return Person.objects.filter(pk=pk, is_active=True).first() if pk else None

    def to_input(self) -> TaskInput:
        data = self.cleaned_data
        return TaskInput(
            title=data["title"],
            description=data["description"],
            owner_unit_id=data["owner_unit"],
            owner_person_id=data["owner_person"],
            collaborating_unit_ids=list(data["collaborating_units"]),
            deadline=data["deadline"],
            duty_id=data["duty"],
        )

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show the service's field errors beside the form's fields (unknown names go to the top)."""
        names = {
            "owner_unit_id": "owner_unit",
            "owner_person_id": "owner_person",
            "collaborating_unit_ids": "collaborating_units",
            "duty_id": "duty",
        }
        for name, errors in exc.message_dict.items():
            target = names.get(name, name)
            for message in errors:
                self.add_error(target if target in self.fields else None, message)


class TransitionForm(forms.Form):
    """One step of the flow; the service decides whether it is allowed."""

    to_status = forms.ChoiceField(choices=Status.choices)
    note = forms.CharField(required=False, max_length=2000)
    result = forms.CharField(required=False, max_length=2000)
