"""Publication (政务公开): which records are due, publishing them redacted, and the publishers' hold and release.

A record is due when it satisfies the public rule (records.rules.public_q: 公开, not withdrawn, not sensitive), is
locked (its edit window closed), its date lies JISHI_PORTAL_DELAY_DAYS working days (default 3, org.calendar) before
today or earlier, it is not yet published and no publisher holds it back. `publish_due` writes one Publication per
due record: content and result redacted (portal.redaction, the organisation's people left named), the author's name
and post snapshotted. What the public sees is `Publication.objects.live()`, which checks the public rule again at
query time. Every change bumps the portal's cache generation (portal.cache) so no cached page outlives it.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from jishi.core.services import audit
from jishi.org.calendar import local_today, working_days
from jishi.org.models import DEPARTMENT_LEVEL_KINDS, Assignment, Leadership, Person, Position
from jishi.portal import cache, redaction
from jishi.portal.models import DecisionAction, Publication, PublicationDecision
from jishi.records.models import WorkRecord
from jishi.records.rules import public_q

log = logging.getLogger(__name__)

REASON_MIN = 2
REASON_MAX = PublicationDecision._meta.get_field("reason").max_length or 200
BATCH = 500
# Set while a publishing run is enqueued or ran less than an hour ago (the cache every process shares).
PENDING_KEY = "portal:publish:pending"
PENDING_SECONDS = 3600


def delay_days() -> int:
    """JISHI_PORTAL_DELAY_DAYS: working days between a record's date and its publication (default 3, 0–60)."""
    value = getattr(settings, "JISHI_PORTAL_DELAY_DAYS", 3)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 60:
        raise ImproperlyConfigured(f"JISHI_PORTAL_DELAY_DAYS must be a whole number of working days, 0–60: {value!r}")
    return value


def latest_date_due(today: datetime.date, delay: int) -> datetime.date:
    """The latest record date that is due on `today`: a record dated D is due when the `delay`-th working day after D
    is today or earlier — when at least `delay` working days lie in (D, today], i.e. D is before the `delay`-th
    working day counted back from today (today included if it is one)."""
    if delay == 0:
        return today
    span = datetime.timedelta(days=delay * 3 + 45)  # holidays (春节, 国庆) included
    days = working_days(today - span, today)
    if len(days) < delay:  # cannot happen with the official calendar; an override could make it so
        return today - span
    return days[-delay] - datetime.timedelta(days=1)


def _latest_decision() -> Subquery:
    return Subquery(
        PublicationDecision.objects.filter(record=OuterRef("pk")).order_by("-decided_at", "-id").values("action")[:1]
    )


def held_q() -> Q:
    """On a WorkRecord queryset annotated by `with_decision`: the record's latest decision holds it back."""
    return Q(latest_decision=DecisionAction.HOLD)


def not_held_q() -> Q:
    """The opposite of held_q, written out: a NOT over the subquery would drop the records without any decision."""
    return Q(latest_decision__isnull=True) | Q(latest_decision=DecisionAction.RELEASE)


def with_decision(records: QuerySet[WorkRecord]) -> QuerySet[WorkRecord]:
    """Annotate each record with its latest publication decision (`latest_decision`: hold, release or None)."""
    return records.annotate(latest_decision=_latest_decision())


def upcoming(records: QuerySet[WorkRecord] | None = None) -> QuerySet[WorkRecord]:
    """Records (of `records`, default all) that satisfy the public rule and are not yet published, held ones included
    (the review queue passes what its reader may read; `due` narrows to what is published now)."""
    base = WorkRecord.objects.all() if records is None else records
    return with_decision(base.filter(public_q(), publication__isnull=True))


def due(*, today: datetime.date | None = None, now: datetime.datetime | None = None) -> QuerySet[WorkRecord]:
    """Records to publish now: public, locked, old enough, not published, not held."""
    today = today or local_today()
    now = now or timezone.now()
    return (
        upcoming()
        .filter(locks_at__lte=now, date__lte=latest_date_due(today, delay_days()))
        .filter(not_held_q())
        .order_by("date", "id")
    )


def publication_day(record_date: datetime.date) -> datetime.date:
    """The first day a record of `record_date` is due (the review queue tells it)."""
    delay = delay_days()
    if delay == 0:
        return record_date
    days = working_days(record_date + datetime.timedelta(days=1), record_date + datetime.timedelta(days=delay * 3 + 45))
    return days[delay - 1] if len(days) >= delay else record_date + datetime.timedelta(days=delay)


def officials() -> frozenset[str]:
    """The full names of the organisation's people: named on the portal, never redacted."""
    return frozenset(name for name in Person.objects.values_list("full_name", flat=True) if name)


