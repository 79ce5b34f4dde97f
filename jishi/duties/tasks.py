"""Background tasks of duty suggestion (django-tasks); arguments are ids so any backend can store them."""

from __future__ import annotations

from django_tasks import task

from jishi.duties import training


@task()
def refresh_unit_model(*, unit_id: int) -> int:
    """Relearn one unit's n-gram model from its records; returns the number of duties it knows."""
    return len(training.train_unit(unit_id).counts)
