"""Test support for the public pages (P-pages): publications made directly, as P-pub's publish_due would."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from jishi.org.models import Person
from jishi.portal import cache
from jishi.portal.models import Publication
from jishi.records.models import Visibility, WorkRecord
from jishi.testing import write_record


def publish(
    record: WorkRecord,
    *,
    content: str | None = None,
    result: str | None = None,
    is_leader: bool = False,
    post_title: str = "科员",
    published_at: datetime.datetime | None = None,
    redactions: dict[str, int] | None = None,
) -> Publication:
    """A Publication of `record` (its text taken as already redacted unless given)."""
    publication = Publication.objects.create(
        record=record,
        unit=record.unit,
        department=record.department,
        author=record.author,
        date=record.date,
        author_name=record.author.full_name,
        post_title=post_title,
        is_leader=is_leader,
        content_redacted=record.content if content is None else content,
        result_redacted=record.result if result is None else result,
        redactions=redactions or {},
        published_at=published_at or timezone.now() - datetime.timedelta(minutes=1),
    )
    cache.bump()
    return publication


def public_record(author: Person, **overrides: Any) -> WorkRecord:
    """A record its author marked 公开."""
    overrides.setdefault("visibility", Visibility.PUBLIC)
    # A duration without times: any number of records a day, none overlapping another.
    overrides.setdefault("start_time", None)
    overrides.setdefault("end_time", None)
    overrides.setdefault("duration_minutes", 30)
    return write_record(author, **overrides)
