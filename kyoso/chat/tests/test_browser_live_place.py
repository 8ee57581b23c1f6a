"""Live updates keep the reader's place, and times read in Tokyo time whatever the browser's zone:
one ``kyoso serve`` process (live updates need its WebSocket), a poster posting as another member,
and a reader's browser set to New York time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import PageWatch
from kyoso.realtime.tests.processes import Community, Poster, Server, server_database

pytestmark = [pytest.mark.browser]

WAIT_MS = 20_000
HISTORY = 40  # enough messages for the channel's pane to scroll
WEEKDAYS = "月火水木金土日"
PANE = "[data-stream-scroll]"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Community, Server, Poster]]:
    tmp_path = tmp_path_factory.mktemp("live-place")
    with server_database(tmp_path) as database_url:
        community = Community(tmp_path / "var", database_url)
        community.setup(members=2)
        server = Server(community)
        server.start()
        poster = Poster(community, pad=60)
        try:
            assert poster.process.stdin is not None and poster.process.stdout is not None
            poster.process.stdin.write(f"step 1000 {HISTORY / 1000} 1\n")
            poster.process.stdin.flush()
            assert poster.process.stdout.readline().startswith(f"posted {HISTORY} ")
            yield community, server, poster
        finally:
            poster.close()
            server.stop()


@contextmanager
def reader(browser: Any, server: Server, cookie: str) -> Iterator[Any]:
    """The channel page in a browser whose own time zone is New York's, connected live."""
    origin = f"http://127.0.0.1:{server.port}"
    context = browser.new_context(
        base_url=origin,
        locale="ja-JP",
        timezone_id="America/New_York",
        viewport={"width": 1280, "height": 800},
    )
    name, value = cookie.split("=", 1)
    context.add_cookies([{"name": name, "value": value, "url": origin}])
    page = context.new_page()
    watch = PageWatch(origin)
    page.on("request", watch.on_request)
    page.on("pageerror", watch.on_page_error)
    connected: list[str] = []
    page.expose_function("kyosoConnection", lambda state: connected.append(state))
    page.add_init_script(
        "document.addEventListener('kyoso:connection', (e) => window.kyosoConnection(e.detail.state));"
    )
    page.goto("/")
    page.locator("#channel-sidebar").get_by_role("link", name="全体連絡").click()
    page.wait_for_function("() => document.querySelector('[data-chat]') !== null")
    # kyoso keeps the place itself, also in browsers that do not anchor scrolling (Safari before 18).
    page.evaluate(f"() => {{ document.querySelector('{PANE}').style.overflowAnchor = 'none'; }}")
    waited = 0
    while "open" not in connected and waited < WAIT_MS:
        page.wait_for_timeout(100)
        waited += 100
    assert "open" in connected, "the page never connected live"
    try:
        yield page
    finally:
        context.close()
    assert watch.external_requests == []
    assert watch.console_errors == []


def tokyo_full(iso: str) -> str:
    moment = datetime.fromisoformat(iso).astimezone(ZoneInfo("Asia/Tokyo"))
    return (
        f"{moment.year}年{moment.month}月{moment.day}日（{WEEKDAYS[moment.weekday()]}） "
        f"{moment.hour}:{moment.minute:02d}"
    )


def pane_top(page: Any) -> float:
    return float(page.evaluate(f"() => document.querySelector('{PANE}').scrollTop"))


def at_bottom(page: Any) -> bool:
    return bool(
        page.evaluate(
            f"""() => {{ const box = document.querySelector('{PANE}');
            return box.scrollHeight - box.scrollTop - box.clientHeight < 2; }}"""
        )
    )


def top_of(page: Any, selector: str) -> float:
    return float(page.evaluate("(s) => document.querySelector(s).getBoundingClientRect().top", selector))


def sent_read_positions(request: Any) -> list[int]:
    """The ``up_to`` of a read position the page sends (POST …/read/ with a multipart form)."""
    if request.method != "POST" or not request.url.endswith("/read/"):
        return []
    found = re.search(r'name="up_to"\r\n\r\n(\d+)', request.post_data or "")
    return [int(found.group(1))] if found else []


def post(poster: Poster, seq: int) -> None:
    poster.post(seq)
    assert seq in poster.acknowledged


def test_a_live_message_reads_in_tokyo_time_in_a_new_york_browser(browser, served) -> None:
    community, server, poster = served
    with reader(browser, server, community.cookies[0]) as page:
        assert page.evaluate("() => Intl.DateTimeFormat().resolvedOptions().timeZone") == "America/New_York"
        post(poster, 1001)
        arrived = page.locator("[data-stream] .message", has_text="bench 1001 ")
        arrived.wait_for(timeout=WAIT_MS)
        time = arrived.locator(".message__time time")
        iso = time.get_attribute("datetime") or ""
        assert iso.endswith("+09:00")
        assert time.get_attribute("title") == tokyo_full(iso)
        # The words are the script's, and so is the full form for the keyboard and screen readers.
        page.wait_for_function(
            "(node) => node.firstChild.data === 'たった今'", arg=time.element_handle(), timeout=WAIT_MS
        )
        assert time.locator(".when__full").inner_text() == f"（{tokyo_full(iso)}）"

        # The script says times as Tokyo sees them, not New York: its day ends at 15:00 UTC.
        labels = page.evaluate(
            """async () => {
                const src = document.querySelector('script[src*="times"]').src;
                const { relativeLabel } = await import(src);
                const now = new Date('2026-12-05T15:30:00Z');
                return [
                    relativeLabel(new Date('2026-12-05T14:00:00Z'), now),
                    relativeLabel(new Date('2026-12-05T15:10:00Z'), now),
                    relativeLabel(new Date('2026-12-04T05:05:00Z'), now),
                    relativeLabel(new Date('2025-03-01T03:00:00Z'), now),
                ];
            }"""
        )
        assert labels == ["昨日 23:00", "20分前", "12月4日 14:05", "2025年3月1日"]

        # On focus, the message's time link shows the full date and time.
        time.locator("xpath=..").focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        box = time.locator(".when__full").bounding_box()
        assert box is not None and box["width"] > 50


