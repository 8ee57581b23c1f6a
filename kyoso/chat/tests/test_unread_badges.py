"""Honest unread counts: they start when a member joins, and the sidebar stops counting at 「99+」."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from kyoso.accounts.models import Member
from kyoso.accounts.signals import member_admitted
from kyoso.chat import actions
from kyoso.chat.models import Message
from kyoso.chat.queries import joined_channels
from kyoso.chat.queries.channels import BADGE_COUNT_LIMIT
from kyoso.chat.tests.web import page, sidebar, unread_badge, url
from kyoso.testing.badges import mention_count, unread_count
from kyoso.testing.factories import make_channel, make_member, make_message

pytestmark = pytest.mark.django_db


def test_a_member_admitted_by_registration_starts_with_nothing_unread_in_every_channel(
    client: Client,
) -> None:
    author = make_member()
    default = make_channel("お知らせ", creator=author, is_default=True)
    theme = make_channel("防災", creator=author)
    for n in range(3):
        make_message(default, author, f"ようこそ {n}")
        make_message(theme, author, f"以前の相談 {n}")
    newcomer = make_member()
    # What approving an application does (kyoso.accounts.actions.registration).
    member_admitted.send(sender=Member, member=newcomer, channel_ids=[theme.pk])
    assert {c.pk: unread_count(c) for c in joined_channels(newcomer)} == {default.pk: 0, theme.pk: 0}

    client.force_login(newcomer)
    body = page(client.get(url("channel", default)))
    assert unread_badge(body, theme) == 0
    assert "data-unread-count" not in sidebar(body)
    assert 'id="unread"' not in body and "data-jump-unread" not in body  # no 「ここから未読」
    make_message(theme, author, "参加後の投稿")
    assert unread_badge(page(client.get(url("channel", default))), theme) == 1


def test_a_new_direct_conversation_and_a_bulk_join_start_with_nothing_unread() -> None:
    author, other = make_member(), make_member()
    dm = actions.open_direct_conversation(member=author, others=[other])
    make_message(dm, author, "はじめまして")
    assert unread_count(joined_channels(other).get(pk=dm.pk)) == 1  # posted after they were in it
    channel = make_channel("子育て支援", creator=author)
    make_message(channel, author, "以前の投稿")
    latecomer = make_member()
    actions.join_channels(members=[latecomer], channel=channel)  # importers, setup, the demo
    assert unread_count(joined_channels(latecomer).get(pk=channel.pk)) == 0


def flood(channel, author, n: int) -> None:
    """``n`` messages at once, drawn like posts (the sidebar only counts rows)."""
    first = make_message(channel, author, "最初")
    Message.objects.bulk_create(
        [
            Message(
                channel=channel,
                author=author,
                text=f"投稿 {i}",
                html=f"<p>投稿 {i}</p>",
                created_at=first.created_at,
            )
            for i in range(n - 1)
        ]
    )


def test_the_sidebar_stops_counting_at_the_badge_limit_and_says_99_plus(client: Client) -> None:
    author, reader = make_member(), make_member()
    busy = make_channel("雑談", creator=author, members=[reader])
    quiet = make_channel("窓口", creator=author, members=[reader])
    flood(busy, author, BADGE_COUNT_LIMIT + 20)
    make_message(quiet, author, "@channel 確認してください")  # a mention of everyone, and one unread
    counts = {c.pk: (unread_count(c), mention_count(c)) for c in joined_channels(reader)}
    assert counts == {busy.pk: (BADGE_COUNT_LIMIT, 0), quiet.pk: (1, 1)}

    client.force_login(reader)
    body = sidebar(page(client.get(reverse("chat:directory"))))
    link = re.search(rf'data-sidebar-channel="{busy.pk}".*?</a>', body, re.S)
    assert link
    assert (
        '<span aria-hidden="true">99+</span><span class="visually-hidden">99件を超える未読</span>'
        in link.group(0)
    )
    quiet_link = re.search(rf'data-sidebar-channel="{quiet.pk}".*?</a>', body, re.S)
    assert quiet_link
    assert '<span class="visually-hidden">1件の未読</span>' in quiet_link.group(0)
    assert '<span class="visually-hidden">1件のメンション</span>' in quiet_link.group(0)


def test_badges_speak_english_to_an_english_reader(client: Client) -> None:
    author, reader = make_member(), make_member()
    busy = make_channel("雑談", creator=author, members=[reader])
    flood(busy, author, BADGE_COUNT_LIMIT)
    client.force_login(reader)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = page(client.get(reverse("chat:directory")))
    assert "more than 99 unread" in sidebar(body)
