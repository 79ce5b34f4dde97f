"""The admin site: organisation data for administrators only, in Chinese; records read-only and restricted."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from jishi.org.rules import reader_for


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
    """Every permission follows the administrator role grant, not Django's per-model permissions."""

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
