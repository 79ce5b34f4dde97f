"""留言 — citizens' messages on a published record or to a unit: submitted anonymously through checks against floods
and bots (length, links, a honeypot field, a signed form-time token, rate limits per address and per day — no
third-party captcha), held for the unit's moderators, who approve, reject or mark spam with a reason, and answer in
public. Every message, decision and answer is kept; decisions and answers are audited.

Services: message_submit, moderate, answer. Selectors: public_messages, inbox_messages, answer_rate.
"""

from __future__ import annotations

import ipaddress
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from jishi.core import throttling
from jishi.core.services import audit
from jishi.notifications.models import Kind
from jishi.notifications.services import enqueue_delivery
from jishi.org.calendar import local_today
from jishi.org.models import (
    DEPARTMENT_LEVEL_KINDS,
    Assignment,
    Leadership,
    Person,
    Role,
    RoleGrant,
    Unit,
    path_unit_ids,
)
from jishi.portal import cache
from jishi.portal.models import Answer, Message, MessageStatus, ModerationDecision, Publication
from jishi.portal.publication import officials
from jishi.portal.redaction import redact
from jishi.portal.rules import review_scope

TEXT_MIN = 5
TEXT_MAX = 1000
NAME_MAX = Message._meta.get_field("name").max_length or 50
CONTACT_MAX = Message._meta.get_field("contact").max_length or 100
REASON_MAX = ModerationDecision._meta.get_field("reason").max_length or 200
ANSWER_MIN = 2
ANSWER_MAX = 2000
# A person reads the record and writes at least a sentence: a form sent back sooner is a script. A form left open
# longer than a working morning is stale (the page it was on may have changed).
FASTEST_SECONDS = 3
OLDEST_SECONDS = 4 * 3600
# Fewer approved messages than this give no answer rate: one unanswered message would read as "0 %".
ANSWER_RATE_MINIMUM = 5
# Rate-limit scopes (settings.JISHI_RATE_LIMITS): a short window per address, and a day per address.
RATE_SCOPES = ("feedback", "feedback_day")
TOKEN_SALT = "jishi.portal.feedback.form"
ADDRESS_SALT = "jishi.portal.feedback.address"
clock = time.time  # (tests move it)

# A web address in any form a spammer writes it: a scheme, www., or a host under a common top-level domain. ASCII
# look-arounds, not \b: between a Chinese character and a Latin letter there is no word boundary.
LINK = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.|(?<![a-z0-9-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\."
    r"(?:com|cn|net|org|top|xyz|info|io|cc|me|vip|shop|site|online|club|link|biz|co|tv|app|ru|tk)(?![a-z0-9-]))",
    re.IGNORECASE,
)
# Control characters other than line breaks and tabs: nothing a person types, and NUL is refused by PostgreSQL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class SubmissionLimited(ValidationError):
    """A submission over a rate limit: the form says so, and the page answers 429 with Retry-After `wait`."""

    def __init__(self, message: str, *, wait: int) -> None:
        super().__init__({NON_FIELD_ERRORS: [message]})
        self.wait = wait


@dataclass(frozen=True)
class Target:
    """What a message is on: a live publication (and its unit), or a unit."""

    unit: Unit
    publication: Publication | None = None

    @property
    def key(self) -> str:
        """What the form token is bound to: a token from one record's form is no good on another's."""
        if self.publication is not None:
            return f"record:{self.publication.record_id}"
        return f"unit:{self.unit.pk}"


def target_for(*, record_id: int | None = None, unit_id: int | None = None) -> Target:
    """The target of a new message: a record live on the portal, or a unit open today — anything else is a 404."""
    if record_id is not None:
        publication = Publication.objects.live().select_related("unit").filter(record_id=record_id).first()
        if publication is None:
            raise Http404
        return Target(unit=publication.unit, publication=publication)
    if unit_id is not None:
        today = local_today()
        unit = (
            Unit.objects.filter(pk=unit_id, valid_from__lte=today)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
            .first()
        )
        if unit is None:
            raise Http404
        return Target(unit=unit)
    raise Http404


def form_token(target: Target, *, issued_at: float | None = None) -> str:
    """The signed token the form carries: its target and when it was drawn (the time check reads both)."""
    return signing.dumps({"to": target.key, "at": clock() if issued_at is None else issued_at}, salt=TOKEN_SALT)


def _token_error(token: str, target: Target) -> str | None:
    """Why the form's token is not good (a Chinese sentence for the form), or None."""
    try:
        payload = signing.loads(token, salt=TOKEN_SALT)
        issued = float(payload["at"])
        bound = payload["to"]
    except (signing.BadSignature, ValueError, TypeError, KeyError, OverflowError):
        return _("表单校验未通过，请重新提交（已填写的内容已保留）。")
    if bound != target.key or not math.isfinite(issued):  # NaN compares false with everything: it would pass
        return _("表单校验未通过，请重新提交（已填写的内容已保留）。")
    age = clock() - issued
    if age < FASTEST_SECONDS:
        return _("提交太快了，请稍等几秒再提交。")
    if age > OLDEST_SECONDS:
        return _("页面打开时间过长，表单已失效，请再次提交（已填写的内容已保留）。")
    return None


def address_hash(address: str | None) -> str:
    """A keyed hash of the sender's address: it counts one sender's messages without keeping where they came from.

    An IPv6 sender is counted by its /64 network: one line is given a whole /64 and could change address freely in it.
    """
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        sender = address or "unknown"
    else:
        sender = str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)
    return salted_hmac(ADDRESS_SALT, sender, algorithm="sha256").hexdigest()


