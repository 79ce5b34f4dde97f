"""What the record app announces (see jishi/core/hooks.py); the apps above it register their listeners from ready().

Each hook runs where the direct call it replaces ran: inside the write's transaction, at the same point of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jishi.core.hooks import hook

if TYPE_CHECKING:
    from django.db.models import Q

    from jishi.org.models import Person
    from jishi.records.models import WorkRecord


@hook("record.written")
def record_written(*, record: WorkRecord, new: bool) -> None:
    """A record's row (and its participants) was written or an addendum added, inside the write's transaction and
    before its version and audit event; `new` on creation — no addenda and nothing stored about it yet (search
    indexes it here, so a record and its search entry commit together)."""


@hook("record.created")
def record_created(*, record: WorkRecord, author: Person, ask_participants: bool) -> None:
    """A record was created and audited, at the end of its transaction. `ask_participants`: the record names
    colleagues with an account and is not itself a confirmation of theirs (notifications settles the author's
    reminder for the day; supervision asks the colleagues to confirm)."""


@hook("records.bulk_written")
def records_bulk_written(*, first: int, last: int) -> None:
    """A bulk write (an import) inserted the records with ids first..last, in its transaction — once per run of
    consecutive ids (search indexes them)."""


@hook("records.imported", required=True)
def records_imported(*, actor: Person, version_runs: list[tuple[int, int]]) -> None:
    """An import wrote the record versions with these id runs, in its transaction, before its audit event
    (integrity registers them as the import's load and seals them)."""


@hook("record.opened")
def record_opened(*, viewer: Any, record: WorkRecord) -> None:
    """Someone opened a record they may read (its page or the API detail), fetched through visible_to
    (supervision logs the view, once a day)."""


@hook("records.text_condition", single=True)
def records_text_condition(*, user: Any, text: str) -> Q:
    """The condition for the list filter `q` (records list, API list, exports): every word in what `user` may see.
    Exactly one app answers it (search, through its full-text index)."""
    raise NotImplementedError


@hook("page.home")
def page_home(*, user: Any) -> str | None:
    """Where `user`'s home page (今天, `/`) opens when they arrive: a listener returns a URL, or None to keep today's
    entry form (insights: a leader's or a unit head's dashboard). Asked once a sign-in, on a plain GET of the home
    page; after that, and with any query (`/?entry=1`), the home is the entry form, one tap away."""
    raise NotImplementedError
