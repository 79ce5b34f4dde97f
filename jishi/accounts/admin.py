"""Failed logins and lockouts in Jishi's admin: administrators see who is locked out and lift it (audited)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jishi.accounts.models import LoginFailure
from jishi.accounts.services import login_unlock, password_link
from jishi.org.admin import PersonAdmin
from jishi.org.admin_site import AdministratorAdmin, jishi_admin_site
from jishi.org.http import AuthedRequest
from jishi.org.models import Person


def _failures_by(field: str, since: Any) -> Coalesce:
    """The failures within the cool-off of the row's account (or address), summed over all its rows."""
    rows = (
        LoginFailure.objects.filter(**{field: OuterRef(field)}, attempt_time__gte=since)
        .order_by()
        .values(field)
        .annotate(n=Sum("failures_since_start"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


class PersonAccountAdmin(PersonAdmin):
    """The people admin (org) with the account actions, which are accounts' to offer: org knows nothing of them."""

    actions = ["password_links", "unlock_logins"]

    @admin.action(description=_("生成设置密码链接（三天内有效，只能用一次）"))
    def password_links(self, request: HttpRequest, queryset: Any) -> None:
        """New accounts (an import's, the admin's) have no password: each person sets one on their own link."""
        for person in queryset.order_by("username")[:100]:
            try:
                link = password_link(actor=request.user, person=person)
            except ValidationError as exc:
                messages.warning(request, f"{person}（{person.username}）：{' '.join(exc.messages)}")
            else:
                messages.info(request, f"{person}（{person.username}）：{link}")

    @admin.action(description=_("解除登录锁定（输错密码次数过多）"))
    def unlock_logins(self, request: HttpRequest, queryset: Any) -> None:
        """An account locked after too many wrong passwords opens again at once (jishi.accounts.lockout)."""
        for person in queryset.order_by("username")[:100]:
            if login_unlock(actor=request.user, username=person.username):
                messages.success(request, f"{person}（{person.username}）：已解除登录锁定。")
            else:
                messages.info(request, f"{person}（{person.username}）：没有登录失败记录，无需解除。")


jishi_admin_site.unregister(Person)
jishi_admin_site.register(Person, PersonAccountAdmin)


@admin.register(LoginFailure, site=jishi_admin_site)
class LoginFailureAdmin(AdministratorAdmin):
    """Read-only rows; the unlock actions forget an account's or an address's failures through the service."""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time", "status", "user_agent"]
    search_fields = ["username", "ip_address"]
    ordering = ["-attempt_time"]
    fields = ("username", "ip_address", "user_agent", "failures_since_start", "attempt_time", "path_info")
    readonly_fields = fields
    actions = ["unlock_accounts", "unlock_addresses"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[LoginFailure]:
        since = timezone.now() - settings.AXES_COOLOFF_TIME
        return (
            super()
            .get_queryset(request)
            .annotate(
                account_failures=_failures_by("username", since),
                address_failures=_failures_by("ip_address", since),
            )
        )

    @admin.display(description=_("状态"))
    def status(self, obj: Any) -> str:
        if obj.account_failures >= settings.AXES_FAILURE_LIMIT:
            return "账户已锁定"
        if obj.address_failures >= settings.JISHI_LOGIN_ADDRESS_FAILURE_LIMIT:
            return "地址已锁定"
        return "未锁定"

    @admin.action(description=_("解除所选账户的登录锁定"))
    def unlock_accounts(self, request: AuthedRequest, queryset: QuerySet[LoginFailure]) -> None:
        for username in sorted({u for u in queryset.values_list("username", flat=True) if u}):
            removed = login_unlock(actor=request.user, username=username)
            messages.success(request, f"账户 {username}：已解除锁定（清除 {removed} 条登录失败记录）。")

    @admin.action(description=_("解除所选网络地址的登录锁定"))
    def unlock_addresses(self, request: AuthedRequest, queryset: QuerySet[LoginFailure]) -> None:
        for address in sorted(set(queryset.values_list("ip_address", flat=True)) - {None}):
            removed = login_unlock(actor=request.user, ip_address=address)
            messages.success(request, f"地址 {address}：已解除锁定（清除 {removed} 条登录失败记录）。")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # unlocking goes through the actions, which are audited
