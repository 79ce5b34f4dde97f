"""Unit paths become the tree's sort key: 排序, the name's first characters and the id as fixed-width digits.

The unpadded "/1/10/" sorted before "/1/2/" and ignored 排序. Every stored path is rewritten from the root down; the
segment function is copied here (not imported) so this migration keeps meaning what it meant.
"""

from typing import Any

from django.db import migrations, models

from jishi.core.migrations._generation import installer, uninstaller

NAME_CHARS = 8
UNIT_EVENTS = {"org_unit": ("INSERT", "UPDATE", "DELETE")}  # as core 0004 watches it


def segment(sort_order: int, name: str, pk: int) -> str:
    name_key = "".join(f"{min(ord(c), 99_999):05d}" for c in name[:NAME_CHARS])
    return f"{sort_order:010d}{name_key.ljust(5 * NAME_CHARS, '0')}{pk:010d}/"


def old_segment(sort_order: int, name: str, pk: int) -> str:
    return f"{pk}/"


def rewrite(make: Any) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        Unit = apps.get_model("org", "Unit")
        children: dict[int | None, list[Any]] = {}
        for unit in Unit.objects.using(schema_editor.connection.alias).only("id", "parent_id", "name", "sort_order"):
            children.setdefault(unit.parent_id, []).append(unit)
        changed = []
        level = [("/", unit) for unit in children.get(None, [])]
        while level:
            below = []
            for parent_path, unit in level:
                unit.path = parent_path + make(unit.sort_order, unit.name, unit.pk)
                changed.append(unit)
                below += [(unit.path, child) for child in children.get(unit.pk, [])]
            level = below
        Unit.objects.using(schema_editor.connection.alias).bulk_update(changed, ["path"], batch_size=500)

    return run


def reinstall_sqlite_triggers(apps: Any, schema_editor: Any) -> None:
    """SQLite remakes the table to change a column and drops its triggers with it (jishi.W001): put them back."""
    if schema_editor.connection.vendor == "sqlite":
        uninstaller(UNIT_EVENTS)(apps, schema_editor)
        installer(UNIT_EVENTS)(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial"), ("core", "0006_watch_duties")]

    operations = [
        migrations.AlterModelOptions(
            name="unit",
            options={"ordering": ["path"], "verbose_name": "单位", "verbose_name_plural": "单位"},
        ),
        migrations.RunPython(migrations.RunPython.noop, reinstall_sqlite_triggers),  # after the reverse AlterField
        migrations.AlterField(
            model_name="unit",
            name="path",
            field=models.CharField(db_index=True, default="", editable=False, max_length=800),
        ),
        migrations.RunPython(reinstall_sqlite_triggers, migrations.RunPython.noop),
        migrations.RunPython(rewrite(segment), rewrite(old_segment)),
    ]
