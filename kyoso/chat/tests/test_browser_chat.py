"""Journeys through the three-pane chat in a real browser: post, reply, mention, stamp, files,
unread badges, edit and delete, older history, keyboard only and a 360 px phone."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client

from kyoso.accounts.models import Member
from kyoso.chat import actions
from kyoso.chat.models import Attachment, Message, Reaction
from kyoso.chat.queries import mentions_for
from kyoso.chat.tests.filesamples import image_bytes
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def sign_in_as(page: object, member: Member, live_server: object) -> None:
    """Put a signed-in session cookie into the browser: these journeys are not about signing in."""
    client = Client()
    force_login_verified(client, member)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])  # type: ignore[attr-defined]


@pytest.fixture
def people() -> dict[str, object]:
    kurume = make_organization("久留米市")
    yame = make_organization("八女市")
    hanako = make_member(kurume, display_name="久留米 花子", full_name_kana="くるめ はなこ")
    taro = make_member(yame, display_name="八女 太郎", full_name_kana="やめ たろう", department="市民課")
    desk = make_channel("窓口業務", creator=taro, members=[hanako], purpose="窓口の困りごとを話す場所")
    return {"hanako": hanako, "taro": taro, "desk": desk}


def channel_url(channel: object) -> str:
    return f"/channels/{quote(channel.slug)}/"  # type: ignore[attr-defined]


def test_member_posts_with_enter_and_the_message_appears_without_reload(page, live_server, people) -> None:
    sign_in_as(page, people["hanako"], live_server)
    page.goto(channel_url(people["desk"]))
    box = page.get_by_label("#窓口業務 へのメッセージ")
    box.fill("書かない窓口の **手順書** を共有します <script>alert(1)</script>")
    box.press("Enter")

    posted = page.locator(".message-list[data-stream] .message").last
    posted.locator("strong", has_text="手順書").wait_for()
    assert "<script>alert(1)</script>" in posted.locator(".message__body").inner_text()
    assert box.input_value() == ""
    assert Message.objects.filter(author=people["hanako"], text__startswith="書かない窓口").count() == 1
    assert page.watch.console_errors == []


def test_shift_enter_makes_a_new_line_and_a_refused_message_keeps_its_text(
    page, live_server, people, settings
) -> None:
    settings.KYOSO_MESSAGE_MAX_LENGTH = 20
    sign_in_as(page, people["hanako"], live_server)
    page.goto(channel_url(people["desk"]))
    box = page.get_by_label("#窓口業務 へのメッセージ")
    box.press_sequentially("一行目")
    box.press("Shift+Enter")
    box.press_sequentially("二行目はとても長くて上限を超えてしまう文章です")
    box.press("Enter")

    page.get_by_role("alert").filter(has_text="メッセージが長すぎます。").wait_for()
    assert box.input_value() == "一行目\n二行目はとても長くて上限を超えてしまう文章です"
    assert not Message.objects.filter(author=people["hanako"]).exists()


def test_member_replies_in_the_thread_pane_and_can_also_send_to_the_channel(
    page, live_server, people
) -> None:
    root = make_message(people["desk"], people["taro"], "おくやみ窓口、どう始めましたか？")
    sign_in_as(page, people["hanako"], live_server)
    page.goto(channel_url(people["desk"]))
    page.get_by_role("link", name="八女 太郎さんのメッセージにスレッドで返信").click()

    pane = page.locator(".chat__thread")
    pane.get_by_role("heading", name="スレッド").wait_for()
    assert f"/threads/{root.pk}/" in page.url
    reply_box = pane.get_by_label("スレッドに返信")
    reply_box.fill("うちは庁内の手順を一枚にまとめました")
    pane.get_by_label("チャンネルにも投稿する").check()
    reply_box.press("Enter")

    pane.locator(".message", has_text="一枚にまとめました").wait_for()
    reply = Message.objects.get(thread_root=root)
    assert reply.also_in_channel
    pane.get_by_role("link", name="スレッドを閉じる").click()
    assert page.locator(".chat__thread").count() == 0
    assert page.url.endswith(channel_url(people["desk"]))


def test_mention_type_ahead_by_kana_inserts_the_member_and_they_are_notified(
    page, live_server, people
) -> None:
    sign_in_as(page, people["hanako"], live_server)
    page.goto(channel_url(people["desk"]))
    box = page.get_by_label("#窓口業務 へのメッセージ")
    box.press_sequentially("教えてください @やめ")
    option = page.get_by_role("option", name="八女 太郎")
    option.wait_for()
    box.press("Enter")  # chooses the highlighted member; does not send
    # The box shows the pill text; the markup is made when the message is sent.
    assert box.input_value() == "教えてください @八女 太郎 "
    box.press("Enter")

    page.locator(".message .mention", has_text="@八女 太郎").wait_for()
    assert mentions_for(people["taro"]).messages[0].text.startswith("教えてください")


def test_member_stamps_a_message_by_keyboard_and_takes_it_back(page, live_server, people) -> None:
    message = make_message(people["desk"], people["taro"], "申請書の様式を統一しました")
    sign_in_as(page, people["hanako"], live_server)
    page.goto(channel_url(people["desk"]))
    picker = page.locator(f"#m-{message.pk} [data-stamp-picker]")
    picker.focus()
    page.keyboard.press("Enter")
    first_stamp = page.locator(f"#m-{message.pk} .stamp-picker__stamp").first
    first_stamp.wait_for()
    assert page.evaluate("document.activeElement.textContent").strip().endswith("共創")
    page.keyboard.press("Enter")  # the picker opened with the keyboard on its first stamp, 共創

    stamp = page.locator(f"#m-{message.pk} button.stamp", has_text="共創")
    stamp.wait_for()
    assert stamp.get_attribute("aria-pressed") == "true"
    assert stamp.get_attribute("title") == "1団体が共創"
    assert Reaction.objects.filter(message=message, member=people["hanako"]).count() == 1

    stamp.click()
    page.locator(f"#m-{message.pk} button.stamp").wait_for(state="detached")
    assert not Reaction.objects.filter(message=message).exists()


def test_member_uploads_a_file_and_another_member_downloads_it(page, live_server, people) -> None:
    png = image_bytes("PNG")
    sign_in_as(page, people["hanako"], live_server)
    page.goto(channel_url(people["desk"]))
    page.locator("#composer [data-composer-files]").set_input_files(
        files=[{"name": "窓口の写真.png", "mimeType": "image/png", "buffer": png}]
    )
    assert "窓口の写真.png" in page.locator("#composer [data-composer-chosen]").inner_text()
    box = page.get_by_label("#窓口業務 へのメッセージ")
    box.fill("窓口の配置です")
    box.press("Enter")

    link = page.locator(".attachment__link", has_text="窓口の写真.png")
    link.wait_for()
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png"

    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.body() == png
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("attachment")


def test_unread_badges_show_and_clear_when_the_channel_is_opened(page, live_server, people) -> None:
    lunch = make_channel("雑談", creator=people["taro"], members=[people["hanako"]])
    actions.mark_channel_read(member=people["hanako"], channel=lunch)
    for text in ["今日の昼は何を", "食堂が改装されました", "ぜひ行ってみてください"]:
        make_message(lunch, people["taro"], text)
    sign_in_as(page, people["hanako"], live_server)
    page.goto(channel_url(people["desk"]))

    badge = page.locator(f'[data-sidebar-channel="{lunch.pk}"] [data-unread-count]')
    assert badge.inner_text().startswith("3")
    page.locator(f'[data-sidebar-channel="{lunch.pk}"]').click()
    page.get_by_role("separator").filter(has_text="ここから未読").wait_for()
    assert page.locator(f'[data-sidebar-channel="{lunch.pk}"] [data-unread-count]').count() == 0


def test_member_edits_inline_and_deletes_leaving_a_tombstone(page, live_server, people) -> None:
    mine = make_message(people["desk"], people["hanako"], "受付は9時からです")
    sign_in_as(page, people["hanako"], live_server)
    page.goto(channel_url(people["desk"]))
    item = page.locator(f"#m-{mine.pk}")

    item.get_by_text("…", exact=True).click()
    item.get_by_role("link", name="編集").click()
    editor = item.get_by_label("メッセージを編集")
    editor.fill("受付は8時30分からです")
    item.get_by_role("button", name="保存").click()
    page.locator(f"#m-{mine.pk} .message__body", has_text="8時30分").wait_for()
    assert page.locator(f"#m-{mine.pk} .message__edited").is_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#m-{mine.pk}").get_by_text("…", exact=True).click()
    page.locator(f"#m-{mine.pk}").get_by_role("link", name="削除").click()
    page.locator(f"#m-{mine.pk} .message__tombstone", has_text="このメッセージは削除されました").wait_for()
    mine.refresh_from_db()
    assert mine.deleted_at is not None


def test_older_history_loads_above_without_leaving_the_page(page, live_server, people) -> None:
    for n in range(60):
        make_message(people["desk"], people["taro"], f"記録 {n:02d}")
    sign_in_as(page, people["hanako"], live_server)
    page.goto(channel_url(people["desk"]))
    assert page.locator(".message", has_text="記録 00").count() == 0
    page.get_by_role("link", name="さらに前を読む").click()
    page.locator(".message", has_text="記録 00").wait_for()
    assert page.locator(".message", has_text="記録 59").count() == 1
    assert "?before=" not in page.url


def test_keyboard_only_member_reaches_the_message_box_and_sends(page, live_server, people) -> None:
    sign_in_as(page, people["hanako"], live_server)
    page.goto(channel_url(people["desk"]))
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "composer-text":
            break
    assert page.evaluate("document.activeElement.id") == "composer-text"
    page.keyboard.type("キーボードだけで送ります")
    page.keyboard.press("Enter")
    page.locator(".message", has_text="キーボードだけで送ります").wait_for()


def test_phone_width_thread_takes_the_screen_and_nothing_scrolls_sideways(page, live_server, people) -> None:
    root = make_message(people["desk"], people["taro"], "スマホからも読めますか")
    make_message(people["desk"], people["hanako"], "読めます", thread=root)
    page.set_viewport_size(PHONE)
    sign_in_as(page, people["hanako"], live_server)
    page.goto(channel_url(people["desk"]))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("link", name="返信 1件").click()
    page.locator(".chat__thread").get_by_role("heading", name="スレッド").wait_for()
    assert not page.locator(".chat__stream").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    toggle = page.get_by_role("button", name="参加中のチャンネル")
    toggle.click()
    assert page.locator("#channel-sidebar").get_by_role("link", name="窓口業務").is_visible()


def test_escape_closes_the_message_menu_and_returns_to_its_button(page, live_server, people) -> None:
    message = make_message(people["desk"], people["taro"], "メニューの確認")
    sign_in_as(page, people["hanako"], live_server)
    page.goto(channel_url(people["desk"]))
    toggle = page.locator(f"#m-{message.pk} [data-message-menu]")
    toggle.focus()
    page.keyboard.press("Enter")
    menu = page.locator(f"#m-{message.pk} .popover")
    menu.get_by_role("button", name="あとで読む").wait_for()
    assert menu.get_by_role("link", name="編集").count() == 0  # not hers to edit
    page.keyboard.press("Escape")
    assert menu.count() == 0
    assert page.evaluate("document.activeElement.dataset.messageMenu") == ""


def test_without_javascript_the_menu_and_stamp_picker_are_pages(browser, live_server, people) -> None:
    message = make_message(people["desk"], people["taro"], "スクリプトなしでも")
    context = browser.new_context(base_url=live_server.url, locale="ja-JP", java_script_enabled=False)
    page = context.new_page()
    sign_in_as(page, people["hanako"], live_server)
    page.goto(channel_url(people["desk"]))
    page.locator(f"#m-{message.pk} [data-stamp-picker]").click()
    page.get_by_role("button", name="なるほど").click()
    page.locator(f"#m-{message.pk} button.stamp", has_text="なるほど").wait_for()
    page.locator(f"#m-{message.pk} [data-message-menu]").click()
    page.get_by_role("button", name="あとで読む").click()
    page.get_by_text("「あとで読む」に保存しました。").wait_for()
    context.close()
    assert Reaction.objects.filter(message=message, member=people["hanako"]).count() == 1
