"""The demo outbox: only in the embedded demo mode, only from this machine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kyoso.core.mail import queue_mail
from kyoso.core.models import Mail, MailStatus

pytestmark = pytest.mark.django_db

OUTBOX = "/outbox/"


@pytest.fixture
def a_sent_mail(settings: object, django_capture_on_commit_callbacks: Callable) -> None:
    settings.KYOSO_OUTBOX = True  # type: ignore[attr-defined]
    with django_capture_on_commit_callbacks(execute=True):
        queue_mail(
            to="hanako@city.kurume.fukuoka.jp",
            template="verify_application",
            context={
                "application": {"full_name": "久留米 花子"},
                "verify_url": "http://127.0.0.1:8000/accounts/register/verify/abc/",
                "hours": 24,
            },
        )


def test_sent_mail_is_kept_and_shown_newest_first_with_clickable_links(
    client: Client, a_sent_mail: None
) -> None:
    assert Mail.objects.filter(status=MailStatus.SENT).count() == 1
    body = client.get(OUTBOX).content.decode()
    assert "送信済みメール" in body
    assert "hanako@city.kurume.fukuoka.jp" in body
    assert "メールアドレスを確認してください" in body
    assert '<a href="http://127.0.0.1:8000/accounts/register/verify/abc/"' in body


def test_the_outbox_is_a_404_when_the_setting_is_off(
    client: Client, a_sent_mail: None, settings: object
) -> None:
    settings.KYOSO_OUTBOX = False  # type: ignore[attr-defined]
    assert client.get(OUTBOX).status_code == 404


@pytest.mark.parametrize("address", ["192.0.2.10", "10.0.0.5", "2001:db8::1", ""])
def test_the_outbox_is_a_404_for_any_other_machine(client: Client, a_sent_mail: None, address: str) -> None:
    response = client.get(OUTBOX, REMOTE_ADDR=address)
    assert response.status_code == 404
    assert "hanako" not in response.content.decode()


@pytest.mark.parametrize(
    "header",
    ["HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED"],
    ids=["x-forwarded-for", "x-real-ip", "forwarded"],
)
def test_the_outbox_is_a_404_through_a_reverse_proxy_on_this_machine(
    client: Client, a_sent_mail: None, header: str
) -> None:
    # nginx on the same machine makes every visitor look local; its headers say who they really are.
    forwarded: dict[str, Any] = {header: "192.0.2.10"}
    response = client.get(OUTBOX, REMOTE_ADDR="127.0.0.1", **forwarded)
    assert response.status_code == 404
    assert "hanako" not in response.content.decode()


def test_the_outbox_answers_on_ipv6_loopback_too(client: Client, a_sent_mail: None) -> None:
    assert client.get(OUTBOX, REMOTE_ADDR="::1").status_code == 200
