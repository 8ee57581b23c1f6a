# The demo outbox moves to kyoso.core's Mail rows (every mail, with its status): copy, then drop.

from django.db import migrations


def copy_to_core_mail(apps, schema_editor):
    OutboxEmail = apps.get_model("notify", "OutboxEmail")
    Mail = apps.get_model("core", "Mail")
    Mail.objects.bulk_create(
        Mail(
            to=old.to,
            template="",
            subject=old.subject,
            body=old.body,
            status="sent",
            attempts=1,
            created_at=old.sent_at,
            next_attempt_at=old.sent_at,
            sent_at=old.sent_at,
        )
        for old in OutboxEmail.objects.iterator()
    )


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        ('notify', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(copy_to_core_mail, migrations.RunPython.noop),
        migrations.DeleteModel(
            name='OutboxEmail',
        ),
    ]
