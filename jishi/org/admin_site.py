"""The admin site: organisation data for administrators only, in Chinese; records read-only and restricted.

In org, as who may enter it is the administrator role grant (org.rules); the apps above register their models on it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from jishi.core.services import audit
from jishi.org.rules import reader_for

SECRET_FIELDS = frozenset({"password"})


def plain(value: Any) -> Any:
    """A form or model value as JSON for an audit event: objects by id, times as ISO text."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (models.QuerySet, list, tuple, set)):
        return sorted((plain(v) for v in value), key=str)
    if isinstance(value, (datetime.date, datetime.time)):  # datetimes too
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name
    return value


def form_changes(form: Any) -> dict[str, Any]:
    """The fields an admin form changed, with their values before and after."""
    changed = [name for name in form.changed_data if name not in SECRET_FIELDS]
    return {
        "changed": changed,
        "before": {name: plain(form.initial.get(name)) for name in changed},
        "after": {name: plain(form.cleaned_data.get(name)) for name in changed},
    }


def snapshot(obj: models.Model) -> dict[str, Any]:
    """Every field of an object as it stands, for the audit event of its deletion."""
    fields = [*obj._meta.concrete_fields, *obj._meta.many_to_many]
    return {f.name: plain(f.value_from_object(obj)) for f in fields if f.name not in SECRET_FIELDS}


def is_administrator(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and reader_for(user).is_administrator


class JishiAdminSite(admin.AdminSite):
    site_header = "记实 · 系统管理"
    site_title = "记实管理"
    index_title = "组织与设置"

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active) and is_administrator(request.user)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return redirect(f"{reverse('login')}?next={request.get_full_path()}")


jishi_admin_site = JishiAdminSite(name="admin")


class AdministratorAdmin(admin.ModelAdmin):
    """Every permission follows the administrator role grant, not Django's per-model permissions.

    Every save, inline change and deletion writes an audit event with the values before and after; a subclass
    that saves through a service overrides `save_object`, and may name its verbs with `audit_verbs`.
    """

    audit_verbs: tuple[str, str] | None = None  # (on create, on change); default "<model>.create" / ".update"

    def _verb(self, model: type[models.Model], action: str) -> str:
        return f"{model._meta.model_name}.{action}"

    def save_object(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Write the object (the plain ModelAdmin save unless a service must do it)."""
        super().save_model(request, obj, form, change)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        self.save_object(request, obj, form, change)
        create, update = self.audit_verbs or (self._verb(self.model, "create"), self._verb(self.model, "update"))
        audit(actor=request.user, verb=update if change else create, target=obj, data=form_changes(form))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for inline in formset.deleted_forms:  # audited first: a deleted object has no id afterwards
            if inline.instance.pk:
                audit(
                    actor=request.user,
                    verb=self._verb(inline.instance.__class__, "delete"),
                    target=inline.instance,
                    data={"before": snapshot(inline.instance)},
                )
        super().save_formset(request, form, formset, change)
        created = {id(obj) for obj in formset.new_objects}
        for inline in formset.forms:
            if inline in formset.deleted_forms or not inline.has_changed() or not inline.instance.pk:
                continue
            action = "create" if id(inline.instance) in created else "update"
            audit(
                actor=request.user,
                verb=self._verb(inline.instance.__class__, action),
                target=inline.instance,
                data=form_changes(inline),
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit(actor=request.user, verb=self._verb(self.model, "delete"), target=obj, data={"before": snapshot(obj)})
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            audit(actor=request.user, verb=self._verb(self.model, "delete"), target=obj, data={"before": snapshot(obj)})
        super().delete_queryset(request, queryset)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request.user)


class ReadOnlyAdmin(AdministratorAdmin):
    """Shown, never written: audit events and work records."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
