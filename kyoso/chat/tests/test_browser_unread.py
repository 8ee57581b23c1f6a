"""The unread total in the browser tab's title, and sidebar badges that stop at 「99+」, in a real browser."""

from __future__ import annotations

import pytest

from kyoso.chat import actions
from kyoso.chat.models import Message
from kyoso.chat.tests.test_browser_chat import channel_url, sign_in_as
from kyoso.testing.factories import make_channel, make_member, make_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The page's own copy of unread.js (the same module URL is the same module): what a live event calls.
UNREAD = "() => import('/static/kyoso/js/chat/unread.js')"


@pytest.fixture
def people() -> dict[str, object]:
    hanako, taro = make_member(display_name="久留米 花子"), make_member(display_name="八女 太郎")
    return {"hanako": hanako, "taro": taro, "desk": make_channel("窓口業務", creator=taro, members=[hanako])}


def live_post(page: object, channel_id: int, author_id: int) -> None:
    """What stream.js does with a message.created event for another channel."""
    page.evaluate(  # type: ignore[attr-defined]
        f"""async () => {{
          const unread = await ({UNREAD})();
          const author = {{ id: {author_id} }};
          unread.elsewhere({{ channel_id: {channel_id}, author, thread_root_id: null }});
        }}"""
    )


def test_the_tab_title_shows_the_unread_total_and_follows_live_updates(page, live_server, people) -> None:
    hanako, taro = people["hanako"], people["taro"]
    lunch = make_channel("雑談", creator=taro, members=[hanako])
    actions.mark_channel_read(member=hanako, channel=lunch)
    for text in ["今日の昼は何を", "食堂が改装されました", "ぜひ行ってみてください"]:
        make_message(lunch, taro, text)
    sign_in_as(page, hanako, live_server)
    page.goto(channel_url(people["desk"]))

    assert page.title().startswith("(3) ")
    badge = page.locator(f'[data-sidebar-channel="{lunch.pk}"] [data-unread-count]')
    assert badge.inner_text().startswith("3")

    live_post(page, lunch.pk, taro.pk)
    page.wait_for_function("() => document.title.startsWith('(4) ')")
    assert badge.get_attribute("data-unread-count") == "4"
    assert badge.locator(".visually-hidden").inner_text() == "4件の未読"

    live_post(page, lunch.pk, hanako.pk)  # one's own post is not unread
    assert page.title().startswith("(4) ")

    page.evaluate(
        f"""async () => {{
          const unread = await ({UNREAD})();
          unread.onUnreadEvent({{ type: "read.updated", data: {{ channel_id: {lunch.pk} }} }});
        }}"""
    )
    page.wait_for_function("() => !document.title.startsWith('(')")
    assert badge.count() == 0
    assert page.watch.console_errors == []


def test_a_huge_backlog_reads_99_plus_in_the_sidebar_and_the_title(page, live_server, people) -> None:
    hanako, taro = people["hanako"], people["taro"]
    busy = make_channel("雑談", creator=taro, members=[hanako])
    first = make_message(busy, taro, "最初")
    Message.objects.bulk_create(
        Message(
            channel=busy, author=taro, text=f"投稿 {i}", html=f"<p>投稿 {i}</p>", created_at=first.created_at
        )
        for i in range(150)
    )
    sign_in_as(page, hanako, live_server)
    page.goto(channel_url(people["desk"]))

    badge = page.locator(f'[data-sidebar-channel="{busy.pk}"] [data-unread-count]')
    assert badge.locator('[aria-hidden="true"]').inner_text() == "99+"
    assert badge.locator(".visually-hidden").inner_text() == "99件を超える未読"
    assert page.title().startswith("(99+) ")
    live_post(page, busy.pk, taro.pk)  # still 99+, counted no further
    assert badge.locator('[aria-hidden="true"]').inner_text() == "99+"
    assert badge.get_attribute("data-unread-count") == "100"
