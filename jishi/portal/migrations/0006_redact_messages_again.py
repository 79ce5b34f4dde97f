"""The public copies of citizens' messages and of the units' answers redacted again with the rules fixed after the
security review (as 0005 did for the publications): a message kept before the fix would otherwise show what the old
rules missed. Only rows whose public text changes are written."""

from django.db import migrations


def redact_again(apps, schema_editor):
    from jishi.portal.redaction import redact  # pure: no models

    Message = apps.get_model("portal", "Message")
    Answer = apps.get_model("portal", "Answer")
    Person = apps.get_model("org", "Person")
    if not Message.objects.exists():
        return
    officials = frozenset(name for name in Person.objects.values_list("full_name", flat=True) if name)
    for model in (Message, Answer):
        changed = []
        for pk, text, before in model.objects.order_by("id").values_list("id", "text", "text_public").iterator():
            after = redact(text, officials=officials).text
            if after != before:
                changed.append(model(pk=pk, text_public=after))
        model.objects.bulk_update(changed, ["text_public"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0005_redact_publications_again"),
    ]

    operations = [
        migrations.RunPython(redact_again, migrations.RunPython.noop),
    ]
