"""What a member does to one message in the chat UI: edit, delete, stamps, pin, あとで読む, follow.

Each is a plain form (redirect back with a notice) and, from chat.js (``X-Kyoso-Fragment: 1``), JSON
with the message rendered again.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from kyoso.accounts.models import Member, Role
from kyoso.chat.models import Channel, Message, MessageRevision, Reaction, SavedMessage, ThreadFollow
from kyoso.chat.tests.web import FRAGMENT, page, stream, textarea, url
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import (
    make_channel,
    make_member,
    make_message,
    make_organization,
    make_reaction,
    stamp_named,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(hanako: Member, channel: Channel) -> Message:
    return make_message(channel, hanako, "窓口は9時からです")


@pytest.fixture
def theirs(channel: Channel) -> Message:
    return make_message(channel, make_member(make_organization("八女市")), "八女市の取り組みです")


# Edit


def test_edit_page_shows_the_current_text(client: Client, channel: Channel, mine: Message) -> None:
    response = client.get(url("edit", channel, mine.pk))
    assert response.status_code == 200
    assert textarea(page(response), "edit") == "窓口は9時からです"


def test_editing_changes_the_text_and_keeps_the_earlier_one_as_a_revision(
    client: Client, channel: Channel, mine: Message
) -> None:
    response = client.post(url("edit", channel, mine.pk), {"text": "窓口は8時半からです"})

    assert response.status_code == 302
    assert response["Location"] == f"{url('channel', channel)}#m-{mine.pk}"
    mine.refresh_from_db()
    assert mine.text == "窓口は8時半からです" and mine.edited_at is not None
    assert list(MessageRevision.objects.filter(message=mine).values_list("text", flat=True)) == [
        "窓口は9時からです"
    ]
    listed = stream(page(client.get(response["Location"])))
    assert "窓口は8時半からです" in listed and "（編集済み）" in listed
    assert "窓口は9時からです" not in listed


def test_editing_a_reply_goes_back_to_its_thread(client: Client, hanako: Member, channel: Channel) -> None:
    root = make_message(channel, make_member(), "相談です")
    reply = make_message(channel, hanako, "返信です", thread=root)

    response = client.post(url("edit", channel, reply.pk), {"text": "返信を直しました"})

    assert response["Location"] == f"{url('thread', channel, root.pk)}#t-{reply.pk}"


def test_editing_from_javascript_answers_the_message_rendered_again(
    client: Client, channel: Channel, mine: Message
) -> None:
    response = client.post(url("edit", channel, mine.pk), {"text": "**8時半**からです"}, headers=FRAGMENT)

    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True and data["id"] == mine.pk
    assert "<strong>8時半</strong>からです" in data["html"] and "（編集済み）" in data["html"]


@pytest.mark.parametrize("fragment", [False, True])
def test_refused_edit_keeps_the_message_and_shows_the_draft(
    client: Client, channel: Channel, mine: Message, settings: object, fragment: bool
) -> None:
    settings.KYOSO_MESSAGE_MAX_LENGTH = 10  # type: ignore[attr-defined]
    draft = "とても長い書き直しの文章です"

    response = client.post(
        url("edit", channel, mine.pk), {"text": draft}, headers=FRAGMENT if fragment else {}
    )

    assert response.status_code == 400
    if fragment:
        assert response.json()["error"] == {"code": "message_too_long", "message": "メッセージが長すぎます。"}
    else:
        assert "メッセージが長すぎます。" in page(response)
        assert textarea(page(response), "edit") == draft
    mine.refresh_from_db()
    assert mine.text == "窓口は9時からです" and mine.edited_at is None
    assert not MessageRevision.objects.exists()


@pytest.mark.parametrize("fragment", [False, True])
def test_member_cannot_edit_someone_elses_message(
    client: Client, channel: Channel, theirs: Message, fragment: bool
) -> None:
    response = client.post(
        url("edit", channel, theirs.pk), {"text": "乗っ取り"}, headers=FRAGMENT if fragment else {}
    )

    assert response.status_code in (403, 404)
    theirs.refresh_from_db()
    assert theirs.text == "八女市の取り組みです"
    assert not MessageRevision.objects.exists()


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_edit_and_delete_pages_are_not_offered_for_someone_elses_message(
    client: Client, channel: Channel, theirs: Message, action: str
) -> None:
    listed = stream(page(client.get(url("channel", channel))))
    assert url(action, channel, theirs.pk) not in listed  # the menu has no such link

    response = client.get(url(action, channel, theirs.pk))

    assert response.status_code in (403, 404), (
        f"the {action} form is shown for a message the member cannot {action}"
    )


# Delete


def test_delete_asks_for_confirmation_first(client: Client, channel: Channel, mine: Message) -> None:
    response = client.get(url("delete", channel, mine.pk))

    assert response.status_code == 200
    assert "メッセージを削除しますか？" in page(response) and "窓口は9時からです" in page(response)
    mine.refresh_from_db()
    assert mine.deleted_at is None


def test_deleting_leaves_a_tombstone_and_the_threads_replies(
    client: Client, channel: Channel, mine: Message
) -> None:
    colleague = make_member(make_organization("大川市"))
    make_message(channel, colleague, "うちも9時です", thread=mine)
    make_message(channel, colleague, "土曜もです", thread=mine)

    response = client.post(url("delete", channel, mine.pk))

    assert response.status_code == 302
    assert response["Location"] == f"{url('channel', channel)}#m-{mine.pk}"
    body = page(client.get(response["Location"]))
    assert "メッセージを削除しました。" in body
    listed = stream(body)
    assert "このメッセージは削除されました" in listed and "窓口は9時からです" not in listed
    assert "返信 2件" in listed
    thread = page(client.get(url("thread", channel, mine.pk)))
    assert "このメッセージは削除されました" in thread
    assert thread.index("うちも9時です") < thread.index("土曜もです")


def test_deleting_from_javascript_answers_the_tombstone(
    client: Client, channel: Channel, mine: Message
) -> None:
    response = client.post(url("delete", channel, mine.pk), headers=FRAGMENT)

    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True and data["notice"] == "メッセージを削除しました。"
    assert "このメッセージは削除されました" in data["html"] and "窓口は9時からです" not in data["html"]


def test_member_cannot_delete_someone_elses_message_but_a_moderator_can(
    client: Client, channel: Channel, theirs: Message
) -> None:
    refused = client.post(url("delete", channel, theirs.pk), headers=FRAGMENT)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_allowed"
    theirs.refresh_from_db()
    assert theirs.deleted_at is None

    moderator = Client()
    force_login_verified(moderator, make_member(role=Role.MODERATOR))
    response = moderator.post(url("delete", channel, theirs.pk))
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.deleted_at is not None and theirs.text == ""


# Stamps


def stamp_button(body: str, message: Message) -> re.Match[str] | None:
    item = re.search(rf'<li class="message[^"]*" id="[mt]-{message.pk}".*?</li>\s*</ul>', body, re.S)
    return (
        re.search(
            r'<button class="stamp( stamp--mine)?" [^>]*aria-pressed="(\w+)" title="([^"]+)"', item.group(0)
        )
        if item
        else None
    )


def test_pressing_a_stamp_adds_it_and_pressing_again_takes_it_back(
    client: Client, hanako: Member, channel: Channel, theirs: Message
) -> None:
    kyoso = stamp_named("共創")

    added = client.post(url("stamp", channel, theirs.pk), {"stamp": kyoso.pk})
    assert added.status_code == 302
    assert added["Location"] == f"{url('channel', channel)}#m-{theirs.pk}"
    assert Reaction.objects.filter(message=theirs, member=hanako, stamp=kyoso).exists()
    button = stamp_button(page(client.get(url("channel", channel))), theirs)
    assert button and button.group(1) and button.group(2) == "true" and button.group(3) == "1団体が共創"

    client.post(url("stamp", channel, theirs.pk), {"stamp": kyoso.pk})
    assert not Reaction.objects.filter(message=theirs).exists()
    assert stamp_button(page(client.get(url("channel", channel))), theirs) is None


def test_stamp_summary_counts_organisations_not_people(
    client: Client, channel: Channel, theirs: Message
) -> None:
    yame, okawa = make_organization("八女市"), make_organization("大川市")
    for reactor in (make_member(yame), make_member(yame), make_member(okawa)):
        make_reaction(theirs, reactor, "共創")

    response = client.post(
        url("stamp", channel, theirs.pk), {"stamp": stamp_named("共創").pk}, headers=FRAGMENT
    )

    assert response.status_code == 200
    fragment = response.json()["html"]
    assert 'title="3団体が共創"' in fragment and 'aria-pressed="true"' in fragment
    assert re.search(r'<span class="stamp__count">4</span>', fragment)


def test_stamp_from_the_thread_pane_comes_back_rendered_for_the_thread(
    client: Client, channel: Channel, theirs: Message
) -> None:
    data = client.post(
        url("stamp", channel, theirs.pk), {"stamp": stamp_named().pk, "in_thread": "1"}, headers=FRAGMENT
    ).json()
    assert f'id="t-{theirs.pk}"' in data["html"]


@pytest.mark.parametrize("stamp", ["999999999", "abc", ""])
def test_unknown_stamp_is_refused(client: Client, channel: Channel, theirs: Message, stamp: str) -> None:
    stamp_named()
    response = client.post(url("stamp", channel, theirs.pk), {"stamp": stamp}, headers=FRAGMENT)
    assert response.status_code == 400
    assert not Reaction.objects.exists()


def test_reactions_page_lists_who_stamped_with_their_organisation(
    client: Client, channel: Channel, theirs: Message
) -> None:
    make_reaction(theirs, make_member(make_organization("八女市"), display_name="八女 一郎"), "共創")
    make_reaction(theirs, make_member(make_organization("大川市"), display_name="大川 次郎"), "共創")

    full = page(client.get(url("reactions", channel, theirs.pk)))
    assert "<html" in full and "八女市の取り組みです" in full
    assert '八女 一郎<span class="muted">（八女市）</span>' in full
    assert '大川 次郎<span class="muted">（大川市）</span>' in full
    assert "2人・2団体" in full

    fragment = page(client.get(url("reactions", channel, theirs.pk), headers=FRAGMENT))
    assert "<html" not in fragment and "八女市の取り組みです" not in fragment
    assert fragment.startswith('<ul class="reactors">') and "八女 一郎" in fragment


def test_non_member_can_stamp_in_a_public_channel(client: Client, hanako: Member) -> None:
    public = make_channel("子育て支援", creator=make_member())
    assert public.created_by is not None
    message = make_message(public, public.created_by, "保育園の入園申込")

    response = client.post(url("stamp", public, message.pk), {"stamp": stamp_named().pk}, headers=FRAGMENT)

    assert response.status_code == 200
    assert Reaction.objects.filter(message=message, member=hanako).exists()


# Pin, あとで読む, follow


def test_pinning_lists_the_message_on_the_pins_page_and_unpinning_takes_it_off(
    client: Client, channel: Channel, theirs: Message
) -> None:
    pinned = client.post(url("pin", channel, theirs.pk))
    assert pinned.status_code == 302
    body = page(client.get(pinned["Location"]))
    assert "メッセージをピン留めしました。" in body and "ピン留め 1件" in body
    assert "八女市の取り組みです" in page(client.get(url("pinned", channel)))

    unpinned = client.post(url("pin", channel, theirs.pk), headers=FRAGMENT)
    assert unpinned.json()["notice"] == "ピン留めを外しました。"
    pins = page(client.get(url("pinned", channel)))
    assert "八女市の取り組みです" not in pins and "ピン留めされたメッセージはありません。" in pins


def test_saving_lists_the_message_in_saved_and_unsaving_takes_it_off(
    client: Client, hanako: Member, channel: Channel, theirs: Message
) -> None:
    saved = client.post(url("save", channel, theirs.pk), headers=FRAGMENT)
    assert saved.json()["notice"] == "「あとで読む」に保存しました。"
    assert "data-saved" in saved.json()["html"]  # the message's menu now offers to take it off
    menu = page(client.get(url("message_menu", channel, theirs.pk)))
    assert "「あとで読む」から外す" in menu
    assert "八女市の取り組みです" in page(client.get(reverse("chat_me:saved")))

    unsaved = client.post(url("save", channel, theirs.pk))
    assert unsaved.status_code == 302
    assert not SavedMessage.objects.filter(member=hanako).exists()
    assert "保存したメッセージはありません。" in page(client.get(reverse("chat_me:saved")))


def test_following_a_thread_lists_it_in_threads_and_unfollowing_takes_it_off(
    client: Client, hanako: Member, channel: Channel, theirs: Message
) -> None:
    make_message(channel, make_member(), "うちも同じです", thread=theirs)

    followed = client.post(url("follow", channel, theirs.pk), headers=FRAGMENT)
    assert followed.json() == {"ok": True, "notice": "スレッドをフォローしました。", "following": True}
    threads = page(client.get(reverse("chat_me:threads")))
    assert "八女市の取り組みです" in threads and "返信 1件" in threads
    assert 'aria-pressed="true"' in page(client.get(url("thread", channel, theirs.pk)))

    unfollowed = client.post(url("follow", channel, theirs.pk))
    assert unfollowed.status_code == 302
    assert not ThreadFollow.objects.filter(member=hanako, following=True).exists()
    assert "フォロー中のスレッドはありません。" in page(client.get(reverse("chat_me:threads")))


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [("/saved/", "/saved/"), ("https://evil.example/phish", None), ("//evil.example/", None)],
)
def test_going_back_after_a_form_stays_on_this_site(
    client: Client, channel: Channel, theirs: Message, next_url: str, lands_on: str | None
) -> None:
    response = client.post(url("save", channel, theirs.pk), {"next": next_url})
    assert response["Location"] == (lands_on or f"{url('channel', channel)}#m-{theirs.pk}")
