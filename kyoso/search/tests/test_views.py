"""The search page and its type-ahead: the member's query stays in the box, mistakes get a message."""

from __future__ import annotations

import re

import pytest

from kyoso.chat import actions
from kyoso.chat.models import ChannelKind, Message
from kyoso.chat.queries import message_permalink
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import make_channel, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, community):
    force_login_verified(client, community.reader)
    return client


def shows(html: str, message_id: int) -> bool:
    """Whether the page links to the message (its permalink, as every hit does)."""
    return f'href="{message_permalink(Message.objects.get(pk=message_id))}"' in html


def page(client, **params) -> str:
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_query_stays_in_the_pages_own_box(signed_in, community):
    make_message(community.channel, community.author, "窓口の受付時間")
    html = page(signed_in, q="窓口 in:#soumu")
    assert re.search(r'<input[^>]*name="q"[^>]*value="窓口 in:#soumu"', html)
    assert "<mark>窓口</mark>の受付時間" in html


def test_a_hit_links_into_its_thread_at_the_message(signed_in, community):
    root = make_message(community.channel, community.author, "戸籍の附票について")
    reply = make_message(community.channel, community.reader, "戸籍は本籍地で", thread=root)
    html = page(signed_in, q="本籍")
    assert f'href="{message_permalink(reply)}"' in html
    assert f"/channels/soumu/threads/{root.pk}/" in message_permalink(reply)


def test_a_malformed_query_gets_a_message_not_an_error_page(signed_in):
    html = page(signed_in, q='"窓口')
    assert 'role="alert"' in html and "閉じられていません" in html
    html = page(signed_in, q="size:3万未満")
    assert "1万・5万・10万・30万" in html


def test_snippets_are_escaped(signed_in, community):
    make_message(community.channel, community.author, "<script>alert(1)</script> 窓口")
    html = page(signed_in, q="窓口")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>窓口</mark>" in html


def test_pages_follow_by_keyset_without_offset(signed_in, community, settings):
    settings.KYOSO_SEARCH_PAGE_SIZE = 2
    ids = [make_message(community.channel, community.author, f"予約 {n}").pk for n in range(5)]
    html = page(signed_in, q="予約")
    assert "メッセージ 5件" in html
    cursor = re.search(r'href="\?[^"]*cursor=(\d+)[^"]*" rel="next"', html)
    assert cursor and int(cursor.group(1)) == ids[3]
    html = page(signed_in, q="予約", cursor=cursor.group(1))
    assert shows(html, ids[2]) and shows(html, ids[1]) and not shows(html, ids[4])


def test_relevance_puts_the_closest_match_first_and_pages_by_score(signed_in, community, settings):
    settings.KYOSO_SEARCH_PAGE_SIZE = 1
    best = make_message(community.channel, community.author, "予約 予約 予約")
    make_message(
        community.channel, community.author, "長い文章の中に一度だけ予約という言葉が出てくる投稿です。" * 3
    )
    html = page(signed_in, q="予約", sort="relevance")
    assert shows(html, best.pk)
    cursor = re.search(r"cursor=([0-9.]+_\d+)", html)
    assert cursor
    assert not shows(page(signed_in, q="予約", sort="relevance", cursor=cursor.group(1)), best.pk)


def test_facets_narrow_with_one_click(signed_in, community):
    other = make_channel("広報", creator=community.author, slug="kouhou", members=[community.reader])
    make_message(community.channel, community.author, "窓口 一")
    wanted = make_message(other, community.author, "窓口 二")
    html = page(signed_in, q="窓口")
    assert "メッセージ 2件" in html
    link = re.search(r'href="(\?[^"]*)">#広報', html)
    assert link
    narrowed = signed_in.get("/search/" + link.group(1).replace("&amp;", "&")).content.decode()
    assert "メッセージ 1件" in narrowed and shows(narrowed, wanted.pk)
    assert 'value="窓口 in:#kouhou"' in narrowed


def test_okurigana_variants_are_found_unless_told_apart(signed_in, community):
    make_message(community.channel, community.author, "申し込みは窓口で")
    make_message(community.channel, community.author, "申込書を出す")
    assert "メッセージ 2件" in page(signed_in, q="申込")
    assert "メッセージ 1件" in page(signed_in, q="申込", exact="1")


def test_other_scopes(signed_in, community):
    html = page(signed_in, q="総務", type="channels")
    assert 'href="/channels/soumu/"' in html
    html = page(signed_in, q="山田", type="members")
    assert "山田 太郎" in html
    html = page(signed_in, q="久留米", type="organizations")
    assert "久留米市" in html


def test_the_type_ahead_offers_filters_and_their_values(signed_in, community):
    make_channel("内緒", creator=community.author, slug="naisho", kind=ChannelKind.PRIVATE)
    names = signed_in.get("/search/suggest/", {"field": "", "q": "pr"}).json()
    assert [s["value"] for s in names] == ["pref:"]
    channels = signed_in.get("/search/suggest/", {"field": "in", "q": "総"}).json()
    assert [s["value"] for s in channels] == ["in:#soumu"]
    assert signed_in.get("/search/suggest/", {"field": "in", "q": "内緒"}).json() == []
    sizes = [s["value"] for s in signed_in.get("/search/suggest/", {"field": "size", "q": ""}).json()]
    assert "size:5万未満" in sizes
    people = signed_in.get("/search/suggest/", {"field": "from", "q": "山田"}).json()
    assert people[0]["value"] == "from:@山田太郎"


def test_a_dm_hit_says_it_is_a_direct_message(signed_in, community):
    dm = actions.open_direct_conversation(member=community.author, others=[community.reader])
    make_message(dm, community.author, "個別の連絡です")
    assert "ダイレクトメッセージ" in page(signed_in, q="個別")


def test_a_snippet_shows_the_mentioned_members_own_name(signed_in, community):
    """Typed names in a mention token are never shown, in a hit's excerpt as on the page."""
    text = f"@[坂本（運営）](member:{community.reader.pk}) 窓口の件 @[誰か](member:987654)"
    make_message(community.channel, community.author, text)
    html = page(signed_in, q="窓口")
    assert "@佐藤 花子 <mark>窓口</mark>の件" in html
    assert "坂本" not in html
    # A token naming no member reads as typed, as the message itself shows it.
    assert "@[誰か](member:987654)" in html


def test_a_snippet_is_plain_text_with_the_matched_terms_marked(signed_in, community):
    make_message(
        community.channel, community.author, "**日時**: 10月1日\n\n- [窓口](https://example.jp/) の `受付`"
    )
    html = page(signed_in, q="窓口")
    snippet = re.search(r'<a class="search-hit__link"[^>]*>(.*?)</a>', html, re.S)
    assert snippet is not None
    assert snippet[1] == "日時: 10月1日 <mark>窓口</mark> の 受付"
    assert "**" not in snippet[1] and "](" not in snippet[1] and "`" not in snippet[1]


def test_a_result_opens_the_channel_at_the_page_around_an_old_message(signed_in, community):
    old = make_message(community.channel, community.author, "古い防災の話")
    for i in range(120):
        make_message(community.channel, community.author, f"雑談 {i}")
    html = page(signed_in, q="防災")
    link = re.search(r'<a class="search-hit__link" href="([^"]+)"', html)
    assert link is not None and link[1].endswith(f"?around={old.pk}#m-{old.pk}")
    channel_page = signed_in.get(link[1].split("#")[0]).content.decode()
    assert f'id="m-{old.pk}"' in channel_page
    assert 'rel="next"' in channel_page  # newer history follows, and older before it
    assert 'rel="prev"' not in channel_page  # the old message is the channel's first
