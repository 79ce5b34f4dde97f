import pytest

from jishi.notifications.models import Kind, Notification
from jishi.org.models import Person


def make_notifications(
    recipient: Person, count: int, *, actor: Person | None = None, url: str = ""
) -> list[Notification]:
    """Inbox rows written directly: the inbox's tests need rows, not the fan-out."""
    return Notification.objects.bulk_create(
        Notification(recipient=recipient, kind=Kind.MENTION, actor=actor, text=f"第{n}条通知", url=url)
        for n in range(count)
    )


@pytest.fixture
def notifications():
    return make_notifications
