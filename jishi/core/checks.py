"""System checks: the database triggers the worker caches depend on are in place (jishi.core.cache); the hooks that
need a listener have one (jishi.core.hooks)."""

from __future__ import annotations

import importlib
from typing import Any

from django.core.checks import Error, Tags, Warning, register
from django.db import connections

from jishi.core.hooks import declared
from jishi.core.migrations._generation import trigger_name

# The migrations that install triggers, each with its own WATCHED tables.
TRIGGER_MIGRATIONS = ("0004_cache_generation", "0005_watch_absences", "0006_watch_duties")


def expected_triggers() -> set[str]:
    names: set[str] = set()
    for migration in TRIGGER_MIGRATIONS:
        watched = importlib.import_module(f"jishi.core.migrations.{migration}").WATCHED
        names |= {trigger_name(table, event) for table, events in watched.items() for event in events}
    return names


@register(Tags.database)
def cache_triggers(app_configs: Any, databases: list[str] | None = None, **kwargs: Any) -> list[Warning]:
    """A table rebuilt outside Jishi's migrations (SQLite drops a table's triggers when it remakes it) would leave
    the caches blind to its changes: say so, on `jishi check --database default` and before `jishi migrate`."""
    problems: list[Warning] = []
    for alias in databases or []:
        connection = connections[alias]
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
            if "core_cachegeneration" not in tables:
                continue  # not migrated yet
            cursor.execute("SELECT name FROM django_migrations WHERE app = 'core'")
            applied = {name for (name,) in cursor.fetchall()}
            if connection.vendor == "postgresql":
                cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'core_generation_%%'")
            else:
                cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            installed = {name for (name,) in cursor.fetchall()}
        if not set(TRIGGER_MIGRATIONS) <= applied:
            continue  # `migrate` is about to install them
        missing = sorted(expected_triggers() - installed)
        if missing:
            problems.append(
                Warning(
                    f"缓存失效触发器缺失：{', '.join(missing)}。这些表的改动不会刷新各进程的缓存（可见范围可能过期）。",
                    hint="重新创建触发器：jishi migrate core 0003 后再 jishi migrate（或联系开发人员）。",
                    id="jishi.W001",
                )
            )
    return problems


@register()
def hooks_answered(app_configs: Any, **kwargs: Any) -> list[Error]:
    """A hook whose work is not optional (sealing audit events and imports into the chain) or that asks for one answer
    (the records list's text search) must have its listeners, registered by the apps' ready(): without them Jishi
    would write rows the chain never seals, or filter lists by nothing. Fail at start-up instead."""
    errors: list[Error] = []
    for name, hook in sorted(declared().items()):
        count = len(hook.listeners)
        if hook.single and count != 1:
            errors.append(
                Error(f"hook {name} needs exactly one listener, has {count}", hint=hook.__doc__, id="jishi.E001")
            )
        elif hook.required and count == 0:
            errors.append(Error(f"hook {name} has no listener", hint=hook.__doc__, id="jishi.E002"))
    return errors
