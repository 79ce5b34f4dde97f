"""API token lifecycle: create (the secret is returned once), revoke, authenticate."""

from __future__ import annotations

import copy
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jishi.accounts.models import ApiToken
from jishi.core.cache import GenerationCache
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


# The person behind each token digest, per worker, while no token, person or post has changed (jishi.core.cache).
_bearers: GenerationCache[str, Person] = GenerationCache(maxsize=20_000)


def token_authenticate(secret: str) -> Person | None:
    """The active person a bearer secret belongs to, or None. Revoking a token takes effect on the next request."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    digest = _digest(secret)

    def holder() -> Person | None:
        token = (
            ApiToken.objects.select_related("person")
            .filter(digest=digest, revoked_at__isnull=True, person__is_active=True)
            .first()
        )
        return token.person if token else None

    person = _bearers.get(digest, holder)
    # Each request gets its own copy: per-request state (the reader, a changed attribute) never carries over.
    return copy.copy(person) if person is not None else None


def password_link(*, actor: Person | None, person: Person) -> str:
    """A one-time link on which `person` sets their password (new accounts from an import have none).

    Django's PasswordResetTokenGenerator signs it with the current password hash and last login, so the link stops
    working once used, and after PASSWORD_RESET_TIMEOUT (three days by default).
    """
    from django.conf import settings
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    if not person.is_active:
        raise ValidationError({"person": ["该账户已停用，不能设置密码。"]})
    path = reverse(
        "password_set",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": default_token_generator.make_token(person),
        },
    )
    audit(actor=actor, verb="account.password_link", target=person, data={"username": person.username})
    return settings.JISHI_SITE_URL.rstrip("/") + path


@transaction.atomic
def login_unlock(*, actor: Person | None, username: str = "", ip_address: str = "") -> int:
    """Lift a login lockout (jishi.accounts.lockout): forget the failed logins of an account, of an address, or both.

    Returns how many failure records were removed; an unlock that removed any is audited.
    """
    from axes.models import AccessAttempt
    from axes.utils import reset
    from django.core.validators import validate_ipv46_address

    username, ip_address = username.strip(), ip_address.strip()
    if not username and not ip_address:
        raise ValidationError({"username": ["请指定要解除锁定的账户（用户名）或网络地址。"]})
    if ip_address:
        try:
            validate_ipv46_address(ip_address)
        except ValidationError:
            raise ValidationError({"ip_address": [f"“{ip_address}”不是有效的 IP 地址。"]}) from None
    attempts = AccessAttempt.objects.none()
    if username:
        attempts |= AccessAttempt.objects.filter(username=username)
    if ip_address:
        attempts |= AccessAttempt.objects.filter(ip_address=ip_address)
    first = attempts.order_by("pk").first()
    if first is None:
        return 0
    failures = sum(attempts.values_list("failures_since_start", flat=True))
    removed = (reset(username=username) if username else 0) + (reset(ip=ip_address) if ip_address else 0)
    person = Person.objects.filter(username=username).first() if username else None
    audit(
        actor=actor,
        verb="account.unlock",
        target=person or first,
        data={"username": username, "ip_address": ip_address, "records": removed, "failures": failures},
    )
    return removed