def public_text(text: str) -> str:
    """What the portal will show of a message: citizens' personal data replaced, as in a published record (a sender
    writes their phone or a neighbour's name into the text more often than into the contact field)."""
    return redact(text, officials=officials()).text


def clean_text(value: str) -> str:
    """A citizen's text as kept: line breaks made plain, control characters dropped, outer blanks stripped."""
    return CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _clean_line(value: str) -> str:
    return " ".join(clean_text(value).split())


@transaction.atomic
def message_submit(
    *,
    target: Target,
    text: str,
    name: str = "",
    contact: str = "",
    token: str,
    honeypot: str = "",
    address: str | None,
) -> Message:
    """Take a citizen's message for the unit's moderation; refuse it with field-keyed Chinese reasons.

    Nothing a sender writes reaches the portal before a moderator approves it and the unit answers. The address is
    kept only as a keyed hash; the rate limits count accepted messages, so a refused attempt costs nobody a turn.
    """
    text, name, contact = clean_text(text), _clean_line(name), _clean_line(contact)
    errors: dict[str, list[str]] = {}
    if len(text) < TEXT_MIN:
        errors.setdefault("text", []).append(_("留言内容至少 %(min)d 个字。") % {"min": TEXT_MIN})
    elif len(text) > TEXT_MAX:
        errors.setdefault("text", []).append(
            _("留言内容不能超过 %(max)d 个字（现有 %(count)d 个字）。") % {"max": TEXT_MAX, "count": len(text)}
        )
    if LINK.search(text):
        errors.setdefault("text", []).append(_("留言内容不能包含网址或链接，请删去后再提交。"))
    if len(name) > NAME_MAX:
        errors["name"] = [_("称呼不能超过 %(max)d 个字。") % {"max": NAME_MAX}]
    elif LINK.search(name):
        errors["name"] = [_("称呼不能包含网址或链接。")]
    elif set(redact(name, officials=frozenset()).counts) - {"name"}:
        # The name is shown with the message: a phone, an ID or an e-mail there would be published as typed.
        errors["name"] = [_("称呼会随留言公开，请不要填写电话、证件号、邮箱等；联系方式请填在“联系方式”一栏。")]
    if len(contact) > CONTACT_MAX:
        errors["contact"] = [_("联系方式不能超过 %(max)d 个字。") % {"max": CONTACT_MAX}]
    if honeypot.strip():
        errors.setdefault(NON_FIELD_ERRORS, []).append(_("请清空标有“请勿填写”的一栏后再提交。"))
    token_error = _token_error(token, target)
    if token_error:
        errors.setdefault(NON_FIELD_ERRORS, []).append(token_error)
    if errors:
        raise ValidationError(errors)

    sender = address_hash(address)
    for scope in RATE_SCOPES:
        wait = throttling.over(scope, sender)
        if wait is not None:
            raise SubmissionLimited(_limit_message(scope, wait), wait=wait)
    message = Message.objects.create(
        publication=target.publication,
        unit=target.unit,
        name=name,
        contact=contact,
        text=text,
        text_public=public_text(text),
        address_hash=sender,
        status=MessageStatus.PENDING,
        created_at=timezone.now(),
    )
    for scope in RATE_SCOPES:
        throttling.count(scope, sender)
    audit(
        actor=None,
        verb="portal.message_submitted",
        target=message,
        data={"unit": target.unit.pk, "record": target.publication.record_id if target.publication else None},
    )
    _notify_moderators(message)
    return message


