"""Attachments stored before 0007 under `attachments/YYYY/MM/<uploader's name>` move to random names too.

Each file is hard-linked (or, on a storage without paths, copied) to its new name and the row updated; the old names
are removed only once the migration's transaction has committed, so a failed migration leaves every row pointing at a
file that exists.
"""

import os
import re
import uuid

from django.db import migrations, transaction

RANDOM_NAME = re.compile(r"attachments/[0-9a-f]{32}")


def rename_stored_files(apps, schema_editor):
    Attachment = apps.get_model("records", "Attachment")
    storage = Attachment._meta.get_field("file").storage
    moved = []
    for attachment in Attachment.objects.only("id", "file").order_by("id").iterator():
        old = attachment.file.name
        if RANDOM_NAME.fullmatch(old) or not storage.exists(old):
            continue
        new = f"attachments/{uuid.uuid4().hex}"
        try:
            os.makedirs(os.path.dirname(storage.path(new)), exist_ok=True)
            os.link(storage.path(old), storage.path(new))
        except (NotImplementedError, OSError):
            with storage.open(old, "rb") as source:
                new = storage.save(new, source)
        Attachment.objects.filter(pk=attachment.pk).update(file=new)
        moved.append(old)
    transaction.on_commit(lambda: [storage.delete(name) for name in moved])


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0008_record_legacy_content"),
    ]

    operations = [
        migrations.RunPython(rename_stored_files, migrations.RunPython.noop),
    ]
