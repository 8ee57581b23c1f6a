"""Channels through the API: what the sidebar and directory show, and every change to a channel."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

import pytest

from kyoso.accounts.models import Member, MemberStatus, Role
from kyoso.api.tests.conftest import Api, error_code
from kyoso.chat import actions
from kyoso.chat.mentions import member_token
from kyoso.chat.models import Channel, ChannelKind, ChannelMembership
from kyoso.testing.factories import make_channel, make_member, make_message

pytestmark = pytest.mark.django_db

ApiAs = Callable[[Member], Api]


def test_joined_channels_carry_unread_mention_counts_and_read_position(api_as: ApiAs) -> None:
    me, other = make_member(display_name="久留米 花子"), make_member()
    channel = make_channel("窓口DX", creator=other, members=[me])
    make_channel("ほかのチャンネル", creator=other)  # not joined: not in the sidebar
    first = make_message(channel, other, "おはようございます")
    actions.mark_channel_read(member=me, channel=channel, up_to=first.pk)
    make_message(channel, other, "二件目")
    make_message(channel, other, f"{member_token(me.pk, me.display_name)} 見てください")
    response = api_as(me).get("/channels")
    assert response.status_code == 200
    [row] = response.json()
    assert row["id"] == channel.pk
    assert row["name"] == "窓口DX"
    assert (row["unread_count"], row["mention_count"], row["last_read_message_id"]) == (2, 1, first.pk)
    assert unquote(row["url"]) == f"http://testserver/channels/{channel.slug}/"


def test_directory_lists_public_channels_with_member_counts_and_whether_joined(api_as: ApiAs) -> None:
    me, other = make_member(), make_member()
    joined = make_channel("窓口DX", creator=other, members=[me])
    open_one = make_channel("子育て支援", creator=other)
    make_channel("運営会議", creator=other, kind=ChannelKind.PRIVATE)
    rows = {row["name"]: row for row in api_as(me).get("/channels/directory").json()}
    assert set(rows) == {"窓口DX", "子育て支援"}
    assert (rows["窓口DX"]["member_count"], rows["窓口DX"]["joined"]) == (2, True)
    assert (rows["子育て支援"]["member_count"], rows["子育て支援"]["joined"]) == (1, False)
    assert rows["窓口DX"]["id"] == joined.pk and rows["子育て支援"]["id"] == open_one.pk


def test_create_a_private_channel_and_read_it_back(api_as: ApiAs) -> None:
    me = make_member()
    api = api_as(me)
    body = {
        "name": "税務課の勉強会",
        "category": "qa",
        "kind": "private",
        "title": "毎月第2火曜",
        "purpose": "相談",
    }
    response = api.post("/channels", body)
    assert response.status_code == 201
    created = response.json()
    assert {k: created[k] for k in body} == body
    assert created["joined"] is True and created["member_count"] == 1
    assert api.get(f"/channels/{created['id']}").json()["name"] == "税務課の勉強会"


def test_create_refuses_a_category_that_does_not_exist(api_as: ApiAs) -> None:
    response = api_as(make_member()).post("/channels", {"name": "新しい", "category": "nonsense"})
    assert response.status_code == 400
    assert error_code(response) == "invalid_input"
    assert response.json()["error"]["fields"][0]["field"].endswith("category")
    assert not Channel.objects.filter(name="新しい").exists()


def test_only_operators_create_announcement_channels(api_as: ApiAs) -> None:
    response = api_as(make_member()).post("/channels", {"name": "お知らせ", "posting_policy": "operators"})
    assert response.status_code == 403
    operator = make_member(role=Role.OPERATOR)
    assert (
        api_as(operator).post("/channels", {"name": "お知らせ", "posting_policy": "operators"}).status_code
        == 201
    )


def test_edit_a_channel_changes_only_what_was_sent(api_as: ApiAs) -> None:
    me = make_member()
    channel = make_channel("窓口DX", creator=me, title="旧タイトル", purpose="目的")
    response = api_as(me).patch(f"/channels/{channel.pk}", {"title": "新タイトル"})
    assert response.status_code == 200
    channel.refresh_from_db()
    assert (channel.name, channel.title, channel.purpose) == ("窓口DX", "新タイトル", "目的")


def test_someone_elses_public_channel_cannot_be_edited(api_as: ApiAs) -> None:
    channel = make_channel("窓口DX", creator=make_member())
    response = api_as(make_member()).patch(f"/channels/{channel.pk}", {"name": "乗っ取り"})
    assert response.status_code == 403
    assert error_code(response) == "not_allowed"
    channel.refresh_from_db()
    assert channel.name == "窓口DX"


def test_join_and_leave(api_as: ApiAs) -> None:
    me = make_member()
    channel = make_channel("窓口DX", creator=make_member())
    api = api_as(me)
    joined = {"channel_id": channel.pk, "member_id": me.pk, "joined": True}
    assert api.post(f"/channels/{channel.pk}/join").json() == joined
    assert ChannelMembership.objects.filter(channel=channel, member=me).exists()
    assert api.post(f"/channels/{channel.pk}/leave").json()["joined"] is False
    assert not ChannelMembership.objects.filter(channel=channel, member=me).exists()


def test_archive_and_unarchive(api_as: ApiAs) -> None:
    me = make_member()
    channel = make_channel("窓口DX", creator=me)
    api = api_as(me)
    assert api.post(f"/channels/{channel.pk}/archive").json()["archived"] is True
    refused = api.post(f"/channels/{channel.pk}/messages", {"text": "こんにちは"})
    assert refused.status_code == 409
    assert error_code(refused) == "channel_archived"
    assert api.post(f"/channels/{channel.pk}/unarchive").json()["archived"] is False


def test_invite_to_a_private_channel(api_as: ApiAs) -> None:
    me, guest = make_member(), make_member()
    channel = make_channel("運営会議", creator=me, kind=ChannelKind.PRIVATE)
    response = api_as(me).post(f"/channels/{channel.pk}/members", {"member_id": guest.pk})
    assert response.status_code == 200
    assert ChannelMembership.objects.filter(channel=channel, member=guest).exists()
    assert api_as(guest).get(f"/channels/{channel.pk}").status_code == 200


@pytest.mark.parametrize("who", ["unknown", "suspended"])
def test_inviting_someone_who_is_not_an_active_member_answers_404(api_as: ApiAs, who: str) -> None:
    me = make_member()
    channel = make_channel("運営会議", creator=me, kind=ChannelKind.PRIVATE)
    target_id = 999_999 if who == "unknown" else make_member(status=MemberStatus.SUSPENDED).pk
    response = api_as(me).post(f"/channels/{channel.pk}/members", {"member_id": target_id})
    assert response.status_code == 404
    assert error_code(response) == "member_not_found"
    assert ChannelMembership.objects.filter(channel=channel).count() == 1


def test_open_a_direct_conversation_and_find_it_again(api_as: ApiAs) -> None:
    me, a, b = make_member(), make_member(), make_member()
    api = api_as(me)
    first = api.post("/direct", {"member_ids": [a.pk, b.pk]})
    assert first.status_code == 200
    assert first.json()["kind"] == "direct"
    again = api.post("/direct", {"member_ids": [b.pk, a.pk]})
    assert again.json()["id"] == first.json()["id"]
    people = ChannelMembership.objects.filter(channel_id=first.json()["id"]).values_list("member", flat=True)
    assert set(people) == {me.pk, a.pk, b.pk}


def test_unknown_channel_ids_answer_404(api_as: ApiAs) -> None:
    api = api_as(make_member())
    for response in (api.get("/channels/999999"), api.post("/channels/999999/join")):
        assert response.status_code == 404
        assert error_code(response) == "channel_not_found"


def test_members_type_ahead_finds_by_name_and_organisation(api_as: ApiAs) -> None:
    me = make_member()
    yamada = make_member(display_name="山田 太郎")
    make_member(display_name="佐藤 次郎")
    rows = api_as(me).get("/members", q="山田").json()
    assert [r["id"] for r in rows] == [yamada.pk]
    assert yamada.organization is not None
    assert rows[0]["organization"] == yamada.organization.name