@dataclass(frozen=True)
class _Held:
    """One assignment of an author, as far as the snapshot needs it (values, not model instances: a run at Jiading
    scale reads tens of thousands)."""

    pk: int
    start: datetime.date
    end: datetime.date | None
    unit_id: int
    title: str
    leader: bool


def is_leader_post(position: Position) -> bool:
    """A jurisdiction leader (a leading post of the tier-0 unit) or a department-level unit's principal (正职)."""
    return _leads(tier=position.unit.tier, kind=position.unit.kind, leadership=position.leadership)


def _leads(*, tier: int, kind: str, leadership: str) -> bool:
    if tier == 0:
        return leadership in (Leadership.PRINCIPAL, Leadership.DEPUTY)
    return leadership == Leadership.PRINCIPAL and kind in DEPARTMENT_LEVEL_KINDS


def _assignments(author_ids: set[int]) -> dict[int, list[_Held]]:
    """Every assignment of these authors (once a run), by person."""
    by_person: dict[int, list[_Held]] = {}
    rows = Assignment.objects.filter(person_id__in=author_ids).values_list(
        "pk", "person_id", "start", "end", "position__unit_id", "position__title", "position__leadership",
        "position__unit__tier", "position__unit__kind",
    )  # fmt: skip
    for pk, person_id, start, end, unit_id, title, leadership, tier, kind in rows:
        leader = _leads(tier=tier, kind=kind, leadership=leadership)
        by_person.setdefault(person_id, []).append(_Held(pk, start, end, unit_id, title, leader))
    return by_person


def _post(held: list[_Held], *, unit_id: int, day: datetime.date) -> tuple[str, bool]:
    """The author's post title on `day` — the one in the record's unit, else a leading one, else any — and whether
    any post held that day leads."""
    current = [a for a in held if a.start <= day and (a.end is None or a.end >= day)]
    if not current:
        return "", False
    current.sort(key=lambda a: (a.unit_id != unit_id, not a.leader, a.pk))
    return current[0].title, any(a.leader for a in current)


_COLUMNS = ("id", "author_id", "unit_id", "department_id", "date", "content", "result")


def _chunks(records: QuerySet[WorkRecord]) -> Iterator[list[tuple[Any, ...]]]:
    ids = list(records.values_list("id", flat=True))
    for start in range(0, len(ids), BATCH):
        yield list(
            WorkRecord.objects.filter(pk__in=ids[start : start + BATCH]).order_by("date", "id").values_list(*_COLUMNS)
        )


@dataclass
class PublishRun:
    """What one run published (the command prints it)."""

    published: int = 0
    through: datetime.date | None = None
    redactions: Counter[str] = field(default_factory=Counter)
    dry_run: bool = False


def publish(*, today: datetime.date | None = None, dry_run: bool = False) -> PublishRun:
    """Publish every due record (see the module's docstring), in one transaction, audited once; `dry_run` counts."""
    today = today or local_today()
    now = timezone.now()
    run = PublishRun(through=latest_date_due(today, delay_days()), dry_run=dry_run)
    records = due(today=today, now=now)
    if dry_run:
        run.published = records.count()
        return run
    names = officials()
    full_names = dict(Person.objects.filter(pk__in=records.values("author_id")).values_list("pk", "full_name"))
    held = _assignments(set(full_names))
    with transaction.atomic():
        created: list[Publication] = []
        for chunk in _chunks(records):
            rows = []
            for record_id, author_id, unit_id, department_id, date, text, result_text in chunk:
                content = redaction.redact(text, officials=names)
                result = redaction.redact(result_text, officials=names)
                counts = Counter(content.counts) + Counter(result.counts)
                run.redactions.update(counts)
                title, leader = _post(held.get(author_id, []), unit_id=unit_id, day=date)
                rows.append(
                    Publication(
                        record_id=record_id,
                        unit_id=unit_id,
                        department_id=department_id,
                        author_id=author_id,
                        date=date,
                        author_name=full_names.get(author_id, ""),
                        post_title=title,
                        is_leader=leader,
                        content_redacted=content.text,
                        result_redacted=result.text,
                        redactions=dict(counts),
                        published_at=now,
                    )
                )
            # ignore_conflicts: a run that overlaps another (the command while the worker runs) skips what the other
            # has just published instead of failing on the record's unique publication.
            created += Publication.objects.bulk_create(rows, ignore_conflicts=True)
        run.published = Publication.objects.filter(published_at=now).count() if created else 0
        if run.published:
            first = Publication.objects.filter(published_at=now).order_by("id").first()
            audit(
                actor=None,
                verb="portal.publish",
                target=first,  # type: ignore[arg-type]
                data={
                    "publications": run.published,
                    "through": run.through.isoformat() if run.through else None,
                    "redactions": dict(run.redactions),
                },
            )
            transaction.on_commit(cache.bump)
    return run


