"""Mentions that look like mentions, and search results that land on the hit, in a real browser.

The message box shows 「@名前」 and sends the markup; a pill shows the member's organisation on hover
and on keyboard focus; a message naming the reader is highlighted, on the page and when it arrives
live; a search result opens the channel at the hit, however old, highlighted.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from kyoso.chat import actions
from kyoso.chat.events import message_data
from kyoso.chat.mentions import member_token
from kyoso.chat.models import Mention, Message
from kyoso.chat.rendering import fragments_for
from kyoso.chat.tests.test_browser_chat import sign_in_as
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization
from kyoso.web.tests.axe import AXE, OPTIONS, report, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people() -> dict[str, object]:
    hanako = make_member(
        make_organization("久留米市"), display_name="久留米 花子", full_name_kana="くるめ はなこ"
    )
    taro = make_member(
        make_organization("八女市"),
        display_name="八女 太郎",
        full_name_kana="やめ たろう",
        department="市民課",
    )
    desk = make_channel("窓口業務", creator=taro, members=[hanako])
    return {"hanako": hanako, "taro": taro, "desk": desk}


def channel_url(channel: object) -> str:
    return f"/channels/{quote(channel.slug)}/"  # type: ignore[attr-defined]


def violations_in(page: object, selector: str) -> list[dict[str, object]]:
    """axe's violations inside one part of the page (what this file changes), as it is now."""
    return list(AXE.run(page, context=selector, options=OPTIONS).response["violations"])


def in_viewport(locator: object) -> bool:
    return bool(
        locator.evaluate(  # type: ignore[attr-defined]
            """(node) => {
              const box = node.getBoundingClientRect();
              let top = 0, bottom = window.innerHeight;
              for (let p = node.parentElement; p; p = p.parentElement) {
                const style = getComputedStyle(p);
                if (/(auto|scroll)/.test(style.overflowY)) {
                  const r = p.getBoundingClientRect();
                  top = Math.max(top, r.top);
                  bottom = Math.min(bottom, r.bottom);
                }
              }
              return box.bottom > top && box.top < bottom;
            }"""
        )
    )


def test_the_box_shows_the_pill_text_and_the_posted_message_names_the_member(
    page, live_server, people
) -> None:
    sign_in_as(page, people["hanako"], live_server)
    page.goto(channel_url(people["desk"]))
    box = page.get_by_label("#窓口業務 へのメッセージ")
    box.press_sequentially("確認お願いします @やめ")
    page.get_by_role("option", name="八女 太郎").wait_for()
    box.press("Enter")  # chooses the member
    assert box.input_value() == "確認お願いします @八女 太郎 "
    box.press_sequentially("さん")
    box.press("Enter")  # sends

    pill = page.locator(".message-list[data-stream] .message").last.locator("a.mention")
    pill.wait_for()
    posted = Message.objects.get(author=people["hanako"])
    assert posted.text == f"確認お願いします @[八女 太郎](member:{people['taro'].pk}) さん"
    assert list(Mention.objects.filter(message=posted).values_list("member_id", flat=True)) == [
        people["taro"].pk
    ]
    assert box.input_value() == ""

    # The organisation shows on keyboard focus (not only on hover), and Escape hides it again.
    card = pill.locator(".mention__org")
    assert not card.is_visible() or card.bounding_box()["width"] <= 1
    pill.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert pill.evaluate("(node) => node === document.activeElement")
    assert card.bounding_box()["width"] > 20
    assert card.inner_text() == "（八女市 · 市民課）"
    assert pill.get_attribute("href") == f"/accounts/members/{people['taro'].pk}/"
    found = violations(page)
    assert found == [], report(found)
    page.keyboard.press("Escape")
    assert card.bounding_box()["width"] <= 1
    assert page.watch.console_errors == []


def test_editing_a_message_shows_pill_text_and_keeps_the_mention(page, live_server, people) -> None:
    taro = people["taro"]
    message = actions.post_message(
        author=people["hanako"], channel=people["desk"], text=f"{member_token(taro.pk, '昔の名前')} 確認を"
    )
    sign_in_as(page, people["hanako"], live_server)
    page.goto(channel_url(people["desk"]))
    item = page.locator(f"#m-{message.pk}")
    item.locator("[data-message-menu]").click()
    page.locator("[data-edit]").click()
    editor = item.locator(".message__editor textarea")
    editor.wait_for()
    assert editor.input_value() == "@八女 太郎 確認を"  # the name the message shows now, no markup
    editor.fill("@八女 太郎 確認をお願いします")
    item.get_by_role("button", name="保存").click()
    page.locator(f"#m-{message.pk} .message__body", has_text="お願いします").wait_for()
    message.refresh_from_db()
    assert message.text == f"@[八女 太郎](member:{taro.pk}) 確認をお願いします"
    assert Mention.objects.filter(message=message, member=taro).exists()


