"""One renderer for a message: a live event carries the page's own template, drawn once per event."""

from __future__ import annotations

import re
from typing import cast
from unittest import mock

import pytest
from django.test import RequestFactory

from kyoso.accounts.models import Member
from kyoso.accounts.requests import MemberRequest
from kyoso.chat import actions, rendering
from kyoso.chat.models import Message, Stamp
from kyoso.chat.views._common import render_messages
from kyoso.realtime.catchup import missed
from kyoso.realtime.pubsub import encode
from kyoso.testing.factories import make_channel, make_member, make_organization

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')


@pytest.fixture
def people() -> dict[str, object]:
    kurume = make_organization("久留米市")
    hanako = make_member(kurume, display_name="久留米 花子")
    taro = make_member(make_organization("八女市"), display_name="八女 太郎")
    jiro = make_member(kurume, display_name="久留米 次郎")
    desk = make_channel("窓口業務", creator=hanako, members=[taro, jiro])
    actions.ensure_default_stamps()
    return {"hanako": hanako, "taro": taro, "jiro": jiro, "desk": desk}


def page_copy(member: Member, message: Message, *, in_thread: bool = False) -> str:
    """The message as the channel page draws it for ``member``, without its form token."""
    request = RequestFactory().get("/")
    request.user = member
    # A signed-in member's request, as login_required hands it to the view.
    html = render_messages(cast(MemberRequest, request), message.channel, [message], in_thread=in_thread)[
        message.pk
    ]
    return CSRF_INPUT.sub("", html)


def test_a_live_message_is_the_page_copy_for_a_reader_who_pressed_nothing(published, people) -> None:
    with published() as sent:
        message = actions.post_message(
            author=people["hanako"], channel=people["desk"], text="**手順書** を共有します"
        )
    created = sent.data("message.created")[0]
    assert created["html"] == message.html  # the API's field is unchanged
    assert created["fragments"]["ja"]["stream"] == page_copy(people["jiro"], message)
    assert "thread" not in created["fragments"]["ja"]  # a new message is nobody's open thread yet

    stamp = Stamp.objects.get(name="共創")
    with published() as sent:
        actions.add_reaction(member=people["taro"], message=message, stamp=stamp)
    stamped = sent.data("reaction.added")[0]["fragments"]["ja"]
    assert 'aria-pressed="false"' in stamped["stream"]  # pressed by nobody: the page says whose
    assert stamped["stream"] == page_copy(people["jiro"], message)
    assert stamped["thread"] == page_copy(people["jiro"], message, in_thread=True)


def test_edits_deletions_and_replies_carry_the_redrawn_message(published, people) -> None:
    message = actions.post_message(author=people["hanako"], channel=people["desk"], text="受付は9時から")
    with published() as sent:
        actions.edit_message(member=people["hanako"], message=message, text="受付は8時30分から")
    edited = sent.data("message.updated")[0]["fragments"]["ja"]["stream"]
    assert "8時30分" in edited and "（編集済み）" in edited

    with published() as sent:
        actions.post_message(
            author=people["taro"],
            channel=people["desk"],
            text="了解です",
            thread=message,
            also_in_channel=True,
        )
    reply = sent.data("message.created")[0]["fragments"]["ja"]
    assert set(reply) == {"stream", "thread"}  # a reply also sent to the channel is drawn for both
    replied = sent.data("thread.replied")[0]["fragments"]["ja"]["stream"]
    assert "返信 1件" in replied
    message.refresh_from_db()
    assert replied == page_copy(people["jiro"], message)

    with published() as sent:
        actions.delete_message(member=people["hanako"], message=message)
    gone = sent.data("message.deleted")[0]["fragments"]["ja"]["stream"]
    assert "このメッセージは削除されました" in gone and "受付" not in gone


def test_a_post_is_drawn_once_per_language_however_many_hear_it(published, people) -> None:
    for n in range(20):
        actions.join_channel(member=make_member(display_name=f"職員{n}"), channel=people["desk"])
    draw = mock.patch.object(rendering, "render_to_string", wraps=rendering.render_to_string)
    with draw as drawn, published():
        actions.post_message(author=people["hanako"], channel=people["desk"], text="全員へ")
    assert drawn.call_count == len(rendering.settings.LANGUAGES)


def test_catch_up_after_a_reconnection_sends_the_live_event_fragment(published, people) -> None:
    with published() as sent:
        message = actions.post_message(author=people["hanako"], channel=people["desk"], text="見逃した投稿")
    live = sent.data("message.created")[0]
    desk = people["desk"].pk
    caught = missed(people["jiro"], {desk: message.pk - 1}, {desk})
    assert len(caught.frames) == 1
    assert '"fragments"' in caught.frames[0]
    assert encode({"data": live["fragments"]})[len('{"data":') : -1] in caught.frames[0]


def test_the_menu_and_stamp_picker_open_in_place_from_the_pages_own_templates(client, people) -> None:
    message = actions.post_message(author=people["hanako"], channel=people["desk"], text="メニュー")
    client.force_login(people["hanako"])
    base = f"/channels/{people['desk'].slug}/messages/{message.pk}"
    menu = client.get(f"{base}/actions/?in_thread=1", headers={"X-Kyoso-Fragment": "1"}).content.decode()
    assert menu.startswith('<div class="popover menu__panel"')
    assert "data-enhance" in menu and 'name="in_thread"' in menu and "data-edit" in menu  # hers to edit
    picker = client.get(f"{base}/stamps/", headers={"X-Kyoso-Fragment": "1"}).content.decode()
    assert picker.startswith('<div class="popover stamp-picker__panel"') and "共創" in picker
    page = client.get(f"{base}/actions/").content.decode()
    assert "<html" in page and "data-enhance" not in page  # without JavaScript: a page of plain forms
