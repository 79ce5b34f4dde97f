"""Shared writes: the audit event every domain action records, sealed into the tamper-evident chain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models

from jishi.core.hooks import audit_written
from jishi.core.models import AuditEvent


def audit(
    *,
    actor: Any,
    verb: str,
    target: models.Model,
    data: dict[str, Any] | None = None,
    history: Sequence[models.Model] = (),
) -> AuditEvent:
    """Append one audit event and seal it, with the history rows it records, into the actor's hash chain.

    Call it inside the action's transaction so everything lands or nothing does. `history` takes the
    append-only rows the action wrote that the chain covers (integrity.canonical.KINDS: a RecordVersion,
    an Addendum, a comment's CommentVersion): one call seals them all, in three statements. The sealing is
    integrity's, which listens to the hook audit.written; it runs here, in the caller's transaction.
    """
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    event = AuditEvent.objects.create(
        actor_id=actor_id,
        verb=verb,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data or {},
    )
    audit_written.run(actor_id=actor_id, instances=[*history, event])  # integrity seals them
    return event
