"""Writes of insights: people's decisions on findings (研判). The system proposes, people decide and say why."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jishi.core.services import audit
from jishi.insights import rules
from jishi.insights.findings import KINDS, PERSON_KINDS
from jishi.insights.models import Decision, FindingReview, SubjectType
from jishi.org.models import Duty, Person, Unit

REASON_MAX_CHARS = 2000


def subject_type_of(kind: str) -> str:
    """What a finding of this kind is about."""
    if kind in PERSON_KINDS:
        return SubjectType.PERSON
    if kind == "idle_duty":
        return SubjectType.DUTY
    return SubjectType.UNIT


def may_review(user: Any, *, subject_type: str, subject_id: int) -> bool:
    """Whether `user` may see (and so decide on) findings about this subject — the findings list's own rule."""
    if subject_type == SubjectType.PERSON:
        return Person.objects.filter(pk=subject_id).exists() and rules.can_see_person(user, subject_id)
    if subject_type == SubjectType.DUTY:
        unit_id = Duty.objects.filter(pk=subject_id).values_list("unit_id", flat=True).first()
    else:
        unit_id = Unit.objects.filter(pk=subject_id).values_list("pk", flat=True).first()
    return unit_id is not None and rules.group_scope(user).covers(unit_id)


@transaction.atomic
def finding_review_create(
    *,
    user: Any,
    kind: str,
    subject_id: int,
    period_start: datetime.date,
    period_end: datetime.date,
    decision: str,
    reason: str,
    subject_type: str | None = None,
) -> FindingReview:
    """Record a decision (属实 / 不属实 / 已知悉) on a finding, with its reason, and audit it. Never overwrites: a
    newer decision on the same finding is a new row. A finding the reader may not see is refused as missing."""
    errors: dict[str, list[str]] = {}
    if kind not in KINDS:
        errors["kind"] = [_("没有这种发现类型。")]
    elif subject_type is not None and subject_type != subject_type_of(kind):
        errors["subject_type"] = [_("发现类型与对象不符。")]
    if decision not in Decision.values:
        errors["decision"] = [_("请选择结论：属实、不属实或已知悉。")]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("请写明理由。")]
    elif len(reason) > REASON_MAX_CHARS:
        errors["reason"] = [_("理由不能超过 %(n)d 字。") % {"n": REASON_MAX_CHARS}]
    if period_start > period_end:
        errors["period_start"] = [_("起始日期须不晚于截止日期。")]
    if errors:
        raise ValidationError(errors)
    subject = subject_type_of(kind)
    if not may_review(user, subject_type=subject, subject_id=subject_id):
        raise PermissionDenied(_("找不到该发现。"))
    review = FindingReview.objects.create(
        kind=kind,
        subject_type=subject,
        subject_id=subject_id,
        period_start=period_start,
        period_end=period_end,
        decision=decision,
        reason=reason,
        decided_by=user,
        decided_at=timezone.now(),
    )
    audit(
        actor=user,
        verb="insights.finding_review",
        target=review,
        data={
            "kind": kind,
            "subject_type": subject,
            "subject_id": subject_id,
            "period": [period_start.isoformat(), period_end.isoformat()],
            "decision": decision,
        },
    )
    return review


def latest_reviews(keys: list[tuple[str, str, int]]) -> dict[tuple[str, str, int], FindingReview]:
    """The newest decision on each (kind, subject type, subject id), whatever its period."""
    if not keys:
        return {}
    subject_ids = {k[2] for k in keys}
    wanted = set(keys)
    out: dict[tuple[str, str, int], FindingReview] = {}
    reviews = (
        FindingReview.objects.filter(subject_id__in=subject_ids)
        .select_related("decided_by")
        .order_by("-decided_at", "-id")
    )
    for review in reviews:
        key = (review.kind, review.subject_type, review.subject_id)
        if key in wanted and key not in out:
            out[key] = review
    return out
