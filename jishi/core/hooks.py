"""Hooks: a lower app announces what happened; higher apps say, from `AppConfig.ready()`, what to do about it.

The apps form layers (core < org < accounts < records < integrity, search, supervision, …), and a lower one never
imports a higher one. Where a write in a lower app needs work that belongs to a higher one — index the record, seal
the audit event, remind or notify someone — the lower app declares a hook and runs it; the higher app registers a
listener. Like Wagtail's `hooks`, but each hook is declared once, by the app that runs it, from a prototype function
whose signature every listener shares and whose docstring says when it runs::

    # jishi/records/hooks.py (the announcing app)
    @hook("record.created")
    def record_created(*, record: WorkRecord, author: Person) -> None:
        \"\"\"A record was created, inside its transaction.\"\"\"

    # jishi/search/apps.py (a listening app)
    def ready(self) -> None:
        record_created.register(search_listeners.index_created)

    # jishi/records/services.py
    record_created.run(record=record, author=author)

Listeners run in the caller's place — inside its transaction if it has one, in the order given by `order` (then
registration order); what must wait for the commit says so itself with `transaction.on_commit`. An exception in a
listener propagates to the caller, as a direct call's would. The hooks declared are listed in docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec

P = ParamSpec("P")

_declared: dict[str, Hook[Any]] = {}


class Hook(Generic[P]):
    """One named hook: the listeners registered for it, and the signature (`P`) they are called with."""

    def __init__(self, name: str, doc: str = "", *, required: bool = False, single: bool = False) -> None:
        if name in _declared:
            raise ValueError(f"hook {name!r} is declared twice")
        self.name = name
        self.__doc__ = doc
        # Checked at start-up (jishi.core.checks.hooks_answered): `required`, at least one listener — the work is not
        # optional (sealing the chain); `single`, exactly one — a hook that asks for a value rather than announces.
        self.required = required or single
        self.single = single
        self._listeners: list[tuple[int, int, Callable[P, Any]]] = []
        _declared[name] = self

    def register(self, fn: Callable[P, Any], *, order: int = 0) -> Callable[P, Any]:
        """Add `fn` (once: registering it again changes nothing, so a repeated `ready()` is harmless); returns it,
        so that it can serve as a decorator. Lower `order` runs first."""
        if all(listener is not fn for _, _, listener in self._listeners):
            self._listeners.append((order, len(self._listeners), fn))
            self._listeners.sort(key=lambda entry: entry[:2])
        return fn

    def unregister(self, fn: Callable[P, Any]) -> None:
        """Remove `fn` if registered (for tests that register a listener of their own)."""
        self._listeners = [entry for entry in self._listeners if entry[2] is not fn]

    @property
    def listeners(self) -> list[Callable[P, Any]]:
        return [listener for _, _, listener in self._listeners]

    def run(self, *args: P.args, **kwargs: P.kwargs) -> list[Any]:
        """Call every listener with these arguments, in order; their return values, in the same order."""
        return [listener(*args, **kwargs) for _, _, listener in self._listeners]

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._listeners)} listener(s)>"


def hook(name: str, *, required: bool = False, single: bool = False) -> Callable[[Callable[P, Any]], Hook[P]]:
    """Declare a hook from a prototype function: its signature is the listeners', its docstring the hook's."""

    def declare(prototype: Callable[P, Any]) -> Hook[P]:
        return Hook(name, prototype.__doc__ or "", required=required, single=single)

    return declare


def declared() -> dict[str, Hook[Any]]:
    """Every hook declared so far (by the modules imported so far), by name."""
    return dict(_declared)


# core's own hooks ---------------------------------------------------------------------------------------------------


@hook("audit.written", required=True)
def audit_written(*, actor_id: int | None, instances: list[Any]) -> None:
    """An audit event was written, inside the action's transaction; `instances` are the append-only history rows the
    action wrote and the event itself, last (integrity seals them into the actor's chain)."""


@hook("page.header")
def page_header(*, user: Any) -> dict[str, Any]:
    """The page header ({% page_header %}, core/_header.html) is drawn for a signed-in `user`: each listener returns
    context the header template uses (notifications: `inbox_link`; supervision: `overview_href`)."""
    raise NotImplementedError


@dataclass(frozen=True)
class MenuEntry:
    """One link of the header's main menu, offered by the app it leads to (hook page.menu)."""

    key: str
    label: Any  # a lazy translation: drawn in the reader's language
    url_name: str
    order: int  # left to right
    current: tuple[str, ...] = ()  # namespaced view names ("records:today") or whole namespaces ("tasks:*") it marks
    shown_to: Callable[[Any], bool] | None = None  # whether a signed-in user gets it (None: everyone; insights' 看板)


@hook("page.menu")
def page_menu() -> list[MenuEntry]:
    """The header's main menu is drawn: each listener returns the entries its app offers (records, feeds,
    supervision, search, tasks), so core's header names no app."""
    raise NotImplementedError
