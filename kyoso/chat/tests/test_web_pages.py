"""The chat UI's pages and the forms around them: who may see what, read state, history paging,
creating channels, inviting, direct messages and the people search.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kyoso.accounts.models import Member, MemberStatus
from kyoso.chat import actions
from kyoso.chat.models import (
    Channel,
    ChannelKind,
    ChannelMembership,
    Message,
    Reaction,
    SavedMessage,
    ThreadFollow,
)
from kyoso.chat.queries import HISTORY_PAGE_SIZE
from kyoso.chat.tests.web import FRAGMENT, page, sidebar, stream, stream_ids, unread_badge, url
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization, stamp_named

pytestmark = pytest.mark.django_db


# Outsiders of private channels and direct messages


@pytest.fixture(params=[ChannelKind.PRIVATE, ChannelKind.DIRECT])
def closed(request: pytest.FixtureRequest) -> tuple[Channel, Message]:
    """A private channel or a DM the signed-in member is not in, with a thread in it."""
    owner, friend = make_member(), make_member()
    if request.param == ChannelKind.PRIVATE:
        room = make_channel("運営会議", creator=owner, kind=ChannelKind.PRIVATE, members=[friend])
    else:
        room = actions.open_direct_conversation(member=owner, others=[friend])
    root = make_message(room, owner, "非公開の相談")
    make_message(room, friend, "非公開の返信", thread=root)
    return room, root


CHANNEL_ROUTES = [
    ("get", "channel"), ("get", "pinned"), ("get", "first_unread"), ("post", "post"), ("post", "read"),
    ("post", "join"), ("post", "leave"), ("post", "invite"), ("post", "archive"),
]  # fmt: skip
MESSAGE_ROUTES = [
    ("get", "thread"), ("get", "edit"), ("post", "edit"), ("get", "delete"), ("post", "delete"),
    ("post", "stamp"), ("get", "reactions"), ("post", "pin"), ("post", "save"), ("post", "follow"),
]  # fmt: skip
ROUTES = [(m, n, False) for m, n in CHANNEL_ROUTES] + [(m, n, True) for m, n in MESSAGE_ROUTES]


def assert_untouched(room: Channel, root: Message, outsider: Member) -> None:
    root.refresh_from_db()
    assert (root.text, root.deleted_at, root.pinned_at) == ("非公開の相談", None, None)
    assert Message.objects.filter(channel=room).count() == 2
    assert room.archived_at is None
    assert not ChannelMembership.objects.filter(channel=room, member=outsider).exists()
    assert not Reaction.objects.exists()
    assert not SavedMessage.objects.exists()
    assert not ThreadFollow.objects.filter(member=outsider).exists()


@pytest.mark.parametrize("fragment", [True, False], ids=["script", "form"])
@pytest.mark.parametrize(("method", "name", "on_message"), ROUTES, ids=[f"{m}-{n}" for m, n, _ in ROUTES])
def test_outsider_of_a_private_channel_or_dm_finds_nothing_there(
    client: Client,
    hanako: Member,
    closed: tuple[Channel, Message],
    method: str,
    name: str,
    on_message: bool,
    fragment: bool,
) -> None:
    room, root = closed
    target = url(name, room, root.pk) if on_message else url(name, room)
    form = {
        "text": "覗き見",
        "stamp": stamp_named().pk,
        "thread": root.pk,
        "member": hanako.pk,
        "up_to": root.pk,
    }

    response = getattr(client, method)(
        target, form if method == "post" else {}, headers=FRAGMENT if fragment else {}
    )

    assert response.status_code == 404
    assert "非公開の相談" not in page(response) and "非公開の返信" not in page(response)
    assert_untouched(room, root, hanako)


@pytest.mark.parametrize(("method", "name"), MESSAGE_ROUTES)
def test_message_of_a_private_channel_is_not_found_through_a_public_channels_address(
    client: Client, hanako: Member, channel: Channel, closed: tuple[Channel, Message], method: str, name: str
) -> None:
    room, root = closed
    form = {"text": "覗き見", "stamp": stamp_named().pk}

    response = getattr(client, method)(url(name, channel, root.pk), form if method == "post" else {})

    assert response.status_code == 404
    assert_untouched(room, root, hanako)


def test_absurd_message_id_in_the_address_is_not_found(client: Client, channel: Channel) -> None:
    assert client.get(url("thread", channel, 10**20)).status_code == 404
    assert client.post(url("save", channel, 10**20)).status_code == 404


def test_what_was_said_in_a_private_channel_leaves_mentions_and_saved_with_the_member(
    client: Client, hanako: Member
) -> None:
    owner = make_member()
    room = make_channel("運営会議", creator=owner, kind=ChannelKind.PRIVATE, members=[hanako])
    message = make_message(room, owner, f"@[久留米 花子](member:{hanako.pk}) 議事録を確認してください")
    actions.save_message(member=hanako, message=message)
    assert "議事録を確認してください" in page(client.get(reverse("chat_me:mentions")))
    assert "議事録を確認してください" in page(client.get(reverse("chat_me:saved")))

    actions.leave_channel(member=hanako, channel=room)

    assert "議事録を確認してください" not in page(client.get(reverse("chat_me:mentions")))
    assert "議事録を確認してください" not in page(client.get(reverse("chat_me:saved")))


def test_suspended_member_is_signed_out_at_the_next_request(
    client: Client, hanako: Member, channel: Channel
) -> None:
    Member.objects.filter(pk=hanako.pk).update(status=MemberStatus.SUSPENDED)

    response = client.get(url("channel", channel))

    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_URL)
    assert client.get(url("channel", channel)).status_code == 302  # the session is gone for good


@pytest.mark.parametrize("fragment", [False, True])
def test_suspended_member_cannot_post(
    client: Client, hanako: Member, channel: Channel, fragment: bool
) -> None:
    Member.objects.filter(pk=hanako.pk).update(status=MemberStatus.SUSPENDED)

    response = client.post(
        url("post", channel), {"text": "停止中の投稿"}, headers=FRAGMENT if fragment else {}
    )

    assert response.status_code == 302 and response["Location"].startswith(reverse(settings.LOGIN_URL))
    assert not Message.objects.filter(channel=channel).exists()


# Read state


def test_marking_a_channel_read_moves_its_unread_badge(
    client: Client, hanako: Member, channel: Channel
) -> None:
    lunch = make_channel("雑談", creator=make_member(), members=[hanako])
    assert lunch.created_by is not None
    first, second = (
        make_message(lunch, lunch.created_by, "お昼どうしてますか"),
        make_message(lunch, lunch.created_by, "社食です"),
    )
    elsewhere = url("channel", channel)
    assert unread_badge(page(client.get(elsewhere)), lunch) == 2

    response = client.post(url("read", lunch), {"up_to": first.pk}, headers=FRAGMENT)
    assert response.json() == {"ok": True, "notice": "", "last_read": first.pk}
    assert unread_badge(page(client.get(elsewhere)), lunch) == 1

    client.post(url("read", lunch), {"up_to": first.pk - 1}, headers=FRAGMENT)  # never backwards
    assert unread_badge(page(client.get(elsewhere)), lunch) == 1

    assert client.post(url("read", lunch)).status_code == 302  # without up_to: everything
    assert unread_badge(page(client.get(elsewhere)), lunch) == 0
    assert ChannelMembership.objects.get(channel=lunch, member=hanako).last_read_message_id == second.pk


def test_jump_to_the_first_unread_opens_the_page_there_with_a_divider(
    client: Client, hanako: Member, channel: Channel
) -> None:
    colleague = make_member()
    read = make_message(channel, colleague, "既読の投稿")
    actions.mark_channel_read(member=hanako, channel=channel)
    unread = [make_message(channel, colleague, f"未読の投稿{n}") for n in range(3)]

    response = client.get(url("first_unread", channel))

    assert response.status_code == 302
    assert response["Location"] == f"{url('channel', channel)}?after={unread[0].pk - 1}#m-{unread[0].pk}"
    body = page(client.get(response["Location"]))
    assert stream_ids(body) == [m.pk for m in unread]
    assert read.pk not in stream_ids(body)
    divider = r'<li class="unread-divider"[^>]*><span>ここから未読</span></li>\s*'
    assert re.search(rf'{divider}<li class="message[^"]*" id="m-{unread[0].pk}"', body)
    assert unread_badge(page(client.get(url("channel", channel))), channel) == 0


def test_jump_to_the_first_unread_with_nothing_unread_opens_the_channel(
    client: Client, channel: Channel
) -> None:
    response = client.get(url("first_unread", channel))
    assert response.status_code == 302 and response["Location"] == url("channel", channel)


def test_jump_to_the_first_unread_works_for_the_very_first_message_of_the_site(
    client: Client, hanako: Member, channel: Channel
) -> None:
    colleague = make_member()
    message = make_message(channel, colleague, "最初の投稿")
    assert not Message.objects.filter(pk=1).exists() or message.pk == 1
    # The first message a new installation ever stores has id 1.
    Message.objects.filter(pk=message.pk).update(id=1)
    ChannelMembership.objects.filter(channel=channel, member=colleague).update(last_read_message_id=1)

    response = client.get(client.get(url("first_unread", channel))["Location"])

    assert response.status_code == 200
    assert "最初の投稿" in stream(page(response))


# History paging


@pytest.fixture
def long_channel(hanako: Member, channel: Channel) -> list[Message]:
    return [make_message(channel, hanako, f"投稿その{n}") for n in range(HISTORY_PAGE_SIZE + 5)]


def test_paging_back_shows_older_messages_without_overlap(
    client: Client, channel: Channel, long_channel: list[Message]
) -> None:
    newest = page(client.get(url("channel", channel)))
    older_link = re.search(r'href="\?before=(\d+)"', newest)
    assert older_link

    older = page(client.get(url("channel", channel), {"before": older_link.group(1)}))

    assert stream_ids(newest) == [m.pk for m in long_channel[5:]]
    assert stream_ids(older) == [m.pk for m in long_channel[:5]]


def test_paging_forward_shows_newer_messages_without_overlap(
    client: Client, channel: Channel, long_channel: list[Message]
) -> None:
    first = page(client.get(url("channel", channel), {"after": long_channel[2].pk}))
    newer_link = re.search(r'href="\?after=(\d+)"[^>]*>続きを読む<', first)
    assert newer_link

    second = page(client.get(url("channel", channel), {"after": newer_link.group(1)}))

    assert stream_ids(first) == [m.pk for m in long_channel[3 : 3 + HISTORY_PAGE_SIZE]]
    assert stream_ids(second) == [m.pk for m in long_channel[3 + HISTORY_PAGE_SIZE :]]
    assert "続きを読む" not in second


BAD_CURSORS = ["abc", "-1", "0", "1.5", "１２", "9" * 30]


# after=0 is no bad cursor: it is the start of the channel, where the first unread of a new site begins.
@pytest.mark.parametrize(
    ("direction", "cursor"),
    [(d, c) for d in ("before", "after") for c in BAD_CURSORS if (d, c) != ("after", "0")],
)
def test_malformed_history_cursor_is_a_bad_request_not_a_server_error(
    client: Client, channel: Channel, direction: str, cursor: str
) -> None:
    assert client.get(url("channel", channel), {direction: cursor}).status_code == 400


def test_reading_forward_from_the_start_of_the_channel(client: Client, channel: Channel) -> None:
    assert client.get(url("channel", channel), {"after": "0"}).status_code == 200


@pytest.mark.parametrize("cursor", BAD_CURSORS)
@pytest.mark.parametrize("name", ["mentions", "saved"])
def test_malformed_cursor_of_mentions_and_saved_is_a_bad_request(
    client: Client, hanako: Member, name: str, cursor: str
) -> None:
    assert client.get(reverse(f"chat_me:{name}"), {"before": cursor}).status_code == 400


# Creating channels, inviting, direct messages


def test_create_page_offers_public_and_private(client: Client, hanako: Member) -> None:
    body = page(client.get(reverse("chat:create")))
    assert 'name="name"' in body
    assert 'value="public"' in body and 'value="private"' in body


@pytest.mark.parametrize("kind", [ChannelKind.PUBLIC, ChannelKind.PRIVATE])
def test_creating_a_channel_opens_it_with_the_creator_in_it(
    client: Client, hanako: Member, kind: str
) -> None:
    response = client.post(
        reverse("chat:create"),
        {"name": "窓口DX", "category": "theme", "kind": kind, "purpose": "書かない窓口"},
    )

    created = Channel.objects.get(name="窓口DX")
    assert (created.kind, created.purpose, created.created_by) == (kind, "書かない窓口", hanako)
    assert response.status_code == 302 and response["Location"] == url("channel", created)
    assert "#窓口DX を作成しました。" in page(client.get(response["Location"]))
    assert ChannelMembership.objects.filter(channel=created, member=hanako).exists()
    stranger = Client()
    stranger.force_login(make_member())
    assert stranger.get(url("channel", created)).status_code == (200 if kind == ChannelKind.PUBLIC else 404)


@pytest.mark.parametrize("form", [{"name": "", "kind": "public"}, {"name": "DM", "kind": "direct"}])
def test_channel_form_with_mistakes_comes_back_with_400(
    client: Client, hanako: Member, form: dict[str, str]
) -> None:
    response = client.post(reverse("chat:create"), {"category": "theme", **form})
    assert response.status_code == 400
    assert 'class="field__error"' in page(response)
    assert not Channel.objects.exists()


def test_member_of_a_private_channel_invites_a_colleague(client: Client, hanako: Member) -> None:
    room = make_channel("運営会議", creator=hanako, kind=ChannelKind.PRIVATE)
    colleague = make_member(display_name="八女 一郎")
    assert f'action="{url("invite", room)}"' in page(client.get(url("channel", room)))

    response = client.post(url("invite", room), {"member": [colleague.pk]})

    assert response.status_code == 302
    assert "八女 一郎 を招待しました。" in page(client.get(response["Location"]))
    invited = Client()
    invited.force_login(colleague)
    assert invited.get(url("channel", room)).status_code == 200


def test_only_members_of_a_channel_invite_to_it(client: Client, hanako: Member) -> None:
    public = make_channel("子育て支援", creator=make_member())
    colleague = make_member()

    response = client.post(url("invite", public), {"member": [colleague.pk]}, headers=FRAGMENT)

    assert response.status_code == 403
    assert not ChannelMembership.objects.filter(channel=public, member=colleague).exists()


def test_opening_a_direct_message_lists_it_in_the_sidebar_and_reopening_finds_it(
    client: Client, hanako: Member
) -> None:
    colleague = make_member(display_name="八女 一郎")

    response = client.post(reverse("chat:open_direct"), {"member": [colleague.pk]})

    direct = Channel.objects.get(kind=ChannelKind.DIRECT)
    assert response.status_code == 302 and response["Location"] == url("channel", direct)
    bar = sidebar(page(client.get(response["Location"])))
    directs = re.search(r"ダイレクトメッセージ</h2>\s*<ul[^>]*data-sidebar-directs>.*?</ul>", bar, re.S)
    assert directs and f'data-sidebar-channel="{direct.pk}"' in directs.group(0)
    assert "八女 一郎" in directs.group(0)

    again = client.post(reverse("chat:open_direct"), {"member": [colleague.pk]}, headers=FRAGMENT)
    assert again.json()["url"] == url("channel", direct)
    assert Channel.objects.filter(kind=ChannelKind.DIRECT).count() == 1


@pytest.mark.parametrize("who", ["nobody", "suspended"])
def test_direct_message_needs_someone_active_to_talk_to(client: Client, hanako: Member, who: str) -> None:
    others = [] if who == "nobody" else [make_member(status=MemberStatus.SUSPENDED).pk]

    response = client.post(reverse("chat:open_direct"), {"member": others}, headers=FRAGMENT)

    assert response.status_code in (400, 403, 404) and response.json()["ok"] is False
    assert not Channel.objects.filter(kind=ChannelKind.DIRECT).exists()


# People search


def search(client: Client, **query: Any) -> list[dict[str, object]]:
    response = client.get(reverse("chat:member_search"), query)
    assert response.status_code == 200
    return response.json()["members"]


def test_people_search_finds_by_name_kana_and_organisation(client: Client, hanako: Member) -> None:
    yamada = make_member(
        make_organization("八女市"), display_name="山田 太郎", full_name_kana="やまだ たろう"
    )
    make_member(make_organization("大川市"), display_name="鈴木 一郎", full_name_kana="すずき いちろう")

    for query in ("山田", "ヤマダ", "やまだ", "八女"):
        assert [p["id"] for p in search(client, q=query)] == [yamada.pk], query
    [found] = search(client, q="山田")
    assert found == {
        "id": yamada.pk,
        "name": "山田 太郎",
        "affiliation": "八女市 · 市民課",
        "mention": f"@[山田 太郎](member:{yamada.pk})",
    }


def test_people_search_for_a_private_channel_the_asker_cannot_read_leaks_nothing(
    client: Client, hanako: Member
) -> None:
    insider = make_member(display_name="職員 内部")
    make_member(display_name="職員 外部")
    room = make_channel("運営会議", creator=insider, kind=ChannelKind.PRIVATE)

    assert search(client, q="職員", channel=room.pk) == search(client, q="職員")
    assert search(client, q="職員", channel=room.pk + 10_000) == search(client, q="職員")

    actions.invite_to_channel(inviter=insider, channel=room, invitee=hanako)
    assert [p["name"] for p in search(client, q="職員", channel=room.pk)] == ["職員 内部"]
