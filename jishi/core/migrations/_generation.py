"""Triggers that give `core_cachegeneration` a new random value when a watched table changes (jishi.core.cache).

They write the row whether or not it is there (an upsert), so a table flush that removed it is mended by the next
change; until then jishi.core.cache keeps nothing.

Shared by the migrations that add watched tables; each passes the tables it adds, so an applied migration keeps
meaning what it meant.
"""

from collections.abc import Callable
from typing import Any

Watched = dict[str, tuple[str, ...]]  # table → the trigger events that matter ("INSERT", "UPDATE OF a, b", …)


def trigger_name(table: str, event: str) -> str:
    return f"core_generation_{table}_{event.split()[0].lower()}"


def installer(watched: Watched) -> Callable[[Any, Any], None]:
    def install(apps: Any, schema_editor: Any) -> None:
        postgresql = schema_editor.connection.vendor == "postgresql"
        if postgresql:
            schema_editor.execute(
                "CREATE OR REPLACE FUNCTION core_cachegeneration_renew() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN INSERT INTO core_cachegeneration (id, value) VALUES (1, (random() * 9007199254740991)::bigint) "
                "ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value; RETURN NULL; END $$"
            )
        for table, events in watched.items():
            for event in events:
                if postgresql:  # once per statement: a bulk load renews the value once
                    schema_editor.execute(
                        f"CREATE TRIGGER {trigger_name(table, event)} AFTER {event} ON {table} "
                        "FOR EACH STATEMENT EXECUTE FUNCTION core_cachegeneration_renew()"
                    )
                else:
                    schema_editor.execute(
                        f"CREATE TRIGGER {trigger_name(table, event)} AFTER {event} ON {table} "
                        "BEGIN REPLACE INTO core_cachegeneration (id, value) VALUES (1, random()); END"
                    )

    return install


def uninstaller(watched: Watched) -> Callable[[Any, Any], None]:
    def uninstall(apps: Any, schema_editor: Any) -> None:
        postgresql = schema_editor.connection.vendor == "postgresql"
        for table, events in watched.items():
            for event in events:
                on = f" ON {table}" if postgresql else ""
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger_name(table, event)}{on}")

    return uninstall
