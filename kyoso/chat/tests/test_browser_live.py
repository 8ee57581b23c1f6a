"""The chat page is live across two browsers on two ``kyoso serve`` processes sharing one Redis:
a post, a stamp, typing and a deletion by one member appear for the other without a reload."""

from __future__ import annotations

import difflib
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

                # A deletion whose drawing did not come with the event still takes the text off the page.
                box.fill("住民の氏名を誤って書きました")
                box.press("Enter")
                slip = reader.locator("[data-stream] .message", has_text="住民の氏名を")
                slip.wait_for(timeout=WAIT_MS)
                slip_id = int(slip.get_attribute("data-message-id") or 0)
                channel_id = reader.evaluate(
                    "() => JSON.parse(document.getElementById('chat-config').textContent).channel.id"
                )
                reader.evaluate(
                    """([id, channel]) => document.dispatchEvent(new CustomEvent("kyoso:event", {detail: {
                        type: "message.deleted", data: {id, channel_id: channel, deleted: true}}}))""",
                    [slip_id, channel_id],
                )
                reader.locator(f"#m-{slip_id} .message__tombstone").wait_for(timeout=WAIT_MS)
                assert "住民の氏名" not in reader.locator(f"#m-{slip_id}").inner_text()

                writer.once("dialog", lambda dialog: dialog.accept())
                writer.locator(f"#m-{message_id} [data-message-menu]").click()
                writer.locator(f"#m-{message_id}").get_by_role("link", name="削除").click()
                reader.locator(f"#m-{message_id} .message__tombstone").wait_for(timeout=WAIT_MS)
    finally:
        for server in servers:
            server.stop()
        redis.stop()


# The copy of one message on the page, its form tokens blanked (they differ on every page load), set
# beside the copy the page had before it reloaded: "" when the two are the same DOM.
SAME_AS_BEFORE = """([before, id]) => {
  const parse = (html) => {
    const template = document.createElement("template");
    template.innerHTML = html;
    const node = template.content.firstElementChild;
    const tokens = node.querySelectorAll("input[name=csrfmiddlewaretoken]");
    tokens.forEach((input) => input.setAttribute("value", ""));
    return node;
  };
  const live = parse(before);
  const page = parse(document.getElementById(id).outerHTML);
  return live.isEqualNode(page) ? "" : `${live.outerHTML}\\n---- after reload ----\\n${page.outerHTML}`;
}"""


def test_a_message_that_arrived_live_is_the_same_markup_as_after_a_reload(
    browser: Any, tmp_path: Path
) -> None:
    """Posted, stamped by both, and edited while the reader watched: then the reader reloads."""
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
                box.fill("比較用の **投稿** です")
                box.press("Enter")
                arrived = reader.locator("[data-stream] .message", has_text="比較用の")
                arrived.locator("strong", has_text="投稿").wait_for(timeout=WAIT_MS)
                message_id = arrived.get_attribute("data-message-id")
                item = f"#m-{message_id}"

                reader.locator(f"{item} [data-stamp-picker]").click()
                reader.locator(f"{item} .stamp-picker__stamp", has_text="共創").click()
                reader.locator(f"{item} button.stamp[aria-pressed=true]", has_text="共創").wait_for(
                    timeout=WAIT_MS
                )
                writer.locator(f"{item} button.stamp", has_text="共創").wait_for(timeout=WAIT_MS)
                writer.locator(f"{item} [data-stamp-picker]").click()
                writer.locator(f"{item} .stamp-picker__stamp", has_text="なるほど").click()
                writer.locator(f"{item} button.stamp", has_text="なるほど").wait_for(timeout=WAIT_MS)
                writer.locator(f"{item} .message__actions").get_by_text("…", exact=True).click()
                writer.locator(item).get_by_role("link", name="編集").click()
                writer.locator(item).get_by_label("メッセージを編集").fill(
                    "比較用の **投稿** です（追記あり）"
                )
                writer.locator(item).get_by_role("button", name="保存").click()

                reader.locator(f"{item} .message__body", has_text="追記あり").wait_for(timeout=WAIT_MS)
                reader.locator(f"{item} button.stamp", has_text="なるほど").wait_for(timeout=WAIT_MS)
                mine = reader.locator(f"{item} button.stamp", has_text="共創")
                assert mine.get_attribute("aria-pressed") == "true"  # the reader's own, kept through redraws
                assert (
                    reader.locator(f"{item} button.stamp", has_text="なるほど").get_attribute("aria-pressed")
                    == "false"
                )
                live_copy = reader.locator(item).evaluate("(node) => node.outerHTML")

                reader.reload()
                reader.locator(item).wait_for(timeout=WAIT_MS)
                difference = reader.evaluate(SAME_AS_BEFORE, [live_copy, f"m-{message_id}"])
                live, _, reloaded = difference.partition("\n---- after reload ----\n")
                assert difference == "", "\n".join(
                    difflib.unified_diff(
                        live.splitlines(), reloaded.splitlines(), "live", "reloaded", lineterm=""
                    )
                )
    finally:
        for server in servers:
            server.stop()
        redis.stop()