def publish_due(*, today: datetime.date | None = None) -> int:
    """Publish every record due on `today` (default: the jurisdiction's today); returns how many were published."""
    return publish(today=today).published


def redact_again(*, model: Any = Publication, names: frozenset[str] | None = None) -> int:
    """Redact every publication's text again from its record, after the rules changed (a migration calls it with its
    historical model and the names it read); only the rows whose text changes are written. Returns how many."""
    names = officials() if names is None else names
    changed = []
    rows = model.objects.order_by("id").values_list(
        "id", "record__content", "record__result", "content_redacted", "result_redacted"
    )
    for pk, text, result_text, content_before, result_before in rows.iterator(chunk_size=2000):
        content = redaction.redact(text, officials=names)
        result = redaction.redact(result_text, officials=names)
        if (content.text, result.text) != (content_before, result_before):
            counts = dict(Counter(content.counts) + Counter(result.counts))
            changed.append(model(pk=pk, content_redacted=content.text, result_redacted=result.text, redactions=counts))
    model.objects.bulk_update(changed, ["content_redacted", "result_redacted", "redactions"], batch_size=BATCH)
    if changed:
        transaction.on_commit(cache.bump)
    return len(changed)


# Publishers' decisions ---------------------------------------------------------------------------------------------


def _clean_reason(reason: Any) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if len(text) < REASON_MIN:
        raise ValidationError({"reason": ["请写明理由。"]})
    if len(text) > REASON_MAX:
        raise ValidationError({"reason": [f"理由不能超过 {REASON_MAX} 字。"]})
    return text


def current_decision(record: WorkRecord) -> str | None:
    """The record's latest decision: hold, release or None."""
    return (
        PublicationDecision.objects.filter(record=record)
        .order_by("-decided_at", "-id")
        .values_list("action", flat=True)
        .first()
    )


@transaction.atomic
def hold(*, actor: Person, record: WorkRecord, reason: str) -> PublicationDecision:
    """暂缓公开: keep a record off the portal — before publication, or at once if published — with a reason."""
    text = _clean_reason(reason)
    if current_decision(record) == DecisionAction.HOLD:
        raise ValidationError({"__all__": ["该记实已暂缓公开。"]})
    decision = PublicationDecision.objects.create(
        record=record, action=DecisionAction.HOLD, reason=text, actor=actor, decided_at=timezone.now()
    )
    published = Publication.objects.filter(record=record).update(held=True)
    audit(
        actor=actor,
        verb="portal.hold",
        target=record,
        data={"decision": decision.pk, "reason": text, "was_published": bool(published)},
    )
    transaction.on_commit(cache.bump)
    return decision


@transaction.atomic
def release(*, actor: Person, record: WorkRecord, reason: str) -> PublicationDecision:
    """恢复公开: lift a hold, with a reason; a published record shows again, an unpublished one waits for its day."""
    text = _clean_reason(reason)
    if current_decision(record) != DecisionAction.HOLD:
        raise ValidationError({"__all__": ["该记实未被暂缓公开。"]})
    decision = PublicationDecision.objects.create(
        record=record, action=DecisionAction.RELEASE, reason=text, actor=actor, decided_at=timezone.now()
    )
    published = Publication.objects.filter(record=record).update(held=False)
    audit(
        actor=actor,
        verb="portal.release",
        target=record,
        data={"decision": decision.pk, "reason": text, "was_published": bool(published)},
    )
    transaction.on_commit(cache.bump)
    return decision


# Listeners and the worker ------------------------------------------------------------------------------------------


def record_written(*, record: WorkRecord, new: bool) -> None:
    """record.written: a published record changed (an addendum; an administrator's correction) — cached pages go at
    once. A new record cannot be published yet; it asks for a publishing run at most hourly."""
    if not new and Publication.objects.filter(record_id=record.pk).exists():
        transaction.on_commit(cache.bump)
    ask_for_run()


def records_bulk_written(*, first: int, last: int) -> None:
    """records.bulk_written: an import may bring records old enough to publish."""
    ask_for_run()


def ask_for_run() -> None:
    """Enqueue a publishing run after the commit — at most once an hour for all processes (the cache key)."""
    if not getattr(settings, "JISHI_PORTAL_PUBLISH_ON_WRITE", True):
        return
    if shared_cache.add(PENDING_KEY, timezone.now().isoformat(), timeout=PENDING_SECONDS):
        transaction.on_commit(_enqueue)


def _enqueue() -> None:
    from jishi.portal.tasks import publish_due_task

    try:
        publish_due_task.enqueue()
    except Exception:  # the record is written; publishing waits for the next run (or the hourly command)
        log.exception("could not enqueue the portal's publishing run")
