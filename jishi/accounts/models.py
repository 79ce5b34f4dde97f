"""API tokens for `Authorization: Bearer …` (only a hash of the secret is stored); failed logins for the admin."""

from axes.models import AccessAttempt
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """接口令牌 — shown once when created; revoked rather than deleted."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("用途"), max_length=60)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginFailure(AccessAttempt):
    """登录失败 — django-axes' count of failed logins per account, address and browser; locks come from these."""

    class Meta:
        proxy = True
        verbose_name = _("登录失败")
        verbose_name_plural = _("登录失败与锁定")
