"""Encrypt the TOTP seeds stored in plain text (kyoso.core.crypto, key derived from the secret key).

Three steps: widen the column (a Fernet token is longer than the seed), encrypt every stored seed in
place, then hand the column to the encrypting field (no schema change). Reversible: going back decrypts
the seeds (with KYOSO_SECRET_KEY or a key in KYOSO_SECRET_KEY_FALLBACKS) into the old column.
"""

from django.db import migrations, models

import kyoso.core.crypto

PURPOSE = "kyoso.accounts.TOTPDevice.secret"


def encrypt_secrets(apps, schema_editor):
    # Here the historical field is a plain TextField: it reads and writes the column as it is.
    TOTPDevice = apps.get_model("accounts", "TOTPDevice")
    for device in TOTPDevice.objects.using(schema_editor.connection.alias).only("pk", "secret").iterator():
        encrypted = kyoso.core.crypto.encrypt(device.secret, purpose=PURPOSE)
        TOTPDevice.objects.using(schema_editor.connection.alias).filter(pk=device.pk).update(secret=encrypted)


def decrypt_secrets(apps, schema_editor):
    TOTPDevice = apps.get_model("accounts", "TOTPDevice")
    for device in TOTPDevice.objects.using(schema_editor.connection.alias).only("pk", "secret").iterator():
        plain = kyoso.core.crypto.decrypt(device.secret, purpose=PURPOSE)
        TOTPDevice.objects.using(schema_editor.connection.alias).filter(pk=device.pk).update(secret=plain)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(model_name="totpdevice", name="secret", field=models.TextField()),
        migrations.RunPython(encrypt_secrets, decrypt_secrets, elidable=False),
        migrations.AlterField(
            model_name="totpdevice",
            name="secret",
            field=kyoso.core.crypto.EncryptedTextField(purpose=PURPOSE),
        ),
    ]
