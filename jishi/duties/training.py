"""The district's own language: a character n-gram model per unit, learned from the records filed in it.

Every filed record is a labelled example (its author chose the duty). A unit's model learns only from records whose
content every member of the unit may read under the records' content rule (jishi/records/rules.py: not sensitive,
and visible 公开, 政府内部 or 本单位 — the last to the unit's department, which holds every member), so a suggestion
never carries words of a record its reader could not open. The person's own records (sensitive ones included, they
wrote them) are learned per person by the selector. Models live in the cache (shared by the web workers and the
background worker), are refreshed by the worker after a record is filed (tasks.refresh_unit_model) and rebuilt by
`jishi duties train`.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from jishi.duties.suggest import NgramModel, learn
from jishi.records.models import Visibility, WorkRecord

log = logging.getLogger(__name__)

UNIT_EXAMPLES = 3000  # the unit's newest records: enough for its jargon, a second or less to learn
VERSION = 2
SHARED = Q(
    withdrawn_at__isnull=True,
    duty__isnull=False,
    is_sensitive=False,
    visibility__in=[Visibility.PUBLIC, Visibility.INTERNAL, Visibility.UNIT],
)
PENDING_SECONDS = 60  # records filed within a minute of each other share one refresh


def _key(unit_id: int) -> str:
    return f"duties:ngram:v{VERSION}:{unit_id}"


def train_unit(unit_id: int) -> NgramModel:
    """Learn the unit's model from its newest shared records and keep it in the cache."""
    rows = (
        WorkRecord.objects.filter(SHARED, unit_id=unit_id)
        .order_by("-date", "-id")
        .values_list("content", "duty_id")[:UNIT_EXAMPLES]
    )
    model = learn(list(rows))
    cache.set(_key(unit_id), model, timeout=None)
    return model


def unit_model(unit_id: int) -> NgramModel:
    """The unit's model from the cache, learned now if the cache has none."""
    model = cache.get(_key(unit_id))
    return model if isinstance(model, NgramModel) else train_unit(unit_id)


def train_all() -> int:
    """Relearn every unit that has shared records under a duty; returns how many."""
    unit_ids = WorkRecord.objects.filter(SHARED).order_by().values_list("unit_id", flat=True).distinct()
    count = 0
    for unit_id in unit_ids:
        train_unit(unit_id)
        count += 1
    return count


def record_filed(*, record: WorkRecord, **_: object) -> None:
    """Hook record.created: ask the worker to relearn the record's unit (once a minute at most)."""
    if record.duty_id is None or record.is_sensitive or record.visibility == Visibility.SUPERIORS:
        return
    if not cache.add(f"duties:ngram:pending:{record.unit_id}", 1, timeout=PENDING_SECONDS):
        return
    unit_id = record.unit_id
    transaction.on_commit(lambda: _enqueue(unit_id))


def _enqueue(unit_id: int) -> None:
    from jishi.duties.tasks import refresh_unit_model

    try:
        refresh_unit_model.enqueue(unit_id=unit_id)
    except Exception:  # the record is filed; a stale model only lags (the command relearns everything)
        log.exception("could not enqueue the duty model refresh of unit %s", unit_id)
