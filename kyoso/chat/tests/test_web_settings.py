"""Channel settings (name, title, purpose, archive) and opening a direct message from a profile."""

from __future__ import annotations

import pytest
from django.test import Client

from kyoso.accounts.models import Member, Role
from kyoso.chat import actions
from kyoso.chat.models import Channel, ChannelKind
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import make_channel, make_member, make_message

pytestmark = pytest.mark.django_db


def signed_in(member: Member) -> Client:
    client = Client()
    force_login_verified(client, member)
    return client


def test_creator_renames_and_describes_the_channel() -> None:
    creator = make_member()
    channel = make_channel("窓口業務", creator=creator)
    response = signed_in(creator).post(
        f"/channels/{channel.slug}/settings/",
        {"name": "窓口DX", "title": "書かない窓口", "purpose": "事例の共有"},
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.title, channel.purpose) == ("窓口DX", "書かない窓口", "事例の共有")


def test_other_member_of_a_public_channel_cannot_change_it() -> None:
    channel = make_channel("窓口業務", creator=make_member())
    other = make_member()
    client = signed_in(other)
    assert client.get(f"/channels/{channel.slug}/settings/").status_code == 403
    assert client.post(f"/channels/{channel.slug}/settings/", {"name": "乗っ取り"}).status_code == 403
    channel.refresh_from_db()
    assert channel.name == "窓口業務"
    assert "チャンネルの設定" not in client.get(f"/channels/{channel.slug}/").content.decode()


def test_an_empty_name_is_refused_and_the_form_comes_back() -> None:
    creator = make_member()
    channel = make_channel("窓口業務", creator=creator)
    response = signed_in(creator).post(f"/channels/{channel.slug}/settings/", {"name": "  ", "purpose": "x"})
    assert response.status_code == 400
    channel.refresh_from_db()
    assert channel.name == "窓口業務"


def test_operator_archives_and_unarchives_from_the_settings_page() -> None:
    operator = make_member(role=Role.OPERATOR)
    channel = make_channel("古い話題", creator=make_member())
    client = signed_in(operator)
    assert "チャンネルをアーカイブ" in client.get(f"/channels/{channel.slug}/settings/").content.decode()
    client.post(f"/channels/{channel.slug}/archive/")
    channel.refresh_from_db()
    assert channel.archived_at is not None
    body = client.get(f"/channels/{channel.slug}/").content.decode()
    assert "このチャンネルはアーカイブされています" in body
    client.post(f"/channels/{channel.slug}/archive/")
    channel.refresh_from_db()
    assert channel.archived_at is None


def test_member_page_opens_a_direct_message_with_that_member() -> None:
    hanako, taro = make_member(display_name="久留米 花子"), make_member(display_name="八女 太郎")
    client = signed_in(hanako)
    page = client.get(f"/accounts/members/{taro.pk}/").content.decode()
    assert "ダイレクトメッセージを送る" in page

    response = client.post("/channels/direct/", {"member": taro.pk})
    direct = Channel.objects.get(kind=ChannelKind.DIRECT)
    assert response.status_code == 302
    assert response["Location"] == f"/channels/{direct.slug}/"
    assert set(direct.memberships.values_list("member_id", flat=True)) == {hanako.pk, taro.pk}
    assert client.post("/channels/direct/", {"member": taro.pk})["Location"] == response["Location"]


def test_moderator_reads_the_edit_history_and_a_member_cannot() -> None:
    author = make_member()
    channel = make_channel("窓口業務", creator=author)
    message = make_message(channel, author, "受付は9時から")
    actions.edit_message(member=author, message=message, text="受付は8時半から")
    url = f"/channels/{channel.slug}/messages/{message.pk}/revisions/"

    moderator = signed_in(make_member(role=Role.MODERATOR))
    page = moderator.get(url).content.decode()
    assert "受付は9時から" in page and "受付は8時半から" in page
    menu = f"/channels/{channel.slug}/messages/{message.pk}/actions/"
    assert "編集履歴" in moderator.get(menu).content.decode()
    assert "編集履歴" not in signed_in(author).get(menu).content.decode()
    assert signed_in(author).get(url).status_code == 403
