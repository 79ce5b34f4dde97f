"""A demo record's words say what duty it serves (issue 19): the duty is chosen first and the content written from
that duty's words, so a duty suggester learned on one seed's records works on another seed's."""

from __future__ import annotations

import pytest
from django.db import transaction

from jishi.demo import vocabulary as V
from jishi.demo.world import build_world, manifest
from jishi.duties.suggest import CatalogueIndex, DutyText, History, learn, rank
from jishi.duties.text import base_title
from jishi.org.models import Duty, Person
from jishi.org.selectors import duties_for
from jishi.records.models import WorkRecord

pytestmark = pytest.mark.django_db


def test_every_duty_of_the_demo_has_words_of_its_own() -> None:
    titles = [t for titles in V.DUTIES.values() for t in titles]
    assert set(V.DUTY_TOPICS) == set(titles)
    assert all(len(V.DUTY_TOPICS[t]) >= 5 for t in titles)


def test_a_records_topic_comes_from_its_duty_and_a_copy_keeps_its_duty() -> None:
    build_world(scale="tiny", seed=7)
    rows = list(
        WorkRecord.objects.filter(duty__isnull=False).values_list("id", "author_id", "content", "duty__title", "date")
    )
    with_words = sum(any(t in content for t in V.DUTY_TOPICS[base_title(title)]) for _, _, content, title, _ in rows)
    assert with_words / len(rows) >= 0.8  # the rest reads like any work of the domain
    # Copy-paste repeats the record before it, duty and all.
    copied = set(manifest()["planted_near_duplicates"]["record_ids"])
    earlier = {(author, content): title for pk, author, content, title, _ in sorted(rows, key=lambda r: (r[4], r[0]))}
    for pk, author, content, title, _ in rows:
        if pk in copied:
            assert earlier[(author, content)] == title


def _work(duty: Duty) -> tuple[str, str]:
    """The same work in every seed: the department's code and the title without a section's name."""
    return (duty.unit.department.code if duty.unit.department else duty.unit.code), base_title(duty.title)


def test_a_model_learned_on_one_seed_suggests_the_duties_of_another() -> None:
    labels: dict[tuple[str, str], int] = {}
    with transaction.atomic():  # seed 7: learn each unit's model, then forget the world
        build_world(scale="tiny", seed=7)
        examples: dict[str, list[tuple[str, int]]] = {}
        for record in WorkRecord.objects.filter(duty__isnull=False, is_sensitive=False).select_related(
            "unit", "duty__unit__department"
        ):
            label = labels.setdefault(_work(record.duty), len(labels) + 1)  # type: ignore[arg-type]
            examples.setdefault(record.unit.code, []).append((record.content, label))
        transaction.set_rollback(True)
    models = {unit: learn(rows) for unit, rows in examples.items()}

    build_world(scale="tiny", seed=8)
    index = CatalogueIndex(Duty.objects.values_list("title", "description").distinct())
    right = total = 0
    records = WorkRecord.objects.filter(duty__isnull=False).select_related("unit", "author", "duty__unit__department")
    for record in records.order_by("id")[:300]:
        candidates = [
            DutyText(labels.setdefault(_work(d), len(labels) + 1), d.code, d.title, d.description)
            for d in duties_for(record.author, record.date)
        ]
        if len({c.id for c in candidates}) < 3:
            continue
        model = models.get(record.unit.code)
        history = History(index, [], [model] if model else [])
        ranked = rank(index, record.content, candidates, past=history)
        assert len(ranked) == 3
        total += 1
        right += labels[_work(record.duty)] in [r.duty.id for r in ranked]  # type: ignore[arg-type]
    assert total > 100 and right / total >= 0.9, (right, total)


def test_the_demo_logins_still_have_duties_to_file_under() -> None:
    build_world(scale="tiny", seed=7)
    staff = Person.objects.get(username="staff")
    assert WorkRecord.objects.filter(author=staff, duty__isnull=False).exists()
