"""Accessibility journeys: posting, threading, stamping and searching by keyboard alone (Tab, Shift+Tab,
Enter, Space and the arrow keys: no clicks), what a screen reader hears for a stamp and for new
messages, and the main pages at 200 % zoom."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from kyoso.chat.models import Message, Reaction
from kyoso.web.tests.conftest import Community, channel_url, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A page holds a few hundred tab stops at most; past this many presses the control is unreachable.
MOST_TABS = 400


def focused(page: Any, selector: str) -> bool:
    return bool(page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector))


def tab_to(page: Any, selector: str, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focus is on ``selector``; fail if it never gets there."""
    for _ in range(MOST_TABS):
        if focused(page, selector):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def test_keyboard_only_member_posts_a_message(page: Any, live_server: Any, community: Community) -> None:
    sign_in_as(page, community.hanako, live_server)
    page.goto(channel_url(community.desk))
    tab_to(page, "#composer-text")
    page.keyboard.type("キーボードだけで投稿します")
    page.keyboard.press("Enter")

    page.locator("[data-stream] .message", has_text="キーボードだけで投稿します").wait_for()
    assert Message.objects.filter(author=community.hanako, text="キーボードだけで投稿します").exists()
    assert page.watch.console_errors == []


def test_keyboard_only_member_opens_a_thread_and_replies(
    page: Any, live_server: Any, community: Community
) -> None:
    sign_in_as(page, community.hanako, live_server)
    page.goto(channel_url(community.desk))
    question = community.question
    tab_to(page, f"#m-{question.pk} a[href*='/threads/{question.pk}/']", backwards=True)
    page.keyboard.press("Enter")

    page.locator(".chat__thread").get_by_role("heading", name="スレッド").wait_for()
    tab_to(page, "#thread-reply-text")
    page.keyboard.type("手順書を共有します")
    page.keyboard.press("Enter")

    page.locator(".chat__thread .message", has_text="手順書を共有します").wait_for()
    assert Message.objects.filter(thread_root=question, text="手順書を共有します").exists()
    assert page.watch.console_errors == []


def test_keyboard_only_member_stamps_with_space_and_takes_it_back(
    page: Any, live_server: Any, community: Community
) -> None:
    sign_in_as(page, community.hanako, live_server)
    page.goto(channel_url(community.desk))
    question = community.question
    tab_to(page, f"#m-{question.pk} [data-stamp-picker]", backwards=True)
    page.keyboard.press("Enter")
    page.locator(f"#m-{question.pk} .stamp-picker__stamp").first.wait_for()
    tab_to(page, f"#m-{question.pk} .stamp-picker__stamp:not([aria-pressed=true])")
    chosen = page.evaluate("document.activeElement.textContent").strip()
    page.keyboard.press("Space")

    reaction = Reaction.objects.filter(message=question, member=community.hanako).exclude(
        stamp__name__in=["共創", "なるほど"]
    )
    stamp = page.locator(f"#m-{question.pk} button.stamp[aria-pressed=true]", has_text=chosen.split()[-1])
    stamp.wait_for()
    assert reaction.count() == 1
    name = reaction.get().stamp.name
    assert page.get_by_role("button", name=f"{name} 1人 1団体").count() == 1

    stamp_id = reaction.get().stamp_id
    tab_to(page, f"#m-{question.pk} button.stamp[aria-pressed=true][data-stamp-id='{stamp_id}']")
    page.keyboard.press("Space")
    stamp.wait_for(state="detached")
    assert not reaction.exists()


def test_keyboard_only_member_searches_and_opens_a_hit(
    page: Any, live_server: Any, community: Community
) -> None:
    sign_in_as(page, community.hanako, live_server)
    page.goto("/")
    tab_to(page, "#global-search")
    page.keyboard.type("おくやみ")
    page.keyboard.press("Enter")

    page.wait_for_url("**/search/**")
    tab_to(page, ".search-hit__link")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{quote(community.desk.slug)}**")
    assert page.locator(f"#m-{community.question.pk}, #t-{community.question.pk}").first.is_visible()
    assert page.watch.console_errors == []


def test_a_stamp_button_tells_its_stamp_how_many_people_and_organisations(
    page: Any, live_server: Any, community: Community
) -> None:
    sign_in_as(page, community.hanako, live_server)
    page.goto(channel_url(community.desk))
    message = page.locator(f"#m-{community.question.pk}")
    # 共創 by 久留米 花子 and 八女 太郎 (two organisations), なるほど by 久留米 花子 alone.
    together = message.get_by_role("button", name="共創 2人 2団体")
    assert together.count() == 1
    assert together.get_attribute("aria-pressed") == "true"
    assert message.get_by_role("button", name="なるほど 1人 1団体").count() == 1


def test_new_messages_are_announced_politely_as_one_summary_not_one_by_one(
    page: Any, live_server: Any, community: Community
) -> None:
    """Three messages in a burst are said once, 「新しいメッセージ 3件」; one more right after waits for
    the next summary instead of interrupting. The live stream calls announceArrival for each message
    from someone else (chat/stream.js); the test server has no WebSocket, so the test calls it as the
    stream would. The page's clock is Playwright's, so no test waits in real time."""
    page.clock.install()
    sign_in_as(page, community.hanako, live_server)
    page.goto(channel_url(community.desk))
    announcer = page.locator("[data-live-announcer]")
    assert announcer.get_attribute("aria-live") == "polite"
    page.evaluate(
        """async () => {
          window.kyosoSaid = [];
          const region = document.querySelector("[data-live-announcer]");
          new MutationObserver(() => {
            if (region.textContent) window.kyosoSaid.push(region.textContent);
          }).observe(region, { childList: true, characterData: true, subtree: true });
          window.kyosoArrivals = await import("/static/kyoso/js/chat/arrivals.js");
        }"""
    )

    def arrive(count: int) -> None:
        page.evaluate(
            "(n) => { for (let i = 0; i < n; i++) window.kyosoArrivals.announceArrival('八女 太郎'); }", count
        )

    arrive(3)
    page.clock.run_for(1500)
    assert page.evaluate("window.kyosoSaid") == ["新しいメッセージ 3件"]

    arrive(1)
    page.clock.run_for(2000)
    assert page.evaluate("window.kyosoSaid") == ["新しいメッセージ 3件"]
    page.clock.run_for(4000)
    assert page.evaluate("window.kyosoSaid") == ["新しいメッセージ 3件", "八女 太郎さんの新しいメッセージ"]


# 1280×800 at 200 %: the layout sees 640×400 CSS pixels, drawn with two device pixels each.
ZOOMED = {"width": 640, "height": 400}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/accounts/sign-in/",
        "/accounts/register/",
        "channel",
        "thread",
        "/search/?q=窓口",
        "/accounts/profile/",
        "/accounts/security/",
    ],
)
def test_at_200_percent_zoom_nothing_scrolls_sideways(
    browser: Any, live_server: Any, community: Community, path: str
) -> None:
    context = browser.new_context(
        base_url=live_server.url, locale="ja-JP", viewport=ZOOMED, device_scale_factor=2
    )
    try:
        page = context.new_page()
        sign_in_as(page, community.hanako, live_server)
        if path == "channel":
            path = channel_url(community.desk)
        elif path == "thread":
            path = f"{channel_url(community.desk)}threads/{community.question.pk}/"
        page.goto(path)
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= ZOOMED["width"], f"{path} is {width} CSS px wide at 200 % zoom"
        assert page.locator("main").is_visible()
    finally:
        context.close()