def test_a_reply_count_updates_in_place_and_the_channel_pane_does_not_move(browser, served) -> None:
    community, server, _poster = served
    with reader(browser, server, community.cookies[0]) as page:
        root = page.locator("[data-stream] > .message", has_text="bench 20 ")
        root_id = root.get_attribute("data-message-id")
        # Read from the middle of the history: the root in view, the pane neither at top nor bottom.
        root.evaluate("(node) => node.scrollIntoView({block: 'center'})")
        root.locator("[data-open-thread]").last.click()
        page.locator("[data-thread-list]").wait_for(timeout=WAIT_MS)
        box = page.locator("#thread-reply [name=text]")
        box.wait_for(timeout=WAIT_MS)
        # The member scrolls on: the root just above the top of the pane, the next message first in view.
        below = f"[data-stream] > [data-message-id='{int(root_id or 0) + 1}']"
        page.locator(below).evaluate("(node) => node.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(200)
        scroll_before = pane_top(page)
        assert scroll_before > 0 and not at_bottom(page)
        below_before = top_of(page, below)

        box.fill("手順書を確認しました")
        box.press("Enter")
        page.locator(f"#m-{root_id} .message__replies a", has_text="返信 1件").wait_for(
            state="attached", timeout=WAIT_MS
        )
        page.locator("[data-thread-list] .message", has_text="手順書を確認しました").wait_for(timeout=WAIT_MS)

        # The root grew a line out of sight, in place: what the member reads did not move.
        assert top_of(page, below) == pytest.approx(below_before, abs=1)
        assert pane_top(page) > scroll_before  # the pane scrolled by that line, to keep the place


def test_new_messages_show_a_bar_while_reading_older_ones_and_follow_at_the_bottom(browser, served) -> None:
    community, server, poster = served
    with reader(browser, server, community.cookies[1]) as page:
        bar = page.locator("[data-new-messages]")
        # The page opened at the first unread; the reader goes down to the newest.
        page.evaluate(
            f"() => {{ const box = document.querySelector('{PANE}'); box.scrollTop = box.scrollHeight; }}"
        )
        page.wait_for_function(
            f"""() => {{ const box = document.querySelector('{PANE}');
            return box.scrollHeight - box.scrollTop - box.clientHeight < 2; }}"""
        )
        post(poster, 2001)
        page.locator("[data-stream] .message", has_text="bench 2001 ").wait_for(timeout=WAIT_MS)
        page.wait_for_timeout(200)
        assert at_bottom(page), "a reader at the bottom stays at the bottom"
        assert bar.count() == 0 or not bar.is_visible()

        # Reading older messages: a new one does not move the view; a bar says it came.
        page.evaluate(f"() => {{ document.querySelector('{PANE}').scrollTop = 300; }}")
        page.wait_for_timeout(200)
        first_seen = page.evaluate(
            f"""() => {{ const top = document.querySelector('{PANE}').getBoundingClientRect().top;
            const item = [...document.querySelectorAll('[data-stream] > [data-message-id]')]
              .find((node) => node.getBoundingClientRect().bottom > top);
            return [item.id, item.getBoundingClientRect().top]; }}"""
        )
        reads: list[int] = []  # the read positions the page sends while the reader is scrolled up
        page.on("request", lambda request: reads.extend(sent_read_positions(request)))
        post(poster, 2002)
        post(poster, 2003)
        page.locator("[data-stream] .message", has_text="bench 2003 ").wait_for(
            state="attached", timeout=WAIT_MS
        )
        bar.wait_for(state="visible", timeout=WAIT_MS)
        newest = int(
            page.locator("[data-stream] > [data-message-id]", has_text="bench 2003 ").get_attribute(
                "data-message-id"
            )
        )
        page.wait_for_timeout(1500)  # longer than the page waits before it sends a read position
        assert not [up_to for up_to in reads if up_to >= newest], "unseen messages must stay unread"
        assert bar.inner_text().startswith("新しいメッセージ 2件")
        assert bar.get_attribute("type") == "button"
        assert pane_top(page) == pytest.approx(300, abs=1)
        assert top_of(page, f"#{first_seen[0]}") == pytest.approx(first_seen[1], abs=1)

        bar.click()
        page.wait_for_function(
            f"""() => {{ const box = document.querySelector('{PANE}');
            return box.scrollHeight - box.scrollTop - box.clientHeight < 2; }}"""
        )
        assert not bar.is_visible()
        assert page.evaluate("() => document.activeElement.textContent").count("bench 2002 ") == 1
        # Now seen: the page reads up to the newest.
        page.wait_for_function("() => true")  # let the request handler run
        deadline = 50
        while newest not in reads and deadline:
            page.wait_for_timeout(100)
            deadline -= 1
        assert newest in reads
