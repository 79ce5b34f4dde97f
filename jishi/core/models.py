"""Shared models: the audit trail that every service writes to."""

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReadableJSONEncoder(DjangoJSONEncoder):
    """JSON with Chinese kept as characters: a third of the size of \\uXXXX escapes, and faster to write."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class AuditEvent(models.Model):
    """审计事件 — an append-only line of who did what to which object, with the data that changed."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verb = models.CharField(_("操作"), max_length=60)
    target_type = models.CharField(_("对象类型"), max_length=60)
    target_id = models.CharField(_("对象编号"), max_length=40)
    data = models.JSONField(_("内容"), default=dict, blank=True, encoder=ReadableJSONEncoder)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.verb} {self.target_type}#{self.target_id}"


class CacheGeneration(models.Model):
    """One row whose value database triggers replace whenever reference data changes (see jishi.core.cache)."""

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("缓存代次")
        verbose_name_plural = _("缓存代次")

    def __str__(self) -> str:
        return str(self.value)
