"""API token lifecycle: create (the secret is returned once), revoke, authenticate."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jishi.accounts.models import ApiToken
from jishi.core.services import audit
from jishi.org.models import Person

TOKEN_PREFIX = "jsk_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, person: Person, name: str) -> tuple[ApiToken, str]:
    """Make a token for `person`; returns it with the secret, which is never stored or shown again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": ["请填写令牌用途，例如“办公系统对接”。"]})
    if len(name) > 60:
        raise ValidationError({"name": ["用途不能超过 60 字。"]})
    if not person.is_active:
        raise ValidationError({"person": ["该账户已停用。"]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(person=person, name=name, prefix=secret[:12], digest=_digest(secret))
    audit(actor=person, verb="token.create", target=token, data={"name": name})
    return token, secret


@transaction.atomic
def token_revoke(*, actor: Person, token: ApiToken) -> None:
    if token.person_id != actor.pk:
        raise ValidationError({"token": ["只能撤销自己的令牌。"]})
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(actor=actor, verb="token.revoke", target=token)


def token_authenticate(secret: str) -> Person | None:
    """The active person a bearer secret belongs to, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("person")
        .filter(digest=_digest(secret), revoked_at__isnull=True, person__is_active=True)
        .first()
    )
    return token.person if token else None
