"""Background task of the portal (django-tasks): the publishing run, enqueued at most hourly after record writes
(publication.ask_for_run); `jishi portal publish` runs the same from cron."""

from __future__ import annotations

from django_tasks import task

from jishi.portal import publication


@task()
def publish_due_task() -> int:
    """Publish every record due today; returns how many were published."""
    return publication.publish_due()
