"""Organisation data in the admin: every save goes through org.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from jishi.org.admin_site import AdministratorAdmin, jishi_admin_site
from jishi.org.models import Absence, Assignment, CalendarOverride, Duty, Person, Position, Role, RoleGrant, Unit
from jishi.org.services import assignment_validate, person_set_name, unit_save, unit_tree_fields


class _ServiceValidationMixin:
    """Run the service's validation in the form, so errors appear beside the fields instead of as a 500."""

    validate: Any = None

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]
        validate = self.validate

        class Validated(form):  # type: ignore[misc, valid-type]
            def _post_clean(self) -> None:
                super()._post_clean()
                if validate is None or self.errors:
                    return
                try:
                    validate(self.instance)
                except ValidationError as exc:
                    self._update_errors(exc)

        return Validated


@admin.register(Unit, site=jishi_admin_site)
class UnitAdmin(_ServiceValidationMixin, AdministratorAdmin):
    list_display = ["name", "code", "kind", "parent", "tier", "valid_from", "valid_to"]
    list_filter = ["kind", "tier"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    validate = staticmethod(unit_tree_fields)

    def save_object(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        unit_save(obj)


@admin.register(Position, site=jishi_admin_site)
class PositionAdmin(AdministratorAdmin):
    list_display = ["title", "unit", "rank", "leadership"]
    list_filter = ["rank", "leadership"]
    search_fields = ["title", "unit__name"]
    autocomplete_fields = ["unit", "in_charge_of"]


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ["position"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # posts are given on the 任职 page, where the one-primary-post rule is checked


@admin.register(Person, site=jishi_admin_site)
class PersonAdmin(AdministratorAdmin):
    list_display = [
        "full_name",
        "username",
        "employee_number",
        "category",
        "filing_obligation",
        "is_district_cadre",
        "is_active",
    ]
    list_filter = ["category", "filing_obligation", "is_district_cadre", "is_active"]
    search_fields = ["full_name", "username", "employee_number", "name_pinyin", "name_initials"]
    fields = [
        "username",
        "full_name",
        "employee_number",
        "category",
        "filing_obligation",
        "is_district_cadre",
        "email",
        "is_active",
    ]
    inlines = [AssignmentInline]
    # The account actions (password links, unlocking a login) are added by jishi.accounts.admin.

    def save_object(self, request: HttpRequest, obj: Person, form: Any, change: bool) -> None:
        person_set_name(obj, obj.full_name)
        if not change:
            obj.set_unusable_password()
        super().save_object(request, obj, form, change)


@admin.register(Assignment, site=jishi_admin_site)
class AssignmentAdmin(_ServiceValidationMixin, AdministratorAdmin):
    list_display = ["person", "position", "kind", "start", "end"]
    list_filter = ["kind"]
    search_fields = ["person__full_name", "position__title", "position__unit__name"]
    autocomplete_fields = ["person", "position"]
    validate = staticmethod(assignment_validate)


@admin.register(Duty, site=jishi_admin_site)
class DutyAdmin(AdministratorAdmin):
    list_display = ["code", "title", "unit", "position", "retired_on"]
    list_filter = ["retired_on"]
    search_fields = ["code", "title", "unit__name"]
    autocomplete_fields = ["unit", "position"]


class RoleGrantForm(forms.ModelForm):
    """A reading grant (inspection, HR) needs a scope; without one it would read nothing (docs/architecture.md, "Roles
    and what each sees")."""

    class Meta:
        model = RoleGrant
        fields = ["person", "role", "all_units", "units", "granted_on", "revoked_on", "note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("role") in (Role.INSPECTOR, Role.HR) and not data.get("all_units") and not data.get("units"):
            self.add_error("units", "纪检监察和组织人事授权须选择范围单位（含下级单位），或勾选“全区范围”。")
        if data.get("role") == Role.PUBLISHER and not data.get("all_units") and not data.get("units"):  # issue 18
            self.add_error("units", "政务公开审核授权须选择审核的单位（含下级单位），或勾选“全区范围”。")
        return data


@admin.register(RoleGrant, site=jishi_admin_site)
class RoleGrantAdmin(AdministratorAdmin):
    form = RoleGrantForm
    list_display = ["person", "role", "all_units", "granted_on", "revoked_on"]
    list_filter = ["role", "all_units"]
    autocomplete_fields = ["person", "units"]
    audit_verbs = ("role.grant", "role.update")


@admin.register(CalendarOverride, site=jishi_admin_site)
class CalendarOverrideAdmin(AdministratorAdmin):
    list_display = ["date", "is_working_day", "name"]
    date_hierarchy = "date"


@admin.register(Absence, site=jishi_admin_site)
class AbsenceAdmin(AdministratorAdmin):
    list_display = ["person", "kind", "start", "end"]
    list_filter = ["kind"]
    autocomplete_fields = ["person"]
