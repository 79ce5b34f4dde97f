"""The demo's citizens' messages: on leaders' live records, moderated and answered through the portal's services."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from jishi.core.models import AuditEvent
from jishi.demo.feedback import seed_feedback
from jishi.portal import feedback
from jishi.portal.models import Message, ModerationDecision, Publication
from jishi.records.models import Visibility
from jishi.testing import Org, write_record


def test_seeded_messages_are_moderated_and_some_answered(org: Org) -> None:
    publications = []
    for hour in range(8, 18):
        record = write_record(
            org.unit_head,
            visibility=Visibility.PUBLIC,
            start_time=datetime.time(hour, 0),
            end_time=datetime.time(hour, 30),
        )
        publications.append(
            Publication.objects.create(
                record=record,
                unit=record.unit,
                department=record.department,
                author=record.author,
                date=record.date,
                author_name=record.author.full_name,
                post_title="局长",
                is_leader=True,
                content_redacted=record.content,
                published_at=timezone.now() - datetime.timedelta(days=1),
            )
        )
    seeded = seed_feedback(rng=random.Random(1))
    assert seeded.messages == Message.objects.count() >= 10
    assert 0 < seeded.answered < seeded.messages
    assert ModerationDecision.objects.filter(decision="spam").exists()
    assert AuditEvent.objects.filter(verb="portal.message_answered").count() == seeded.answered
    shown = feedback.public_messages(unit=org.finance)
    assert shown.count() == seeded.answered
