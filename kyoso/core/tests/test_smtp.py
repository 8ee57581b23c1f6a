"""kyoso's mail through a real SMTP server (aiosmtpd), decoded as a mail client would."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.db import transaction
from django.test import override_settings

from kyoso.core.mail import queue_mail
from kyoso.core.models import Mail, MailStatus
from kyoso.core.tests.smtp import Inbox, smtp_server, smtp_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    inbox = Inbox()
    with smtp_server(inbox) as port, override_settings(**smtp_settings(port)):
        yield inbox


def test_a_verification_mail_reaches_a_real_smtp_server_in_readable_japanese(
    inbox: Inbox, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        queued = queue_mail(
            to="hanako@city.kurume.fukuoka.jp",
            template="verify_application",
            context={
                "application": {"full_name": "久留米 花子"},
                "verify_url": "http://127.0.0.1:8000/accounts/register/verify/tok-123/",
                "hours": 24,
            },
            language="ja",
        )

    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert inbox.envelopes == [("kyoso@kyoso.example.jp", ["hanako@city.kurume.fukuoka.jp"])]
    assert message["To"] == "hanako@city.kurume.fukuoka.jp"
    # Python folds a long encoded subject onto the next line; mail clients drop the fold's space.
    assert str(message["Subject"]).strip() == "【kyoso】参加登録のメールアドレスを確認してください"
    plain = message.get_body(preferencelist=("plain",))
    assert plain is not None
    body = plain.get_content()
    assert "久留米 花子 様" in body
    assert "http://127.0.0.1:8000/accounts/register/verify/tok-123/" in body
    assert "24時間有効" in body
    queued.refresh_from_db()
    assert message["Message-ID"] == queued.message_id
    assert (queued.status, queued.attempts) == (MailStatus.SENT, 1)


class RolledBack(Exception):
    pass


def test_nothing_is_sent_or_kept_for_a_change_that_was_rolled_back(
    inbox: Inbox, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RolledBack), transaction.atomic():
        queue_mail(to="a@city.kurume.fukuoka.jp", template="security_password_changed", context={})
        raise RolledBack
    assert inbox.messages == []
    assert not Mail.objects.exists()
