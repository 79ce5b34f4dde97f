"""Shared writes: the audit event every domain action records."""

from __future__ import annotations

from typing import Any

from django.db import models

from jishi.core.models import AuditEvent


def audit(*, actor: Any, verb: str, target: models.Model, data: dict[str, Any] | None = None) -> AuditEvent:
    """Append one audit event; call it inside the action's transaction so both land or neither does."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data or {},
    )
