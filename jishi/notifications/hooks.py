"""What the inbox asks of the apps that notify through it (see jishi/core/hooks.py)."""

from __future__ import annotations

from jishi.core.hooks import hook


@hook("notification.quotes")
def notification_quotes(*, anchors: list[str]) -> dict[str, tuple[int, str]]:
    """The inbox is drawn: for the anchors its notifications point at ("comment-12", "inquiry-7",
    "inquiry-7-answer"), a listener returns {anchor: (record id, the item's current text)} for those it knows
    (supervision: comments and inquiries). The inbox quotes a text only where the record is the notification's and
    the reader may read that record's content now (the record's visibility and content rule, at display time)."""
    raise NotImplementedError