def _limit_message(scope: str, wait: int) -> str:
    if scope == "feedback_day":
        return _("今天从您的网络提交的留言已达上限，请明天再来。已填写的内容已保留。")
    minutes = max(1, (wait + 59) // 60)
    return _("留言提交过于频繁，请 %(minutes)d 分钟后再试。已填写的内容已保留。") % {"minutes": minutes}


# --- who moderates: the portal's publishers of the unit (portal.rules.review_scope — the review queue's rule)


def may_moderate(user: object, unit: Unit) -> bool:
    """Whether `user` moderates the messages of `unit`: the publishers who review its records."""
    return review_scope(user).covers(unit.pk)


def may_moderate_any(user: object) -> bool:
    """Whether `user` has an inbox at all."""
    return not review_scope(user).empty


def moderated_q(user: object) -> Q:
    """The condition on Message rows that `user` moderates (nothing for the anonymous and for everyone else)."""
    return review_scope(user).record_q()


def moderators_of(unit: Unit) -> list[int]:
    """Who is told of a new message: the unit's publishers (Role.PUBLISHER over it or the whole jurisdiction) and the
    principal heads of the department-level units above it; the administrators only when it has none of those."""
    today = local_today()
    above = path_unit_ids(unit.path)
    active = Q(granted_on__lte=today) & (Q(revoked_on__isnull=True) | Q(revoked_on__gt=today))
    grants = RoleGrant.objects.filter(active)
    publishers = set(
        grants.filter(role=Role.PUBLISHER)
        .filter(Q(all_units=True) | Q(units__in=above))
        .values_list("person_id", flat=True)
    )
    heads = set(
        Assignment.objects.active_on(today)
        .filter(
            position__leadership=Leadership.PRINCIPAL,
            position__unit_id__in=above,
            position__unit__kind__in=DEPARTMENT_LEVEL_KINDS,
        )
        .values_list("person_id", flat=True)
    )
    chosen = publishers | heads or set(grants.filter(role=Role.ADMIN).values_list("person_id", flat=True))
    return sorted(Person.objects.filter(pk__in=chosen, is_active=True).values_list("pk", flat=True))


def _notify_moderators(message: Message) -> None:
    """Tell the unit's moderators there is a message to read: one line a day per unit in their inbox, never the text
    (it goes into email, and a flood of messages must not become a flood of notifications)."""
    recipients = moderators_of(message.unit)
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):  # stored in the jurisdiction's language, like every line
        text = _("%(unit)s收到公众留言，请审核") % {"unit": message.unit.name}
    enqueue_delivery(
        recipient_ids=recipients,
        kind=Kind.FEEDBACK,
        actor_id=None,
        text=text[:200],
        url=reverse("portal:inbox"),
        key=f"portal-message:{message.unit_id}:{local_today().isoformat()}",
    )


def _moderated(actor: Person, message: Message) -> Message:
    """The message if `actor` moderates its unit; a 404 otherwise, as for a missing message."""
    if not may_moderate(actor, message.unit):
        raise Http404
    return message


DECISIONS = (MessageStatus.APPROVED, MessageStatus.REJECTED, MessageStatus.SPAM)


@transaction.atomic
def moderate(*, actor: Person, message: Message, decision: str, reason: str = "") -> ModerationDecision:
    """Approve, reject or mark a message as spam, with the reason (required unless approving); logged and audited.

    A later decision replaces the message's status and is logged beside the earlier ones — taking an approved
    message down again is a decision like any other.
    """
    message = _moderated(actor, Message.objects.select_for_update().select_related("unit").get(pk=message.pk))
    reason = _clean_line(reason)
    errors: dict[str, str] = {}
    if decision not in DECISIONS:
        errors["decision"] = _("请选择通过、不予公开或垃圾留言。")
    if len(reason) > REASON_MAX:
        errors["reason"] = _("理由不能超过 %(max)d 个字。") % {"max": REASON_MAX}
    elif not reason and decision in (MessageStatus.REJECTED, MessageStatus.SPAM):
        errors["reason"] = _("不予公开或标为垃圾留言时请写明理由。")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    logged = ModerationDecision.objects.create(
        message=message, decision=decision, reason=reason, actor=actor, decided_at=now
    )
    previous = message.status
    message.status = decision
    message.save(update_fields=["status"])
    if message.answered_at is not None:  # shown on the portal before or after: cached pages must follow
        cache.bump()
    audit(
        actor=actor,
        verb="portal.message_moderated",
        target=message,
        data={"decision": decision, "previous": previous, "reason": reason, "decision_id": logged.pk},
    )
    return logged


