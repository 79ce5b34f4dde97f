"""Following and unfollowing colleagues and units."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from jishi.core.services import audit
from jishi.feeds.models import Follow
from jishi.org.models import Person, Unit


@transaction.atomic
def follow(*, follower: Person, person_id: int | None = None, unit_id: int | None = None) -> Follow:
    """Follow one colleague or one unit; following twice is the same as following once."""
    if (person_id is None) == (unit_id is None):
        raise ValidationError({"__all__": ["请选择要关注的一个人或一个单位。"]})
    if person_id is not None:
        if person_id == follower.pk:
            raise ValidationError({"person": ["不能关注自己。"]})
        if not Person.objects.filter(pk=person_id, is_active=True).exists():
            raise ValidationError({"person": ["没有这个人员。"]})
        row, created = Follow.objects.get_or_create(follower=follower, person_id=person_id)
    elif unit_id is not None:
        if not Unit.objects.filter(pk=unit_id, valid_to__isnull=True).exists():
            raise ValidationError({"unit": ["没有这个单位，或已撤销。"]})
        row, created = Follow.objects.get_or_create(follower=follower, unit_id=unit_id)
    if created:
        audit(actor=follower, verb="follow", target=row, data={"person": person_id, "unit": unit_id})
    return row


@transaction.atomic
def unfollow(*, follower: Person, person_id: int | None = None, unit_id: int | None = None) -> None:
    """Stop following; unfollowing someone not followed changes nothing."""
    if (person_id is None) == (unit_id is None):
        raise ValidationError({"__all__": ["请选择要取消关注的一个人或一个单位。"]})
    rows = Follow.objects.filter(follower=follower)
    rows = rows.filter(person_id=person_id) if person_id is not None else rows.filter(unit_id=unit_id or 0)
    for row in rows:
        audit(actor=follower, verb="unfollow", target=row, data={"person": person_id, "unit": unit_id})
        row.delete()
