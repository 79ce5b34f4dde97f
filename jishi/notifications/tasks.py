"""Background tasks of the inbox (django-tasks); arguments are ids and strings so any backend can store them."""

from __future__ import annotations

from django_tasks import task

from jishi.notifications import services


@task()
def deliver_notifications(
    *,
    recipient_ids: list[int],
    kind: str,
    actor_id: int | None,
    text: str,
    record_id: int | None = None,
    url: str = "",
    key: str = "",
) -> int:
    """Fan one notification out to inboxes and email."""
    return services.deliver(
        recipient_ids=recipient_ids,
        kind=kind,
        actor_id=actor_id,
        text=text,
        record_id=record_id,
        url=url,
        key=key,
    )
