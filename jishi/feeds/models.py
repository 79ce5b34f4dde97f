"""Follows: the people and units a person chose to watch in the 关注 feed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Follow(models.Model):
    """关注 — one person following a colleague or a unit (with the units below it)."""

    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("关注的人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followers",
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("关注的单位"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("关注时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("关注")
        verbose_name_plural = _("关注")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, unit__isnull=True) | Q(person__isnull=True, unit__isnull=False),
                name="follow_one_target",
            ),
            models.UniqueConstraint(fields=["follower", "person"], name="follow_person_once"),
            models.UniqueConstraint(fields=["follower", "unit"], name="follow_unit_once"),
        ]

    def __str__(self) -> str:
        return f"{self.follower} → {self.person or self.unit}"
