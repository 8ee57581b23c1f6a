"""Journeys in a real browser (Debian's Chromium through Playwright) against the live server."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from kyoso.testing.factories import (
    DEFAULT_PASSWORD,
    make_channel,
    make_member,
    make_message,
    make_organization,
    make_reaction,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def member_with_channel() -> dict[str, object]:
    city = make_organization("久留米市")
    member = make_member(
        city, email="hanako@city.kurume.lg.jp", password=DEFAULT_PASSWORD, display_name="久留米 花子"
    )
    other = make_member(make_organization("八女市"), display_name="八女 太郎", department="市民課")
    channel = make_channel("窓口業務", creator=other, members=[member], purpose="窓口の困りごとを話す場所")
    message = make_message(channel, other, "書かない窓口を **始めました**。")
    make_reaction(message, member, "共創")
    make_reaction(message, other, "共創")
    for n in range(3):
        make_channel(f"テーマ{n}", creator=other, members=[member])
    return {"member": member, "channel": channel, "message": message}


def sign_in(page: object, email: str = "hanako@city.kurume.lg.jp") -> None:
    page.goto("/accounts/sign-in/")  # type: ignore[attr-defined]
    page.get_by_text("パスワードでサインイン", exact=True).first.click()  # type: ignore[attr-defined]
    password_form = page.locator("#password-sign-in")  # type: ignore[attr-defined]
    password_form.get_by_label("メールアドレス").fill(email)
    password_form.get_by_label("パスワード").fill(DEFAULT_PASSWORD)
    password_form.get_by_role("button", name="パスワードでサインイン").click()
    page.wait_for_url("**/")  # type: ignore[attr-defined]


def test_home_loads_without_console_errors_or_requests_to_other_hosts(page: object) -> None:
    page.goto("/")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert page.locator("h1").first.is_visible()  # type: ignore[attr-defined]
    assert page.watch.console_errors == []  # type: ignore[attr-defined]
    assert page.watch.external_requests == []  # type: ignore[attr-defined]


def test_first_tab_focuses_the_skip_link_which_moves_focus_to_main(page: object) -> None:
    page.goto("/")  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    focused = page.evaluate("document.activeElement.className")  # type: ignore[attr-defined]
    assert focused == "skip-link"
    assert page.locator(".skip-link").is_visible()  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert page.evaluate("document.activeElement.id") == "main"  # type: ignore[attr-defined]


def test_focused_controls_show_a_visible_focus_ring(page: object) -> None:
    page.goto("/")  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    outline = page.evaluate(  # type: ignore[attr-defined]
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert outline[0] == "solid"
    assert outline[1] >= 2


def test_phone_width_has_no_horizontal_scroll_and_the_drawer_toggles_the_channel_list(
    page: object, member_with_channel: dict[str, object]
) -> None:
    page.set_viewport_size(PHONE)  # type: ignore[attr-defined]
    sign_in(page)
    for path in ("/", "/channels/", f"/channels/{quote(member_with_channel['channel'].slug)}/"):  # type: ignore[attr-defined]
        page.goto(path)  # type: ignore[attr-defined]
        width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
        assert width <= PHONE["width"], f"{path} scrolls sideways: {width}px"

    toggle = page.locator("[data-drawer-toggle]")  # type: ignore[attr-defined]
    sidebar = page.locator("#channel-sidebar")  # type: ignore[attr-defined]
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not sidebar.is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert sidebar.is_visible()
    assert sidebar.get_by_role("link", name="窓口業務").is_visible()
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not sidebar.is_visible()
    assert page.watch.console_errors == []  # type: ignore[attr-defined]


def test_wide_screen_shows_the_sidebar_without_a_toggle(
    page: object, member_with_channel: dict[str, object]
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})  # type: ignore[attr-defined]
    sign_in(page)
    assert page.locator("#channel-sidebar").is_visible()  # type: ignore[attr-defined]
    assert not page.locator("[data-drawer-toggle]").is_visible()  # type: ignore[attr-defined]


def test_member_signs_in_and_reads_a_channel_with_a_message_and_its_stamp(
    page: object, member_with_channel: dict[str, object]
) -> None:
    sign_in(page)
    assert page.get_by_text("ようこそ、久留米 花子さん").is_visible()  # type: ignore[attr-defined]
    page.locator("#channel-sidebar").get_by_role("link", name="窓口業務").click()  # type: ignore[attr-defined]
    page.wait_for_selector(".message")  # type: ignore[attr-defined]
    message = page.locator(".message").first  # type: ignore[attr-defined]
    assert message.locator(".message__author").inner_text() == "八女 太郎"
    assert message.locator(".message__affiliation").inner_text() == "八女市 · 市民課"
    assert message.locator(".message__body strong").inner_text() == "始めました"
    stamp = message.locator(".stamp")
    assert stamp.get_attribute("title") == "2団体が共創"
    assert "共創" in stamp.inner_text() and "2" in stamp.inner_text()
    assert page.watch.console_errors == []  # type: ignore[attr-defined]


def test_member_switches_the_interface_to_english(page: object) -> None:
    page.goto("/")  # type: ignore[attr-defined]
    page.get_by_role("button", name="English").click()  # type: ignore[attr-defined]
    page.wait_for_load_state("load")  # type: ignore[attr-defined]
    assert page.evaluate("document.documentElement.lang") == "en"  # type: ignore[attr-defined]
    assert page.get_by_role("link", name="Home").is_visible()  # type: ignore[attr-defined]
    page.get_by_role("button", name="日本語").click()  # type: ignore[attr-defined]
    page.wait_for_load_state("load")  # type: ignore[attr-defined]
    assert page.evaluate("document.documentElement.lang") == "ja"  # type: ignore[attr-defined]


def test_without_javascript_the_phone_layout_opens_the_channel_list_by_its_link(
    browser: object, live_server: object, member_with_channel: dict[str, object]
) -> None:
    context = browser.new_context(  # type: ignore[attr-defined]
        base_url=live_server.url,  # type: ignore[attr-defined]
        viewport=PHONE,
        java_script_enabled=False,
        locale="ja-JP",
    )
    try:
        page = context.new_page()
        sign_in(page)
        toggle = page.locator("[data-drawer-toggle]")
        sidebar = page.locator("#channel-sidebar")
        assert not toggle.is_visible()
        assert not sidebar.is_visible()
        # The drawer's link opens the list over the page (:target), under the header.
        page.get_by_role("link", name="参加中のチャンネル").click()
        assert sidebar.is_visible()
        assert sidebar.get_by_role("link", name="窓口業務").is_visible()
        header_box = page.locator(".site-header").bounding_box()
        assert sidebar.bounding_box()["y"] >= header_box["y"] + header_box["height"] - 1
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
