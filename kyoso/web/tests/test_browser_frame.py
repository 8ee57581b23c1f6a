"""The app frame in a real browser, at 1280×800 and on a 360×740 phone: the header and the message
box stay put while only the message list and the thread scroll; the phone's one-row header, menu
and channel drawer; and the keys: the message box focused on opening, its skip link, Alt+↑/↓
between channels and Escape closing panes."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client
from playwright.sync_api import expect

from kyoso.accounts.models import Member, Role
from kyoso.chat import actions
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
# A phone's header is one row: the brand, the channel drawer's toggle and the menu's.
PHONE_HEADER_MAX_PX = 80


def sign_in_as(page: object, member: Member, live_server: object) -> None:
    client = Client()
    force_login_verified(client, member)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])  # type: ignore[attr-defined]


def channel_url(channel: object) -> str:
    return f"/channels/{quote(channel.slug)}/"  # type: ignore[attr-defined]


@pytest.fixture
def town() -> dict[str, object]:
    """Hanako in three channels; the middle one, 窓口業務, has a long history and one thread."""
    kurume = make_organization("久留米市")
    yame = make_organization("八女市")
    hanako = make_member(kurume, display_name="久留米 花子")
    taro = make_member(yame, display_name="八女 太郎", department="市民課")
    first = make_channel("あいさつ", creator=taro, members=[hanako])
    desk = make_channel("窓口業務", creator=taro, members=[hanako], purpose="窓口の困りごとを話す場所")
    last = make_channel("防災", creator=taro, members=[hanako])
    question = make_message(desk, taro, "おくやみ窓口、どう始めましたか？")
    for n in range(3):
        make_message(desk, hanako, f"手順を一枚にまとめました その{n}", thread=question)
    for n in range(40):
        make_message(
            desk, taro, f"記録 {n:02d}：窓口の混雑状況を共有します。\n午前は混み、午後は空いています。"
        )
    actions.mark_channel_read(member=hanako, channel=desk)  # the page opens at its newest message
    return {"hanako": hanako, "taro": taro, "first": first, "desk": desk, "last": last, "question": question}


def box_of(page: object, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()  # type: ignore[attr-defined]
    assert box is not None, f"{selector} is not shown"
    return box


def in_viewport(box: dict[str, float], viewport: dict[str, int]) -> bool:
    return box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"] + 0.5


def page_scroll_height(page: object) -> int:
    return int(page.evaluate("document.scrollingElement.scrollHeight"))  # type: ignore[attr-defined]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_only_the_message_list_scrolls_and_the_header_and_message_box_stay(
    page, live_server, town, viewport
) -> None:
    page.set_viewport_size(viewport)
    sign_in_as(page, town["hanako"], live_server)
    page.goto(channel_url(town["desk"]))
    page.locator(".message", has_text="記録 39").wait_for()

    assert page_scroll_height(page) == viewport["height"]
    assert page.evaluate("document.scrollingElement.scrollWidth") <= viewport["width"]
    scroller = page.locator("[data-stream-scroll]")
    # The list opens at its newest message, and it is the list that scrolls.
    assert scroller.evaluate("(box) => box.scrollHeight > box.clientHeight")
    newest = page.locator(".message", has_text="記録 39")
    assert in_viewport(newest.bounding_box(), viewport)

    # The mouse wheel over the list scrolls the list back to its oldest message, not the page.
    scroller.hover()
    for _ in range(20):
        page.mouse.wheel(0, -2000)
        if scroller.evaluate("(box) => box.scrollTop") == 0:
            break
    expect(scroller).to_have_js_property("scrollTop", 0)
    assert page.evaluate("window.scrollY") == 0
    assert box_of(page, ".site-header")["y"] == 0
    assert in_viewport(box_of(page, ".site-header"), viewport)
    assert in_viewport(box_of(page, "#composer-text"), viewport)
    assert in_viewport(box_of(page, "#channel-heading"), viewport)
    assert not in_viewport(newest.bounding_box(), viewport)
    assert page.watch.console_errors == []


def test_an_open_thread_scrolls_on_its_own_beside_the_channel(page, live_server, town) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, town["hanako"], live_server)
    page.goto(f"{channel_url(town['desk'])}threads/{town['question'].pk}/")

    pane = page.locator(".chat__thread")
    pane.get_by_role("heading", name="スレッド").wait_for()
    assert page_scroll_height(page) == DESKTOP["height"]
    assert in_viewport(box_of(page, ".chat__thread [data-composer]"), DESKTOP)
    assert in_viewport(box_of(page, "#composer-text"), DESKTOP)
    # Both lists are there side by side, each in its own scrolling box.
    assert box_of(page, ".chat__thread")["x"] > box_of(page, ".chat__stream")["x"]
    assert pane.locator("[data-thread-scroll]").evaluate("(box) => getComputedStyle(box).overflowY") == "auto"


def test_without_javascript_the_frame_holds_too(browser, live_server, town) -> None:
    context = browser.new_context(
        base_url=live_server.url, locale="ja-JP", java_script_enabled=False, viewport=DESKTOP
    )
    try:
        page = context.new_page()
        sign_in_as(page, town["hanako"], live_server)
        page.goto(channel_url(town["desk"]))
        assert page.evaluate("document.scrollingElement.scrollHeight") == DESKTOP["height"]
        assert in_viewport(box_of(page, "#composer-text"), DESKTOP)
        scroller = page.locator("[data-stream-scroll]")
        assert scroller.evaluate("(box) => box.scrollHeight > box.clientHeight")
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/", "/channels/", "/search/?q=%E7%AA%93%E5%8F%A3", "/accounts/security/"])
def test_other_pages_scroll_in_the_pane_under_a_header_that_stays(page, live_server, town, path) -> None:
    page.set_viewport_size(PHONE)
    sign_in_as(page, town["hanako"], live_server)
    page.goto(path)
    assert page_scroll_height(page) == PHONE["height"]
    pane = page.locator(".frame__pane")
    footer = page.locator(".site-footer")
    # Each page's end, the footer, is reached by scrolling the pane.
    pane.evaluate("(box) => { box.scrollTop = box.scrollHeight; }")
    assert in_viewport(footer.bounding_box(), PHONE)
    assert box_of(page, ".site-header")["y"] == 0
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_phone_header_is_one_short_row_with_a_menu(page, live_server, town) -> None:
    page.set_viewport_size(PHONE)
    sign_in_as(page, town["hanako"], live_server)
    page.goto(channel_url(town["desk"]))

    header = box_of(page, ".site-header")
    assert header["height"] <= PHONE_HEADER_MAX_PX
    # No label broken one character per line: each toggle is one line high.
    for name in ("参加中のチャンネル", "メニュー"):
        toggle = page.get_by_role("button", name=name)
        assert toggle.is_visible()
        assert toggle.bounding_box()["height"] <= 48
    menu_button = page.get_by_role("button", name="メニュー")
    nav = page.get_by_role("navigation", name="メインメニュー")
    assert not nav.is_visible()
    menu_button.click()
    assert menu_button.get_attribute("aria-expanded") == "true"
    assert nav.get_by_role("link", name="メンション").is_visible()
    link = nav.get_by_role("link", name="ホーム")
    assert link.bounding_box()["height"] <= 48
    assert page.get_by_role("button", name="サインアウト").is_visible()
    page.keyboard.press("Escape")
    assert menu_button.get_attribute("aria-expanded") == "false"
    assert not nav.is_visible()
    assert page.evaluate("document.activeElement.dataset.menuToggle") == ""
    assert page.watch.console_errors == []


def test_wide_header_is_one_row_for_an_operator_with_an_account_menu(page, live_server, town) -> None:
    """At 1280 px the operator's header (with the review link) stays one row: their own
    pages are under their name, a menu that Escape and a click elsewhere close."""
    operator = town["hanako"]
    operator.role = Role.OPERATOR
    operator.save(update_fields=["role"])
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, operator, live_server)
    page.goto(channel_url(town["desk"]))
    expect(page.get_by_role("link", name="参加申請の審査")).to_be_visible()
    assert box_of(page, ".site-header")["height"] <= PHONE_HEADER_MAX_PX
    summary = page.locator(".account-menu__summary")
    security = page.get_by_role("link", name="セキュリティ")
    assert not security.is_visible()
    summary.click()
    expect(security).to_be_visible()
    expect(page.get_by_role("button", name="サインアウト")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"久留米 花子\s*（プロフィール）"))).to_be_visible()
    page.keyboard.press("Escape")
    expect(security).to_be_hidden()
    assert page.evaluate("document.activeElement.classList.contains('account-menu__summary')")
    summary.click()
    expect(security).to_be_visible()
    page.locator(".chat__header, main").first.click(position={"x": 5, "y": 5})
    expect(security).to_be_hidden()
    assert page.watch.console_errors == []


def test_phone_drawer_lists_the_channels_and_closes_with_escape(page, live_server, town) -> None:
    page.set_viewport_size(PHONE)
    sign_in_as(page, town["hanako"], live_server)
    page.goto(channel_url(town["desk"]))
    toggle = page.get_by_role("button", name="参加中のチャンネル")
    sidebar = page.locator("#channel-sidebar")
    assert not sidebar.is_visible()
    toggle.click()
    assert sidebar.get_by_role("link", name="防災").is_visible()
    assert box_of(page, "#channel-sidebar")["y"] >= box_of(page, ".site-header")["height"] - 1
    page.keyboard.press("Escape")
    assert not sidebar.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"


def test_phone_without_javascript_opens_the_menu_and_drawer_by_their_links(
    browser, live_server, town
) -> None:
    context = browser.new_context(
        base_url=live_server.url, locale="ja-JP", java_script_enabled=False, viewport=PHONE
    )
    try:
        page = context.new_page()
        sign_in_as(page, town["hanako"], live_server)
        page.goto(channel_url(town["desk"]))
        assert box_of(page, ".site-header")["height"] <= PHONE_HEADER_MAX_PX
        page.get_by_role("link", name="メニュー").click()
        page.get_by_role("navigation", name="メインメニュー").get_by_role(
            "link", name="メンション"
        ).wait_for()
        page.get_by_role("link", name="参加中のチャンネル").click()
        page.locator("#channel-sidebar").get_by_role("link", name="防災").click()
        page.wait_for_url(f"**{channel_url(town['last'])}")
    finally:
        context.close()


def test_phone_thread_shows_the_question_first_and_the_reply_box_opens_on_focus(
    page, live_server, town
) -> None:
    page.set_viewport_size(PHONE)
    sign_in_as(page, town["hanako"], live_server)
    page.goto(f"{channel_url(town['desk'])}threads/{town['question'].pk}/")
    pane = page.locator(".chat__thread")
    question = pane.locator(f"#t-{town['question'].pk}")
    question.wait_for()
    assert in_viewport(question.bounding_box(), PHONE)
    reply_box = pane.get_by_label("スレッドに返信")
    collapsed = reply_box.bounding_box()["height"]
    assert collapsed <= 48
    assert not pane.get_by_role("button", name="送信").is_visible()
    # The question and the first replies fit above the collapsed box.
    assert pane.locator(".message", has_text="その0").is_visible()
    assert in_viewport(pane.locator(".message", has_text="その0").bounding_box(), PHONE)

    reply_box.focus()
    assert reply_box.bounding_box()["height"] > collapsed
    assert pane.get_by_role("button", name="送信").is_visible()
    reply_box.fill("うちも同じです")
    reply_box.press("Enter")
    pane.locator(".message", has_text="うちも同じです").wait_for()


def test_the_message_box_is_focused_when_a_channel_opens(page, live_server, town) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, town["hanako"], live_server)
    page.goto(channel_url(town["desk"]))
    expect(page.locator("#composer-text")).to_be_focused()
    page.keyboard.type("開いてすぐ書けます")
    page.keyboard.press("Enter")
    page.locator(".message", has_text="開いてすぐ書けます").wait_for()


@pytest.mark.parametrize("target", ["#m-{pk}", "?message={pk}"])
def test_the_message_box_is_not_focused_when_the_address_points_at_a_message(
    page, live_server, town, target
) -> None:
    message = make_message(town["desk"], town["taro"], "この投稿へのリンクです")
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, town["hanako"], live_server)
    page.goto(channel_url(town["desk"]) + target.format(pk=message.pk))
    page.locator(f"#m-{message.pk}").wait_for()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.activeElement.id") != "composer-text"


def test_skip_link_moves_focus_to_the_message_box(page, live_server, town) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, town["hanako"], live_server)
    # Opened at a message, so the box is not focused already.
    page.goto(channel_url(town["desk"]) + f"?message={town['question'].pk}")
    page.wait_for_load_state("networkidle")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="メッセージ入力へ移動")
    assert page.evaluate("document.activeElement.textContent") == "メッセージ入力へ移動"
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "composer-text"


def test_alt_arrows_move_to_the_previous_and_next_channel(page, live_server, town) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, town["hanako"], live_server)
    page.goto(channel_url(town["desk"]))
    expect(page.locator("#composer-text")).to_be_focused()
    # From the message box too: Alt+↓ is the next channel of the sidebar.
    page.keyboard.press("Alt+ArrowDown")
    page.wait_for_url(f"**{channel_url(town['last'])}")
    assert page.locator("#channel-sidebar [aria-current=page]").inner_text().strip().endswith("防災")
    page.keyboard.press("Alt+ArrowUp")
    page.wait_for_url(f"**{channel_url(town['desk'])}")
    page.keyboard.press("Alt+ArrowUp")
    page.wait_for_url(f"**{channel_url(town['first'])}")


def test_escape_closes_the_thread_pane(page, live_server, town) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, town["hanako"], live_server)
    page.goto(channel_url(town["desk"]))
    page.get_by_role("link", name="返信 3件").click()
    page.locator(".chat__thread").get_by_role("heading", name="スレッド").wait_for()
    page.keyboard.press("Escape")
    page.locator(".chat__thread").wait_for(state="detached")
    assert page.url.endswith(channel_url(town["desk"]))

    # From the channel's own (empty) message box as well, which keeps the focus.
    page.get_by_role("link", name="返信 3件").click()
    page.locator(".chat__thread").get_by_role("heading", name="スレッド").wait_for()
    page.get_by_label("#窓口業務 へのメッセージ").focus()
    page.keyboard.press("Escape")
    page.locator(".chat__thread").wait_for(state="detached")
    assert page.evaluate("document.activeElement.id") == "composer-text"


def test_a_short_window_scrolls_as_one_page_and_opens_at_the_newest(page, live_server, town) -> None:
    """1280×800 at 200 % zoom is 640×400: too short for a frame, so the page scrolls as a whole."""
    zoomed = {"width": 640, "height": 400}
    page.set_viewport_size(zoomed)
    sign_in_as(page, town["hanako"], live_server)
    page.goto(channel_url(town["desk"]))
    assert page_scroll_height(page) > zoomed["height"]
    assert page.evaluate("document.scrollingElement.scrollWidth") <= zoomed["width"]
    newest = page.locator(".message", has_text="記録 39")
    expect(newest).to_be_in_viewport()
    expect(page.locator("#composer-text")).to_be_focused()
