"""The "we sent you a mail" pages tell a demo user where the mail went (/outbox/), only where it opens."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kyoso.accounts.tests.registration_support import make_directory, registration_data, submit_registration

pytestmark = pytest.mark.django_db

SENT_PAGES = ["/accounts/sign-in/link/sent/"]


@pytest.mark.parametrize("path", SENT_PAGES)
def test_with_the_outbox_on_the_page_links_to_it(client: Client, settings: Any, path: str) -> None:
    settings.KYOSO_OUTBOX = True
    body = client.get(path, REMOTE_ADDR="127.0.0.1").content.decode()
    assert "data-outbox-hint" in body
    assert 'href="/outbox/"' in body and "デモではメールは届きません" in body
    # And the link leads somewhere.
    assert client.get("/outbox/", REMOTE_ADDR="127.0.0.1").status_code == 200


@pytest.mark.parametrize("path", SENT_PAGES)
def test_without_the_outbox_nothing_is_said(client: Client, settings: Any, path: str) -> None:
    settings.KYOSO_OUTBOX = False
    body = client.get(path, REMOTE_ADDR="127.0.0.1").content.decode()
    assert "data-outbox-hint" not in body and "/outbox/" not in body


def test_a_browser_on_another_machine_is_not_sent_to_a_page_it_cannot_open(
    client: Client, settings: Any
) -> None:
    settings.KYOSO_OUTBOX = True
    body = client.get(SENT_PAGES[0], REMOTE_ADDR="192.0.2.10").content.decode()
    assert "data-outbox-hint" not in body


def test_the_registration_mail_sent_page_links_to_the_outbox(client: Client, settings: Any) -> None:
    settings.KYOSO_OUTBOX = True
    response = submit_registration(client, registration_data(make_directory()))
    page = client.get(response["Location"]) if response.status_code == 302 else response
    body = page.content.decode()
    assert "確認メールを送りました" in body
    assert "data-outbox-hint" in body and 'href="/outbox/"' in body