def test_a_message_naming_the_reader_is_highlighted_on_the_page_and_when_it_arrives_live(
    page, live_server, people
) -> None:
    hanako, taro, desk = people["hanako"], people["taro"], people["desk"]
    named = make_message(desk, taro, f"{member_token(hanako.pk, 'x')} 資料を見てください")
    other = make_message(desk, taro, "関係のない話")
    sign_in_as(page, hanako, live_server)
    page.goto(channel_url(desk))
    assert "message--mentions-me" in page.locator(f"#m-{named.pk}").get_attribute("class")
    assert "message--mentions-me" not in page.locator(f"#m-{other.pk}").get_attribute("class")
    background = page.locator(f"#m-{named.pk}").evaluate("(node) => getComputedStyle(node).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    found = violations_in(page, f"#m-{named.pk}")
    assert found == [], report(found)

    # A message that arrives live is drawn for nobody in particular (the event's fragments): the page
    # marks it for its reader, as the live stream does (the test server here speaks no WebSocket).
    live = make_message(desk, taro, f"{member_token(hanako.pk, 'x')} もう一件")
    quiet = make_message(desk, taro, "もう一件、関係のない話")
    for message in (live, quiet):
        fresh = Message.objects.select_related("author", "channel").get(pk=message.pk)
        data = {**message_data(fresh), "fragments": fragments_for([fresh], new=True)[fresh.pk]}
        assert "message--mentions-me" not in json.dumps(data["fragments"])
        page.evaluate(
            """async (data) => {
              const base = document.querySelector("script[src*='js/chat.js']").src;
              const { drawn, personalize } = await import(new URL("chat/message.js", base));
              const { insertInto } = await import(new URL("chat/stream.js", base));
              const { stream } = await import(new URL("chat/page.js", base));
              insertInto(stream(), personalize(drawn(data, "stream")));
            }""",
            data,
        )
    assert "message--mentions-me" in page.locator(f"#m-{live.pk}").get_attribute("class")
    assert "message--mentions-me" not in page.locator(f"#m-{quiet.pk}").get_attribute("class")


def test_a_search_result_lands_on_an_old_message_highlighted(page, live_server, people) -> None:
    hanako, taro, desk = people["hanako"], people["taro"], people["desk"]
    make_message(desk, taro, "最初のあいさつ")
    old = make_message(desk, taro, "**日時**: 防災訓練は10月1日です")
    for i in range(130):
        make_message(desk, taro, f"雑談 {i}")
    sign_in_as(page, hanako, live_server)
    page.goto("/search/?q=防災訓練")
    result = page.locator(".search-hit__link").first
    assert result.inner_text() == "日時: 防災訓練は10月1日です"
    assert result.locator("mark").inner_text() == "防災訓練"
    found = violations(page)
    assert found == [], report(found)

    result.click()
    hit = page.locator(f"#m-{old.pk}")
    page.wait_for_load_state("load")
    assert page.url.endswith(f"?around={old.pk}#m-{old.pk}")
    # The browser marks the message the address points at (:target) once it has gone there.
    page.wait_for_function("(id) => document.getElementById(id)?.matches(':target')", arg=f"m-{old.pk}")
    assert in_viewport(hit)
    outline = hit.evaluate("(node) => getComputedStyle(node).outlineStyle")
    assert outline == "solid"
    # The newest messages are not on this page: it is the page around the hit.
    assert page.locator(".message", has_text="雑談 129").count() == 0
    found = violations_in(page, f"#m-{old.pk}")
    assert found == [], report(found)


def test_a_search_result_in_a_thread_opens_the_thread_at_the_reply(page, live_server, people) -> None:
    hanako, taro, desk = people["hanako"], people["taro"], people["desk"]
    root = make_message(desk, taro, "避難所の運営について")
    reply = make_message(desk, hanako, "備蓄品の一覧を共有します", thread=root)
    for i in range(80):
        make_message(desk, taro, f"雑談 {i}")
    sign_in_as(page, hanako, live_server)
    page.goto("/search/?q=備蓄品")
    page.locator(".search-hit__link").first.click()
    page.wait_for_load_state("load")
    page.wait_for_function("(id) => document.getElementById(id)?.matches(':target')", arg=f"t-{reply.pk}")
    hit = page.locator(f"[data-thread-list] #t-{reply.pk}, #t-{reply.pk}").first
    assert in_viewport(hit)
    # Beside the thread, the channel shows the history around the thread's question, not the newest.
    assert page.locator(f"[data-stream] #m-{root.pk}").count() == 1
    assert page.locator("[data-stream] .message", has_text="雑談 79").count() == 0
