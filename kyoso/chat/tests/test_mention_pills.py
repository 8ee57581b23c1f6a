"""Mentions as pills: the member's current name and organisation, and the reader's own highlighted."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from kyoso.chat import actions
from kyoso.chat.actions.renames import redraw_mentions_of
from kyoso.chat.markdown import render
from kyoso.chat.mentions import member_token
from kyoso.chat.templatetags.kyoso_chat import message_excerpt
from kyoso.testing.factories import make_channel, make_member, make_organization

pytestmark = pytest.mark.django_db


def test_a_mention_is_a_pill_with_the_members_current_name_and_organisation() -> None:
    named = make_member(make_organization("久留米市"), display_name="田中", department="市民課")
    html = render(f"{member_token(named.pk, '昔の名前')} さん").html
    pill = re.search(r'<a class="mention" href="([^"]+)" data-member-id="(\d+)"[^>]*>(.*?)</a>', html)
    assert pill is not None
    assert pill[1] == reverse("accounts:member", args=[named.pk])
    assert pill[2] == str(named.pk)
    assert pill[3] == '@田中<span class="mention__org">（久留米市 · 市民課）</span>'
    assert "昔の名前" not in html


def test_a_new_department_redraws_the_organisation_shown_in_earlier_mentions(
    django_capture_on_commit_callbacks,
) -> None:
    from kyoso.accounts.actions.profile import update_profile

    author, named = make_member(), make_member(make_organization("久留米市"), display_name="田中")
    channel = make_channel("窓口", creator=author)
    message = actions.post_message(
        author=author, channel=channel, text=f"{member_token(named.pk, '田中')} へ"
    )
    with django_capture_on_commit_callbacks(execute=True):
        update_profile(member=named, display_name="田中", full_name=named.full_name, department="税務課")
    redraw_mentions_of(named.pk)  # what the worker does with the task queued above
    message.refresh_from_db()
    assert "（久留米市 · 税務課）" in message.html


def test_an_excerpt_reads_the_name_without_the_organisation_card() -> None:
    named = make_member(make_organization("久留米市"), display_name="田中")
    html = render(f"{member_token(named.pk, '田中')} 確認を").html
    assert message_excerpt(html) == "@田中 確認を"


def _items(page: str) -> dict[int, str]:
    """Each message's opening tag on a page, by id."""
    return {int(m[2]): m[1] for m in re.finditer(r'(<li class="message[^"]*" id="m-(\d+)"[^>]*>)', page)}


def test_a_message_that_names_the_reader_is_highlighted_for_them_only() -> None:
    reader, author, other = make_member(display_name="読み手"), make_member(), make_member()
    channel = make_channel("窓口", creator=author, members=[reader, other])
    to_reader = actions.post_message(
        author=author, channel=channel, text=f"{member_token(reader.pk, 'x')} 確認を"
    )
    to_other = actions.post_message(
        author=author, channel=channel, text=f"{member_token(other.pk, 'x')} 確認を"
    )
    to_all = actions.post_message(author=author, channel=channel, text="@channel 会議です")
    plain = actions.post_message(author=author, channel=channel, text="普通の投稿")
    client = Client()
    client.force_login(reader)
    items = _items(client.get(reverse("chat:channel", args=[channel.slug])).content.decode())
    assert "message--mentions-me" in items[to_reader.pk]
    assert "message--mentions-me" in items[to_all.pk]
    assert "message--mentions-me" not in items[to_other.pk]
    assert "message--mentions-me" not in items[plain.pk]
    # The author of an @channel is not told they were named by themselves.
    client.force_login(author)
    items = _items(client.get(reverse("chat:channel", args=[channel.slug])).content.decode())
    assert not any("message--mentions-me" in tag for tag in items.values())


def test_a_mention_inside_a_link_is_a_pill_but_not_a_link_in_a_link() -> None:
    named = make_member(display_name="田中")
    html = render(f"[{member_token(named.pk, '田中')} の資料](https://example.jp/)").html
    assert html.count("<a ") == 1
    assert f'<span class="mention" data-member-id="{named.pk}">@田中' in html


def test_the_page_around_a_message_has_it_in_the_middle() -> None:
    from kyoso.chat.queries import channel_history

    author = make_member()
    channel = make_channel("窓口", creator=author)
    posted = [actions.post_message(author=author, channel=channel, text=f"投稿 {i}") for i in range(30)]
    page = channel_history(author, channel, around=posted[15].pk, limit=10)
    assert [v.message.pk for v in page.messages] == [m.pk for m in posted[10:20]]
    assert page.older_than == posted[10].pk
    assert page.newer_than == posted[19].pk
