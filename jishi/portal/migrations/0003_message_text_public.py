"""Message.text_public: what the portal shows of a message, redacted like a published record; filled for the messages
already kept."""

from django.db import migrations, models


def redact_existing(apps, schema_editor):
    from jishi.portal.redaction import redact  # pure: no models

    Message = apps.get_model("portal", "Message")
    Person = apps.get_model("org", "Person")
    if not Message.objects.exists():
        return
    officials = frozenset(name for name in Person.objects.values_list("full_name", flat=True) if name)
    for message in Message.objects.only("id", "text").iterator():
        Message.objects.filter(pk=message.pk).update(text_public=redact(message.text, officials=officials).text)


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0005_role_publisher"),
        ("portal", "0002_messages"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="text_public",
            field=models.TextField(blank=True, editable=False, verbose_name="公开文本（已脱敏）"),
        ),
        migrations.RunPython(redact_existing, migrations.RunPython.noop),
    ]
