"""TOTP seeds are encrypted at rest with a key derived from the secret key, and survive its rotation."""

from __future__ import annotations

import logging
import time

import pyotp
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import RequestFactory, override_settings
from django.utils import timezone

from kyoso.accounts.actions import security
from kyoso.accounts.errors import CodeInvalid
from kyoso.accounts.models import TOTP_SECRET_PURPOSE, Member, TOTPDevice
from kyoso.core.crypto import UndecryptableValue, decrypt
from kyoso.testing.auth import totp_code
from kyoso.testing.factories import make_member

OLD_KEY = "old-" + "o1" * 30
NEW_KEY = "new-" + "n2" * 30


def stored_secret(device_pk: int) -> str:
    """The column as the database holds it, past the model field."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secret FROM {TOTPDevice._meta.db_table} WHERE id = %s", [device_pk])
        row = cursor.fetchone()
    return str(row[0])


def verify(member: Member, code: str) -> None:
    request = RequestFactory().post("/")
    request.session = {}  # type: ignore[assignment]
    security.verify_second_factor(request=request, member=member, code=code)
    assert request.session[security.SECOND_FACTOR_VERIFIED] is True


def enrolled(secret: str) -> tuple[Member, TOTPDevice]:
    member = make_member()
    device = TOTPDevice.objects.create(member=member, secret=secret, confirmed_at=timezone.now())
    return member, device


@pytest.mark.django_db
def test_the_stored_column_is_not_the_base32_secret_and_codes_still_verify() -> None:
    secret = pyotp.random_base32()
    member, device = enrolled(secret)
    stored = stored_secret(device.pk)
    assert secret not in stored and stored != secret
    assert TOTPDevice.objects.get(pk=device.pk).secret == secret
    verify(member, totp_code(secret))
    with pytest.raises(CodeInvalid):
        verify(member, totp_code(pyotp.random_base32()))


@pytest.mark.django_db
def test_a_secret_written_under_an_old_key_verifies_after_rotation_and_moves_to_the_new_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = pyotp.random_base32()
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        member, device = enrolled(secret)
        written_under_old_key = stored_secret(device.pk)
    # Without the old key in the fallbacks the seed cannot be read: it accepts no code (never passes for
    # another seed), the log says so, and the row can still be listed and reset by an operator.
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        with pytest.raises(UndecryptableValue, match="KYOSO_SECRET_KEY_FALLBACKS"):
            decrypt(written_under_old_key, purpose=TOTP_SECRET_PURPOSE)
        with caplog.at_level(logging.ERROR, logger="kyoso.core.crypto"):
            assert TOTPDevice.objects.get(pk=device.pk).secret is None
        assert "event=crypto.undecryptable" in caplog.text
        with pytest.raises(CodeInvalid):
            verify(member, totp_code(secret))
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        assert TOTPDevice.objects.get(pk=device.pk).secret == secret
        verify(member, totp_code(secret))
        assert stored_secret(device.pk) != written_under_old_key
    # The accepted code wrote the seed again under the new key: the old one is no longer needed.
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        assert TOTPDevice.objects.get(pk=device.pk).secret == secret
        verify(member, totp_code(secret, at=time.time() + 30))


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_plain_secrets_and_reverses() -> None:
    secret = pyotp.random_base32()
    member = make_member()
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0001_initial")])
    try:
        old_apps = executor.loader.project_state([("accounts", "0001_initial")]).apps
        old_device = old_apps.get_model("accounts", "TOTPDevice").objects.create(
            member_id=member.pk, secret=secret, confirmed_at=timezone.now()
        )
        assert stored_secret(old_device.pk) == secret
        executor = MigrationExecutor(connection)
        executor.migrate([("accounts", "0002_encrypt_totp_secrets")])
        assert secret not in stored_secret(old_device.pk)
        assert TOTPDevice.objects.get(pk=old_device.pk).secret == secret
        verify(Member.objects.get(pk=member.pk), totp_code(secret))
        executor = MigrationExecutor(connection)
        executor.migrate([("accounts", "0001_initial")])
        assert stored_secret(old_device.pk) == secret
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_recovery_codes_and_links_made_before_a_rotation_still_work_with_the_old_key_as_fallback() -> None:
    from kyoso.accounts.errors import LinkInvalid
    from kyoso.accounts.links import issue_link, peek_link
    from kyoso.accounts.models import LinkPurpose

    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        member, _device = enrolled(pyotp.random_base32())
        codes = security.regenerate_recovery_codes(member=member)
        token = issue_link(purpose=LinkPurpose.SIGN_IN, email=member.email, member=member)
    # Rotated with the old key dropped at once: neither opens (the digests are keyed).
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        with pytest.raises(CodeInvalid):
            verify(member, codes[0])
        with pytest.raises(LinkInvalid):
            peek_link(token, LinkPurpose.SIGN_IN)
    # Rotated as documented, the old key kept as a fallback: both still open.
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        verify(member, codes[0])
        assert peek_link(token, LinkPurpose.SIGN_IN).member_id == member.pk
        with pytest.raises(CodeInvalid):  # a used code stays used
            verify(member, codes[0])
