"""The bell in a browser: member A mentions member B in another channel while B has a channel page open
on a real ``kyoso serve`` (live updates need its WebSocket; Django's test server has none). B's bell
counts it live (and a browser notification is shown while the tab is hidden), then B opens the
notification and lands on the message, and the bell is empty again. And a channel's notification
level, set from its page with the script: the sidebar takes the channel out of the unread totals."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import PageWatch
from kyoso.chat.models import ChannelMembership, NotifyLevel
from kyoso.realtime.tests.processes import ROOT, Community, Server, server_database
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization
from kyoso.web.tests.conftest import channel_url, sign_in_as
from kyoso.web.tests.test_browser_frame import DESKTOP, PHONE, PHONE_HEADER_MAX_PX

pytestmark = [pytest.mark.browser]

WAIT_MS = 20_000

# Stand in for the browser's notifications: the permission granted, the tab hidden, each one kept.
FAKE_NOTIFICATIONS = """() => {
  window.shownNotifications = [];
  window.Notification = class {
    static permission = "granted";
    constructor(title, options) { window.shownNotifications.push({ title, body: options.body }); }
    addEventListener() {}
    close() {}
  };
  Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
}"""


def helper(community: Community, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "kyoso.notify.tests.live_mention", *args],
        cwd=ROOT,
        env=community.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_mention_rings_the_bell_live_and_opening_it_lands_on_the_message(
    browser: Any, tmp_path: Path
) -> None:
    with server_database(tmp_path) as database_url:
        community = Community(tmp_path / "var", database_url)
        community.setup(members=1)  # the author (A) and one reader (B), in 全体連絡
        room = helper(community, "room", "--author", str(community.author_id))
        server = Server(community)
        server.start()
        origin = f"http://127.0.0.1:{server.port}"
        context = browser.new_context(base_url=origin, locale="ja-JP", viewport=DESKTOP)
        name, value = community.cookies[0].split("=", 1)
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
        try:
            page.goto("/")
            page.locator("#channel-sidebar").get_by_role("link", name="全体連絡").click()
            page.wait_for_function("() => document.querySelector('[data-chat]') !== null")
            waited = 0
            while "open" not in connected and waited < WAIT_MS:
                page.wait_for_timeout(100)
                waited += 100
            assert "open" in connected, "the page never connected live"
            bell = page.locator("[data-bell]")
            badge = bell.locator("[data-bell-badge]")
            assert badge.is_hidden()
            page.evaluate(FAKE_NOTIFICATIONS)

            author = str(community.author_id)
            posted = helper(community, "mention", "--channel", str(room["channel_id"]), "--author", author)
            message_id = posted["message_id"]

            page.wait_for_function(
                "() => !document.querySelector('[data-bell-badge]').hidden", timeout=WAIT_MS
            )
            assert badge.locator("[data-bell-count]").inner_text() == "1"
            assert "1件の未読通知" in badge.inner_text() or "1件の未読通知" in badge.text_content()
            # The browser's own notification, while the tab was hidden.
            shown = page.evaluate("() => window.shownNotifications")
            assert [note["title"] for note in shown] == ["kyoso"]
            # The tab's title counts what is new, and the header stays one row with the badge in it.
            page.wait_for_function("() => /^\\(\\d+\\) /.test(document.title)", timeout=WAIT_MS)
            header = page.locator(".site-header").bounding_box()
            assert header is not None and header["height"] <= PHONE_HEADER_MAX_PX

            bell.click()
            page.wait_for_url(re.compile(r"/notifications/$"))
            item = page.locator(".notification--unread")
            assert item.count() == 1
            assert "未読" in item.locator(".notification__state").inner_text()
            assert "避難所の開設手順を確認してください" in item.inner_text()
            item.locator(".notification__link").click()
            page.wait_for_url(re.compile(rf"#m-{message_id}$"))
            page.locator(f"#m-{message_id}").wait_for(timeout=WAIT_MS)
            assert page.locator("[data-bell] [data-bell-badge]").is_hidden()
            page.goto("/notifications/?unread=1")
            assert page.locator(".notification").count() == 0
        finally:
            context.close()
            server.stop()
    assert watch.external_requests == []
    assert watch.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_muting_a_channel_from_its_page_takes_its_unread_off_the_sidebar_and_title(page, live_server) -> None:
    kurume, yame = make_organization("久留米市"), make_organization("八女市")
    hanako = make_member(kurume, display_name="久留米 花子")
    taro = make_member(yame, display_name="八女 太郎")
    desk = make_channel("窓口業務", creator=taro, members=[hanako])
    noisy = make_channel("雑談", creator=taro, members=[hanako])
    for n in range(3):
        make_message(noisy, taro, f"雑談 {n}")
    make_message(noisy, taro, f"@[{hanako.display_name}](member:{hanako.pk}) 見てください")
    sign_in_as(page, hanako, live_server)
    page.set_viewport_size(DESKTOP)
    page.goto(channel_url(desk))
    noisy_link = page.locator(f'[data-sidebar-channel="{noisy.pk}"]')
    expect_unread = noisy_link.locator("[data-unread-count]")
    assert expect_unread.count() == 1
    assert page.title().startswith("(4) ")
    # The bell counts the mention; the header keeps to one row with it.
    assert page.locator("[data-bell] [data-bell-count]").inner_text() == "1"
    header = page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] <= PHONE_HEADER_MAX_PX

    page.goto(channel_url(noisy) + "?before=1")  # an old page: nothing is read by opening it
    page.get_by_label("通知", exact=True).select_option("muted")
    page.get_by_role("button", name="変更").click()
    page.locator("[data-live-announcer]").filter(has_text="ミュート").wait_for()
    assert noisy_link.get_attribute("data-muted") == ""
    assert noisy_link.locator("[data-unread-count]").count() == 0
    assert noisy_link.locator("[data-mention-count]").count() == 1  # a mention of the member still shows
    membership = ChannelMembership.objects.get(member=hanako, channel=noisy)
    assert membership.notify_level == NotifyLevel.MUTED

    page.goto(channel_url(desk))
    assert not page.title().startswith("(")  # the muted channel is out of the title's total
    assert "（ミュート中）" in noisy_link.inner_text()

    # On a phone the bell is in the menu.
    page.set_viewport_size(PHONE)
    page.goto(channel_url(desk))
    page.get_by_role("button", name="メニュー").click()
    bell = page.get_by_role("navigation", name="メインメニュー").locator("[data-bell]")
    assert bell.is_visible()
    assert "1件の未読通知" in (bell.text_content() or "")
    assert page.watch.console_errors == []