@transaction.atomic
def answer(*, actor: Person, message: Message, text: str) -> Answer:
    """The unit's public answer to an approved message; it appears on the portal at once. Answering again appends a
    new answer that supersedes the earlier one on the portal; both are kept."""
    message = _moderated(actor, Message.objects.select_for_update().select_related("unit").get(pk=message.pk))
    text = clean_text(text)
    if message.status != MessageStatus.APPROVED:
        raise ValidationError({NON_FIELD_ERRORS: [_("只有审核通过的留言才能答复。")]})
    if len(text) < ANSWER_MIN:
        raise ValidationError({"text": [_("答复内容至少 %(min)d 个字。") % {"min": ANSWER_MIN}]})
    if len(text) > ANSWER_MAX:
        raise ValidationError({"text": [_("答复内容不能超过 %(max)d 个字。") % {"max": ANSWER_MAX}]})
    now = timezone.now()
    given = Answer.objects.create(
        message=message, text=text, text_public=public_text(text), actor=actor, answered_at=now
    )
    message.answered_at = now
    message.save(update_fields=["answered_at"])
    audit(actor=actor, verb="portal.message_answered", target=message, data={"answer_id": given.pk})
    cache.bump()  # the record's and the unit's cached pages show the answer at once
    return given


# --- selectors


def _with_latest_answer(messages: QuerySet[Message]) -> QuerySet[Message]:
    return messages.prefetch_related(
        Prefetch("answers", queryset=Answer.objects.order_by("-answered_at", "-id"), to_attr="answer_list")
    )


def public_messages(*, publication: Publication | None = None, unit: Unit | None = None) -> QuerySet[Message]:
    """The answered, approved messages the portal shows: on a live record, or to a unit and on its live records
    (with the units below it). Each carries `answer_list`, newest first; show `text_public` (redacted), never `text`
    or the sender's contact."""
    shown = Message.objects.filter(status=MessageStatus.APPROVED, answered_at__isnull=False)
    if publication is not None:
        shown = shown.filter(publication=publication)
    elif unit is not None:
        shown = shown.filter(unit__path__startswith=unit.path).filter(
            Q(publication__isnull=True) | Q(publication__in=Publication.objects.live())
        )
    else:
        shown = shown.filter(Q(publication__isnull=True) | Q(publication__in=Publication.objects.live()))
    # The original text and the contact stay in the database: the portal's lists never load them.
    return _with_latest_answer(
        shown.select_related("unit").defer("text", "contact", "address_hash").order_by("-answered_at", "-id")
    )


INBOX_VIEWS = {
    "pending": Q(status=MessageStatus.PENDING),
    "unanswered": Q(status=MessageStatus.APPROVED, answered_at__isnull=True),
    "answered": Q(status=MessageStatus.APPROVED, answered_at__isnull=False),
    "rejected": Q(status__in=[MessageStatus.REJECTED, MessageStatus.SPAM]),
}


def _inbox(person: Person) -> QuerySet[Message]:
    return _with_latest_answer(
        Message.objects.filter(moderated_q(person))
        .select_related("unit", "publication")
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=ModerationDecision.objects.select_related("actor").order_by("-decided_at", "-id"),
                to_attr="decision_list",
            )
        )
    )


def inbox_messages(*, person: Person, view: str = "pending") -> QuerySet[Message]:
    """The messages of the units `person` moderates in one of the inbox's views (INBOX_VIEWS), oldest first: the
    longest waiting is answered first."""
    return _inbox(person).filter(INBOX_VIEWS[view]).order_by("created_at", "id")


def inbox_message(*, person: Person, pk: int) -> Message:
    """One message of the units `person` moderates, with its decisions and answers; a 404 for any other."""
    found = _inbox(person).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def inbox_counts(*, person: Person) -> dict[str, int]:
    """How many messages each inbox view holds for `person`."""
    mine = Message.objects.filter(moderated_q(person))
    return {view: mine.filter(condition).count() for view, condition in INBOX_VIEWS.items()}


def answer_rate(unit: Unit | None = None) -> float | None:
    """答复率 for the public statistics: approved messages answered / approved messages (of the unit and the units
    below it, or the whole jurisdiction); None below ANSWER_RATE_MINIMUM approved messages."""
    approved = Message.objects.filter(status=MessageStatus.APPROVED)
    if unit is not None:
        approved = approved.filter(unit__path__startswith=unit.path)
    total = approved.count()
    if total < ANSWER_RATE_MINIMUM:
        return None
    return approved.filter(answered_at__isnull=False).count() / total
