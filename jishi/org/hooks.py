"""What the organisation app asks of the apps above it (see jishi/core/hooks.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jishi.core.hooks import hook

if TYPE_CHECKING:
    from django.db.models import Q

    from jishi.org.models import Person


@hook("people.worked_with")
def people_worked_with(*, person: Person) -> Q:
    """A condition on Person: the people `person` has lately worked with (records: named together on a record), whom
    the people autocomplete ranks after the person's own section and before everyone else. Kept a condition, not a
    list, so that the ranking stays one query."""
    raise NotImplementedError
