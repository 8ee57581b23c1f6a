"""kyoso's mail through a real SMTP server (aiosmtpd), decoded as a mail client would."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django.test import override_settings

from kyoso.notify.email import send_email

pytestmark = pytest.mark.django_db


class Inbox:
    """What the SMTP server received, as parsed messages."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))  # type: ignore[attr-defined]
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))  # type: ignore[attr-defined]
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_a_verification_mail_reaches_a_real_smtp_server_in_readable_japanese(
    smtp_server: tuple[Inbox, int], django_capture_on_commit_callbacks: Callable
) -> None:
    inbox, port = smtp_server
    with (
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            DEFAULT_FROM_EMAIL="kyoso@kyoso.example.jp",
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        send_email(
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
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "久留米 花子 様" in body
    assert "http://127.0.0.1:8000/accounts/register/verify/tok-123/" in body
    assert "24時間有効" in body
