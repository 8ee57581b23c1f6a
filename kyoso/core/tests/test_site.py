"""The site's address follows the port `kyoso serve` runs on in development; a configured
KYOSO_SITE_URL, and production, are left alone."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from kyoso.accounts.actions.security import request_sign_in_link
from kyoso.core.models import Mail
from kyoso.core.site import local_url, served_site_url
from kyoso.testing.factories import make_member
from kyoso.web.management.commands.serve import Command as ServeCommand

pytestmark = pytest.mark.django_db


@pytest.fixture
def unset_site_url(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[None]:
    """No KYOSO_SITE_URL in the environment (as in a fresh checkout); restored afterwards."""
    # setenv first, so that monkeypatch remembers the original state and puts it back after the test.
    monkeypatch.setenv("KYOSO_SITE_URL", "placeholder")
    monkeypatch.delenv("KYOSO_SITE_URL")
    settings.PRODUCTION = False
    settings.KYOSO_SITE_URL = "http://127.0.0.1:8000"
    cache.clear()
    yield
    cache.clear()


def serve_without_serving(monkeypatch: pytest.MonkeyPatch, *, host: str, port: int) -> dict[str, str]:
    """Run `kyoso serve`'s start-up with uvicorn and the worker replaced; what they would have seen."""
    seen: dict[str, str] = {}

    def fake_serve(self: ServeCommand, uvicorn: object, host: str, port: int, options: object) -> None:
        from django.conf import settings

        seen["settings"] = settings.KYOSO_SITE_URL
        seen["environment"] = os.environ.get("KYOSO_SITE_URL", "")

    monkeypatch.setattr(ServeCommand, "serve", fake_serve)
    ServeCommand().handle(host=host, port=port, workers=1, reload=False, no_migrate=True, no_worker=True)
    return seen


@pytest.mark.usefixtures("unset_site_url")
def test_serve_on_another_port_puts_that_port_in_the_links_of_the_mails_it_sends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = serve_without_serving(monkeypatch, host="127.0.0.1", port=8123)
    # The server process, and the worker it starts (which inherits the environment), agree.
    assert seen == {"settings": "http://127.0.0.1:8123", "environment": "http://127.0.0.1:8123"}

    member = make_member(email="hanako@city.kurume.lg.jp")
    request_sign_in_link(email=member.email, ip="192.0.2.1")
    body = Mail.objects.get(to=member.email).body
    assert "http://127.0.0.1:8123/accounts/sign-in/link/" in body
    assert ":8000" not in body


@pytest.mark.usefixtures("unset_site_url")
def test_serving_on_every_interface_links_to_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    every_interface = "0.0.0.0"  # noqa: S104 - only printed, never bound
    seen = serve_without_serving(monkeypatch, host=every_interface, port=9000)
    assert seen["settings"] == "http://127.0.0.1:9000"


def test_a_configured_site_url_is_kept(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    monkeypatch.setenv("KYOSO_SITE_URL", "https://kyoso.example.lg.jp")
    settings.KYOSO_SITE_URL = "https://kyoso.example.lg.jp"
    seen = serve_without_serving(monkeypatch, host="127.0.0.1", port=8123)
    assert seen == {"settings": "https://kyoso.example.lg.jp", "environment": "https://kyoso.example.lg.jp"}


@pytest.mark.usefixtures("unset_site_url")
def test_production_never_takes_the_address_from_the_port(settings: Any) -> None:
    settings.PRODUCTION = True
    settings.KYOSO_SITE_URL = "https://kyoso.example.lg.jp"
    assert served_site_url("127.0.0.1", 8123) == "https://kyoso.example.lg.jp"


def test_local_url_brackets_ipv6_and_names_this_machine_for_any_address() -> None:
    assert local_url("::1", 8123) == "http://[::1]:8123"
    assert local_url("", 8000) == "http://127.0.0.1:8000"
    assert local_url("localhost", 8001) == "http://localhost:8001"
