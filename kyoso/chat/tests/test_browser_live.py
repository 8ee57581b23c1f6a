"""The chat page is live across two browsers on two ``kyoso serve`` processes sharing one Redis:
a post, a stamp, typing and a deletion by one member appear for the other without a reload."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conftest import PageWatch, service_unavailable
from kyoso.realtime.tests.processes import Community, RedisServer, Server, redis_server_path, server_database

pytestmark = [pytest.mark.browser, pytest.mark.redis]

WAIT_MS = 20_000


@contextmanager
def chat_page(browser: Any, server: Server, cookie: str) -> Iterator[Any]:
    origin = f"http://127.0.0.1:{server.port}"
    context = browser.new_context(base_url=origin, locale="ja-JP")
    name, value = cookie.split("=", 1)
    context.add_cookies([{"name": name, "value": value, "url": origin}])
    page = context.new_page()
    watch = PageWatch(origin)
    page.on("request", watch.on_request)
    page.on("console", watch.on_console)
    page.on("pageerror", watch.on_page_error)
    connected: list[str] = []
    page.expose_function("kyosoConnection", lambda state: connected.append(state))
    page.add_init_script(
        "document.addEventListener('kyoso:connection', (e) => window.kyosoConnection(e.detail.state));"
    )
    page.goto("/")
    page.locator("#channel-sidebar").get_by_role("link", name="全体連絡").click()
    page.wait_for_function("() => document.querySelector('[data-chat]') !== null")
    page.wait_for_timeout(100)
    deadline_ms = WAIT_MS
    while "open" not in connected and deadline_ms > 0:
        page.wait_for_timeout(100)
        deadline_ms -= 100
    assert "open" in connected, "the page never connected live"
    try:
        yield page
    finally:
        context.close()
    assert watch.external_requests == []
    assert watch.console_errors == []


def test_post_stamp_typing_and_delete_reach_the_other_browser_through_another_process(
    browser: Any, tmp_path: Path
) -> None:
    if redis_server_path() is None:
        service_unavailable("redis-server", "not on PATH (Debian: apt-get install redis-server)")
    redis = RedisServer(tmp_path)
    redis.start()
    servers: list[Server] = []
    try:
        with server_database(tmp_path) as database_url:
            community = Community(tmp_path / "var", database_url, redis.url)
            community.setup(members=2)
            servers = [Server(community), Server(community)]
            for server in servers:
                server.start()
            with (
                chat_page(browser, servers[0], community.cookies[0]) as writer,
                chat_page(browser, servers[1], community.cookies[1]) as reader,
            ):
                box = writer.locator("#composer-text")
                box.fill("おくやみ窓口の **手順** を共有します")
                box.press("Enter")
                arrived = reader.locator("[data-stream] .message", has_text="おくやみ窓口の")
                arrived.locator("strong", has_text="手順").wait_for(timeout=WAIT_MS)
                message_id = arrived.get_attribute("data-message-id")

                reader.locator(f"#m-{message_id} [data-stamp-picker]").click()
                reader.locator(f"#m-{message_id} .stamp-picker__stamp", has_text="共創").click()
                stamp = writer.locator(f"#m-{message_id} button.stamp", has_text="共創")
                stamp.wait_for(timeout=WAIT_MS)
                assert stamp.locator(".stamp__count").inner_text() == "1"
                assert stamp.get_attribute("aria-pressed") == "false"  # the reader's, not the writer's

                reader.locator("#composer-text").press_sequentially("確認します")
                writer.locator("[data-typing]").filter(has_text="入力中").wait_for(timeout=WAIT_MS)

                writer.once("dialog", lambda dialog: dialog.accept())
                writer.locator(f"#m-{message_id} [data-message-menu]").click()
                writer.locator(f"#m-{message_id}").get_by_role("link", name="削除").click()
                reader.locator(f"#m-{message_id} .message__tombstone").wait_for(timeout=WAIT_MS)
    finally:
        for server in servers:
            server.stop()
        redis.stop()
