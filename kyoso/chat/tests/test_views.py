"""Channel directory, channel and thread pages (read-only), through Django's test client."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kyoso.accounts.models import Member
from kyoso.chat.models import ChannelCategory, ChannelKind, Message
from kyoso.chat.queries import HISTORY_PAGE_SIZE
from kyoso.testing.factories import (
    make_channel,
    make_member,
    make_message,
    make_organization,
    make_reaction,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client: Client) -> Member:
    member = make_member(make_organization("久留米市"), display_name="久留米 花子", department="市民課")
    client.force_login(member)
    return member


def page_text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def test_channel_pages_require_sign_in(client: Client) -> None:
    channel = make_channel("窓口業務")
    for url in ("/channels/", f"/channels/{channel.slug}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/sign-in/?next=")


def test_directory_groups_visible_channels_by_category_with_member_counts(
    client: Client, member: Member
) -> None:
    other = make_member()
    make_channel("窓口業務", creator=other, members=[member], purpose="窓口の困りごとを話す場所")
    make_channel("九州・沖縄", creator=other, category=ChannelCategory.REGION)
    make_channel("運営会議", creator=other, kind=ChannelKind.PRIVATE)

    body = page_text(client.get("/channels/"))

    assert "テーマ" in body and "地域" in body
    assert body.index("地域") < body.index("九州・沖縄")
    assert "窓口の困りごとを話す場所" in body
    assert "メンバー 2人" in body
    assert "参加中" in body
    assert "運営会議" not in body


def test_channel_shows_messages_oldest_first_with_author_affiliation_and_time(
    client: Client, member: Member
) -> None:
    channel = make_channel("窓口業務", creator=member)
    make_message(channel, member, "一つ目の投稿")
    make_message(channel, member, "二つ目の投稿")

    body = page_text(client.get(f"/channels/{channel.slug}/"))

    assert body.index("一つ目の投稿") < body.index("二つ目の投稿")
    assert "久留米 花子" in body
    assert "久留米市 · 市民課" in body
    # In Tokyo time, with the full date and time for hover (title) and for the keyboard and screen readers.
    assert re.search(r'<time class="when" datetime="\d{4}-\d\d-\d\dT[^"]+\+09:00" title="[^"]+"', body)
    assert 'class="when__full"' in body


def test_japanese_channel_slugs_work(client: Client, member: Member) -> None:
    channel = make_channel("子育て支援", creator=member)
    assert channel.slug == "子育て支援"
    assert client.get(f"/channels/{channel.slug}/").status_code == 200


def test_member_cannot_open_a_private_channel_they_do_not_belong_to(client: Client, member: Member) -> None:
    owner = make_member()
    secret = make_channel("運営会議", creator=owner, kind=ChannelKind.PRIVATE)
    root = make_message(secret, owner, "非公開の相談")

    assert client.get(f"/channels/{secret.slug}/").status_code == 404
    assert client.get(f"/channels/{secret.slug}/threads/{root.pk}/").status_code == 404
    assert client.get("/channels/no-such-channel/").status_code == 404


def test_thread_of_a_private_channel_is_hidden_even_through_a_public_channel_url(
    client: Client, member: Member
) -> None:
    owner = make_member()
    public = make_channel("雑談", creator=owner)
    secret = make_channel("運営会議", creator=owner, kind=ChannelKind.PRIVATE)
    root = make_message(secret, owner, "非公開の相談")
    assert client.get(f"/channels/{public.slug}/threads/{root.pk}/").status_code == 404


def test_member_of_a_private_channel_can_read_it(client: Client, member: Member) -> None:
    owner = make_member()
    secret = make_channel("運営会議", creator=owner, kind=ChannelKind.PRIVATE, members=[member])
    make_message(secret, owner, "非公開の相談")
    body = page_text(client.get(f"/channels/{secret.slug}/"))
    assert "非公開の相談" in body
    assert "非公開" in body


def test_deleted_message_shows_a_tombstone_and_not_its_text(client: Client, member: Member) -> None:
    channel = make_channel("窓口業務", creator=member)
    message = make_message(channel, member, "うっかり個人情報を書いてしまった")
    Message.objects.filter(pk=message.pk).update(deleted_at=timezone.now())

    body = page_text(client.get(f"/channels/{channel.slug}/"))

    assert "このメッセージは削除されました" in body
    assert "うっかり個人情報を書いてしまった" not in body


def test_message_with_a_script_tag_is_shown_as_text(client: Client, member: Member) -> None:
    channel = make_channel("窓口業務", creator=member)
    make_message(channel, member, "<script>alert('x')</script> と <b>太字</b>")

    body = page_text(client.get(f"/channels/{channel.slug}/"))

    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body
    assert "<b>太字</b>" not in body


def test_stamps_show_count_and_how_many_organisations(client: Client, member: Member) -> None:
    channel = make_channel("窓口業務", creator=member)
    message = make_message(channel, member, "書かない窓口を始めました")
    city = make_organization("八女市")
    for reactor in [make_member(city), make_member(city), make_member(make_organization("大川市"))]:
        make_reaction(message, reactor, "共創")

    body = page_text(client.get(f"/channels/{channel.slug}/"))

    stamp = re.search(
        r'<button class="stamp" [^>]*title="([^"]+)" aria-label="([^"]+)"[^>]*>(.*?)</button>', body, re.S
    )
    assert stamp, body
    assert stamp.group(1) == "2団体が共創"
    # What a screen reader says: the stamp, how many people and how many organisations.
    assert stamp.group(2) == "共創 3人 2団体"
    inner = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", stamp.group(3))).strip()
    assert inner == "🤝 共創 3"


def test_reply_count_links_to_the_thread_which_shows_parent_and_replies(
    client: Client, member: Member
) -> None:
    channel = make_channel("窓口業務", creator=member)
    root = make_message(channel, member, "マイナンバーカードの交付予約、どうしていますか")
    other = make_member(make_organization("八女市"))
    make_message(channel, other, "うちはオンライン予約です", thread=root)
    make_message(channel, other, "土曜開庁もしています", thread=root)

    channel_page = page_text(client.get(f"/channels/{channel.slug}/"))
    thread_url = reverse("chat:thread", args=[channel.slug, root.pk])
    assert f'href="{thread_url}"' in channel_page
    assert "返信 2件" in channel_page
    assert "うちはオンライン予約です" not in channel_page

    thread_page = page_text(client.get(thread_url))
    assert "マイナンバーカードの交付予約、どうしていますか" in thread_page
    assert thread_page.index("うちはオンライン予約です") < thread_page.index("土曜開庁もしています")


def test_older_messages_are_read_by_keyset_pagination_without_offset(client: Client, member: Member) -> None:
    channel = make_channel("窓口業務", creator=member)
    messages = [make_message(channel, member, f"投稿その{n}") for n in range(HISTORY_PAGE_SIZE + 5)]

    with CaptureQueriesContext(connection) as newest_queries:
        newest = page_text(client.get(f"/channels/{channel.slug}/"))
    assert f"投稿その{HISTORY_PAGE_SIZE + 4}<" in newest
    assert "投稿その4<" not in newest
    link = re.search(r'href="\?before=(\d+)"[^>]*>さらに前を読む<', newest)
    assert link, "no link to older messages"
    assert int(link.group(1)) == messages[5].pk

    with CaptureQueriesContext(connection) as older_queries:
        older = page_text(client.get(f"/channels/{channel.slug}/?before={link.group(1)}"))
    assert "投稿その0<" in older
    assert "投稿その4<" in older
    assert "投稿その5<" not in older
    assert "さらに前を読む" not in older
    assert "最新のメッセージへ" in older

    for query in [*newest_queries.captured_queries, *older_queries.captured_queries]:
        assert "OFFSET" not in query["sql"].upper()


@pytest.mark.parametrize("before", ["abc", "-1", "0", "１２", "9" * 30])
def test_malformed_page_marker_is_a_bad_request(client: Client, member: Member, before: str) -> None:
    channel = make_channel("窓口業務", creator=member)
    response = client.get(f"/channels/{channel.slug}/", {"before": before})
    assert response.status_code == 400
    # kyoso.core.validation.InvalidId, on the error page of the error protocol.
    assert "ID の指定が正しくありません" in page_text(response)


def test_sidebar_lists_joined_channels_with_unread_counts_and_marks_the_current_one(
    client: Client, member: Member
) -> None:
    other = make_member()
    lunch = make_channel("雑談", creator=other, members=[member])
    desk = make_channel("窓口業務", creator=other, members=[member])
    make_message(lunch, other, "お昼どうしてますか")

    body = page_text(client.get(f"/channels/{desk.slug}/"))

    found = re.search(r'<nav id="channel-sidebar".*?</nav>', body, re.S)
    assert found is not None
    sidebar = found.group(0)
    assert "雑談" in sidebar and "窓口業務" in sidebar
    assert re.search(
        r'<span class="badge" data-unread-count="1"><span aria-hidden="true">1</span>'
        r'<span class="visually-hidden">1件の未読</span>',
        sidebar,
    )
    current = re.search(
        r'<a class="sidebar__link" href="([^"]+)" data-sidebar-channel="\d+" aria-current="page"', sidebar
    )
    assert current and current.group(1) == reverse("chat:channel", args=[desk.slug])
    assert 'aria-expanded="false"' in body
