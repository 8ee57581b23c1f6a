"""live.js in Chromium against real ``kyoso serve`` processes: what a page hears, through restarts."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conftest import PageWatch, service_unavailable
from kyoso.realtime.tests.processes import Community, Poster, RedisServer, Server, redis_server_path

pytestmark = pytest.mark.browser

WAIT_MS = 20_000

# What the test page does with live.js: remember every event and state, and hold the channel from the
# start of its change log (live.js keeps the cursor from there).
START = """async (channelId) => {
  window.heard = [];
  window.states = [];
  document.addEventListener("kyoso:event", (e) => window.heard.push(e.detail));
  document.addEventListener("kyoso:connection", (e) => window.states.push(e.detail.state));
  window.live = await import("/static/kyoso/js/live.js");
  window.live.connect({ held: () => ({ [channelId]: 0 }) });
}"""

HEARD_POSTS = """() => window.heard
  .filter((e) => e.type === "message.created")
  .map((e) => Number(e.data.text.split(" ")[1]))"""


def keep_hello(hellos: list[dict[str, Any]], text: str | bytes) -> None:
    """Keep a frame the page sent if it is a hello, as the server reads it."""
    frame = json.loads(text)
    if frame.get("type") == "hello":
        hellos.append(frame)


@contextmanager
def live_page(
    browser: Any, server: Server, cookie: str, channel_id: int, hellos: list[dict[str, Any]] | None = None
) -> Iterator[Any]:
    origin = f"http://127.0.0.1:{server.port}"
    context = browser.new_context(base_url=origin, locale="ja-JP")
    name, value = cookie.split("=", 1)
    context.add_cookies([{"name": name, "value": value, "url": origin}])
    page = context.new_page()
    if hellos is not None:
        page.on("websocket", lambda socket: socket.on("framesent", lambda text: keep_hello(hellos, text)))
    watch = PageWatch(origin)
    page.on("request", watch.on_request)
    page.on("pageerror", watch.on_page_error)
    page.goto("/")
    page.evaluate(START, channel_id)
    page.wait_for_function("() => window.states.includes('open')", timeout=WAIT_MS)
    try:
        yield page
    finally:
        context.close()
    assert watch.external_requests == []
    assert watch.console_errors == []


def heard_posts(page: Any) -> list[int]:
    return page.evaluate(HEARD_POSTS)


def wait_for_posts(page: Any, expected: list[int]) -> None:
    page.wait_for_function(f"() => ({HEARD_POSTS})().length >= {len(expected)}", timeout=WAIT_MS)
    time.sleep(0.3)  # a duplicate would arrive now
    assert heard_posts(page) == expected


def test_a_page_catches_up_once_after_its_server_was_killed_and_restarted(
    browser: Any, tmp_path: Path
) -> None:
    community = Community(tmp_path / "var", f"sqlite:///{(tmp_path / 'live.sqlite3').as_posix()}")
    community.setup(members=1)
    server = Server(community)
    server.start()
    poster = Poster(community)
    hellos: list[dict[str, Any]] = []
    try:
        with live_page(browser, server, community.cookies[0], community.channel_id, hellos) as page:
            poster.post(1)
            wait_for_posts(page, [1])
            server.kill()
            page.wait_for_function("() => window.states.includes('closed')", timeout=WAIT_MS)
            poster.post(2)
            poster.post(3)
            server.start()
            # Back online: live.js retries at once instead of waiting out its backoff.
            page.evaluate("() => window.dispatchEvent(new Event('online'))")
            page.wait_for_function(
                "() => window.states.filter((s) => s === 'open').length >= 2", timeout=WAIT_MS
            )
            poster.post(4)
            wait_for_posts(page, [1, 2, 3, 4])
            # The page said where it stood in the channel's change log: at the start, then after the
            # one post it had heard live (each post is one change).
            channel = str(community.channel_id)
            assert [hello["channels"] for hello in hellos] == [
                {channel: {"cursor": 0}},
                {channel: {"cursor": 1}},
            ]
    finally:
        poster.close()
        server.stop()


@pytest.mark.redis
def test_two_browsers_on_two_server_processes_hear_posts_and_typing(browser: Any, tmp_path: Path) -> None:
    if redis_server_path() is None:
        service_unavailable("redis-server", "not on PATH (Debian: apt-get install redis-server)")
    redis = RedisServer(tmp_path)
    redis.start()
    community = Community(tmp_path / "var", f"sqlite:///{(tmp_path / 'two.sqlite3').as_posix()}", redis.url)
    community.setup(members=2)
    server_a, server_b = Server(community), Server(community)
    server_a.start()
    server_b.start()
    poster = Poster(community)
    try:
        with (
            live_page(browser, server_a, community.cookies[0], community.channel_id) as page_a,
            live_page(browser, server_b, community.cookies[1], community.channel_id) as page_b,
        ):
            poster.post(1)
            wait_for_posts(page_a, [1])
            wait_for_posts(page_b, [1])
            page_a.evaluate(f"() => window.live.sendTyping({community.channel_id})")
            page_b.wait_for_function(
                "() => window.heard.some((e) => e.type === 'member.typing')", timeout=WAIT_MS
            )
    finally:
        poster.close()
        server_a.stop()
        server_b.stop()
        redis.stop()
