"""The demo layer: believable, classified by the same rule, respectful of visibility."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from jishi.records.models import Visibility
from jishi.supervision import demo, rules
from jishi.supervision.models import Comment, CommentVersion, RecordView
from jishi.testing import Org, write_record

pytestmark = pytest.mark.django_db


def test_the_demo_layer_adds_supervision_set_based(org: Org) -> None:
    people = [org.author, org.colleague, org.sibling, org.unrelated, org.section_head, org.district_deputy]
    for person in people:
        for hour in range(8, 17):
            write_record(
                person,
                start_time=timezone.datetime(2020, 1, 1, hour).time(),
                end_time=timezone.datetime(2020, 1, 1, hour, 50).time(),
                visibility=Visibility.SUPERIORS if hour == 8 else Visibility.INTERNAL,
                participant_ids=[org.colleague.pk] if person == org.author and hour == 9 else [],
            )
    report = demo.seed(rng=random.Random(1), until=timezone.localdate(), days=3, views_per_record=3)
    assert report.views > 0 and RecordView.objects.count() == report.views
    assert CommentVersion.objects.count() == Comment.objects.count() == report.comments
    for view in RecordView.objects.select_related("record__unit")[:50]:
        assert view.viewer_id != view.record.author_id
        assert view.record.visibility != Visibility.SUPERIORS  # nobody outside the circle opens it
        expected = rules.classify_act(actor_id=view.viewer_id, record=view.record, day=timezone.localdate())
        assert view.dimension == expected.dimension
        assert (view.record_date, view.record_department_id) == (view.record.date, view.record.department_id)
