"""Shared test fixtures: real services (PostgreSQL, Redis, Chromium) or a clear skip.

The same suite runs on a laptop without those services (the tests that need them skip and say
why) and in CI, where KYOSO_REQUIRE_SERVICES=1 turns every such skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

# Tests never touch the developer's var/ (database, secret key, media).
os.environ.setdefault("KYOSO_VAR_DIR", tempfile.mkdtemp(prefix="kyoso-test-var-"))
# Playwright's sync API runs an event loop in the test thread; Django's ORM is still used synchronously there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REQUIRE_SERVICES = os.environ.get("KYOSO_REQUIRE_SERVICES", "") in {"1", "true", "yes", "on"}
TEST_REDIS_URL = os.environ.get("KYOSO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


def service_unavailable(what: str, why: str) -> None:
    """Skip on a laptop; fail in CI, where every real component must be exercised."""
    message = f"{what} unavailable: {why}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (KYOSO_REQUIRE_SERVICES=1 makes this a failure)", pytrace=False)
    pytest.skip(message)


def pytest_report_header(config: pytest.Config) -> list[str]:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return [f"kyoso: database={engine} require_services={REQUIRE_SERVICES}"]


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """Rate-limit budgets (uploads, sign-in, …) and cached figures never carry over from one test to
    the next: ids are reused between tests, so one member's budget would be another's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings: object) -> None:
    """Queued tasks run where they are queued (after commit, for mail), so a test reads mail.outbox
    at once. The database queue and `kyoso worker` have tests of their own (kyoso/core/tests)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        service_unavailable("Redis", f"{TEST_REDIS_URL}: {error}")
    finally:
        client.close()
    return TEST_REDIS_URL


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[object]:
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def chromium_path() -> str | None:
    configured = os.environ.get("KYOSO_TEST_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        service_unavailable("Chromium", "no chromium on PATH (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        service_unavailable("Playwright", str(error))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class PageWatch:
    """What a page did that it must not: console errors, requests to any host but the server."""

    def __init__(self, allowed_origin: str):
        self.allowed_host = urlparse(allowed_origin).netloc
        self.console_errors: list[str] = []
        self.external_requests: list[str] = []

    def on_console(self, message: object) -> None:
        if message.type == "error":  # type: ignore[attr-defined]
            self.console_errors.append(message.text)  # type: ignore[attr-defined]

    def on_page_error(self, error: object) -> None:
        self.console_errors.append(str(error))

    def on_request(self, request: object) -> None:
        url = request.url  # type: ignore[attr-defined]
        parsed = urlparse(url)
        if parsed.scheme in {"data", "blob", "about"}:
            return
        if parsed.netloc != self.allowed_host:
            self.external_requests.append(url)


@pytest.fixture
def page(browser: object, live_server: object) -> Iterator[object]:
    """A fresh browser page on the live server. It fails the test on any request to another host."""
    context = browser.new_context(base_url=live_server.url, locale="ja-JP")  # type: ignore[attr-defined]
    page = context.new_page()
    watch = PageWatch(live_server.url)  # type: ignore[attr-defined]
    page.on("console", watch.on_console)
    page.on("pageerror", watch.on_page_error)
    page.on("request", watch.on_request)
    page.watch = watch
    yield page
    context.close()
    assert watch.external_requests == [], f"requests left the server: {watch.external_requests}"
