"""Superusers made with `jishi createsuperuser` before it gave the administrator role become Jishi administrators.

They were refused by 系统管理 and by `jishi import --by`, had no name, and could not repair themselves. Each gets the
administrator role grant, its username as its name if it had none, and — when it holds no post — no filing
obligation. Nothing else changes; a superuser who already has the role is left as it is.
"""

import datetime
from typing import Any

from django.db import migrations


def promote(apps: Any, schema_editor: Any) -> None:
    alias = schema_editor.connection.alias
    Person = apps.get_model("org", "Person")
    RoleGrant = apps.get_model("org", "RoleGrant")
    Assignment = apps.get_model("org", "Assignment")
    granted = set(RoleGrant.objects.using(alias).filter(role="admin").values_list("person_id", flat=True))
    posted = set(Assignment.objects.using(alias).values_list("person_id", flat=True))
    for person in Person.objects.using(alias).filter(is_superuser=True).exclude(pk__in=granted):
        RoleGrant.objects.using(alias).create(
            person=person, role="admin", granted_on=datetime.date.today(), note="由超级用户转为系统管理员（升级）"
        )
        if not person.full_name.strip():
            person.full_name = person.username
            person.name_pinyin = person.username.lower()[:120]  # found by the people search under that name
        if person.pk not in posted:
            person.filing_obligation = "optional"
        person.save(update_fields=["full_name", "name_pinyin", "filing_obligation"])


class Migration(migrations.Migration):
    dependencies = [("org", "0003_person_manager")]

    operations = [migrations.RunPython(promote, migrations.RunPython.noop)]
