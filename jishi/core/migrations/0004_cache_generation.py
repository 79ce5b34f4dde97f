"""The cache generation row and the triggers that renew it whenever reference data changes (jishi.core.cache)."""

import secrets
from typing import Any

from django.db import migrations, models

from jishi.core.migrations._generation import installer, uninstaller

# The tables every request's identity and visibility are computed from, with the events that matter.
WATCHED: dict[str, tuple[str, ...]] = {
    "org_unit": ("INSERT", "UPDATE", "DELETE"),
    "org_position": ("INSERT", "UPDATE", "DELETE"),
    "org_position_in_charge_of": ("INSERT", "UPDATE", "DELETE"),
    "org_assignment": ("INSERT", "UPDATE", "DELETE"),
    "org_rolegrant": ("INSERT", "UPDATE", "DELETE"),
    "org_rolegrant_units": ("INSERT", "UPDATE", "DELETE"),
    "org_calendaroverride": ("INSERT", "UPDATE", "DELETE"),
    "records_category": ("INSERT", "UPDATE", "DELETE"),
    # A login writes last_login only: it must not empty every worker's caches. A new person or token is a cache miss.
    "org_person": (
        "UPDATE OF password, username, full_name, email, is_active, is_superuser, is_staff, category, "
        "filing_obligation, is_district_cadre, employee_number",
        "DELETE",
    ),
    "accounts_apitoken": ("UPDATE", "DELETE"),
}


install_triggers = installer(WATCHED)
uninstall_triggers = uninstaller(WATCHED)


def install(apps: Any, schema_editor: Any) -> None:
    install_triggers(apps, schema_editor)
    # A random start, like every later value: two databases never share a generation by chance.
    apps.get_model("core", "CacheGeneration").objects.create(id=1, value=secrets.randbits(62))


def uninstall(apps: Any, schema_editor: Any) -> None:
    uninstall_triggers(apps, schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS core_cachegeneration_renew()")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_readable_json"),
        ("org", "0001_initial"),
        ("accounts", "0002_initial"),
        ("records", "0005_record_withdrawal"),
    ]

    operations = [
        migrations.CreateModel(
            name="CacheGeneration",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "缓存代次", "verbose_name_plural": "缓存代次"},
        ),
        migrations.RunPython(install, uninstall),
    ]
