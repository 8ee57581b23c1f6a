"""Kept message rows (kyoso.chat.row_cache): a channel page reuses a row only while what it shows holds."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import pytest
from django.template import Context, Template, engines
from django.test import Client, RequestFactory, override_settings

from kyoso.accounts.actions.profile import update_profile
from kyoso.accounts.models import Member
from kyoso.chat import actions, row_cache
from kyoso.chat.actions.renames import redraw_mentions_of
from kyoso.chat.models import Channel, Message
from kyoso.chat.rendering import MESSAGE_TEMPLATE
from kyoso.chat.tests.web import page, stream, url
from kyoso.testing.factories import make_channel, make_member, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rows() -> Iterator[None]:
    row_cache.clear()
    yield
    row_cache.clear()


@pytest.fixture
def people() -> tuple[Member, Member, Channel]:
    author, reader = make_member(display_name="山田 太郎"), make_member(display_name="佐藤 花子")
    channel = make_channel("防災", creator=author, members=[reader])
    return author, reader, channel


def row(body: str, message: Message) -> str:
    """One message of the channel's stream, as drawn."""
    found = re.search(rf'<li class="message[^"]*" id="m-{message.pk}".*?\n</li>', stream(body), re.S)
    assert found, f"message {message.pk} is not in the stream"
    return found.group(0)


def opened(client: Client, member: Member, channel: Channel) -> str:
    client.force_login(member)
    return page(client.get(url("channel", channel)))


def test_the_message_template_is_one_the_cache_can_key() -> None:
    """Everything _message.html reads is a variable the key follows: otherwise every row is drawn."""
    template = engines["django"].engine.get_template(MESSAGE_TEMPLATE)  # type: ignore[attr-defined]
    reads = row_cache._cache_for(template).reads
    assert reads.keyable
    assert {"item", "channel_url", "can_stamp", "composer"} <= set(reads.names)


def test_opening_a_page_again_reuses_its_rows_and_draws_the_same_page(client: Client, people) -> None:
    author, reader, channel = people
    message = make_message(channel, author, "避難所の開設手順")
    first = opened(client, reader, channel)
    kept = set(row_cache.kept_rows())
    assert kept, "the rows were not kept"
    second = page(client.get(url("channel", channel)))
    assert set(row_cache.kept_rows()) == kept  # nothing drawn anew
    assert row(second, message) == row(first, message)


def test_an_edited_message_shows_its_new_text(client: Client, people) -> None:
    author, reader, channel = people
    message = make_message(channel, author, "訓練は9月1日です")
    assert "9月1日" in row(opened(client, reader, channel), message)
    actions.edit_message(member=author, message=message, text="訓練は9月3日に変わりました")
    shown = row(page(client.get(url("channel", channel))), message)
    assert "9月3日に変わりました" in shown and "9月1日" not in shown
    assert "data-edited" in shown


def test_a_stamp_pressed_or_taken_back_shows_at_once_and_only_the_presser_sees_it_pressed(
    client: Client, people
) -> None:
    author, reader, channel = people
    message = make_message(channel, author, "備蓄品の一覧を共有します")
    stamp = actions.ensure_default_stamps()[0]
    assert 'class="stamps"' not in row(opened(client, reader, channel), message)
    actions.add_reaction(member=reader, message=message, stamp=stamp)
    mine = row(page(client.get(url("channel", channel))), message)
    assert 'aria-pressed="true"' in mine
    assert re.search(r'class="stamp__count">1<', mine)
    theirs = row(opened(Client(), author, channel), message)  # same message, another reader
    assert 'aria-pressed="false"' in theirs and 'aria-pressed="true"' not in theirs
    actions.remove_reaction(member=reader, message=message, stamp=stamp)
    assert 'class="stamps"' not in row(opened(client, reader, channel), message)


def test_a_deleted_message_shows_as_deleted(client: Client, people) -> None:
    author, reader, channel = people
    message = make_message(channel, author, "この投稿は取り消します")
    assert "取り消します" in row(opened(client, reader, channel), message)
    actions.delete_message(member=author, message=message)
    shown = row(page(client.get(url("channel", channel))), message)
    assert "message--deleted" in shown and "取り消します" not in shown


def test_a_renamed_author_shows_their_new_name(client: Client, people) -> None:
    author, reader, channel = people
    message = make_message(channel, author, "よろしくお願いします")
    assert "山田 太郎" in row(opened(client, reader, channel), message)
    update_profile(member=author, display_name="山田 次郎", full_name=author.full_name)
    shown = row(page(client.get(url("channel", channel))), message)
    assert "山田 次郎" in shown and "山田 太郎" not in shown


def test_a_renamed_member_is_shown_by_their_new_name_where_they_are_mentioned(client: Client, people) -> None:
    author, reader, channel = people
    mention = f"@[{reader.display_name}](member:{reader.pk})"
    message = make_message(channel, author, f"{mention} さん、確認をお願いします")
    assert "佐藤 花子" in row(opened(client, author, channel), message)
    update_profile(member=reader, display_name="佐藤 はなこ", full_name=reader.full_name)
    redraw_mentions_of(reader.pk)  # what the worker does after a rename
    shown = row(page(client.get(url("channel", channel))), message)
    assert "佐藤 はなこ" in shown and "佐藤 花子" not in shown


def test_pins_replies_and_saving_show_at_once(client: Client, people) -> None:
    author, reader, channel = people
    message = make_message(channel, author, "要綱の改正について")
    before = row(opened(client, reader, channel), message)
    assert "data-pinned" not in before and "data-saved" not in before
    actions.pin_message(member=author, message=message)
    make_message(channel, reader, "承知しました", thread=message)
    actions.save_message(member=reader, message=message)
    shown = row(page(client.get(url("channel", channel))), message)
    assert "data-pinned" in shown and "data-saved" in shown
    assert f'data-open-thread="{message.pk}"' in shown and "1件" in shown
    assert "data-saved" not in row(opened(Client(), author, channel), message)  # saved by the reader only


def test_each_reader_gets_their_own_form_token_never_the_placeholder(client: Client, people) -> None:
    author, reader, channel = people
    message = make_message(channel, author, "資料を添付します")
    actions.add_reaction(member=author, message=message, stamp=actions.ensure_default_stamps()[0])
    for member in (reader, author, reader):
        shown = row(opened(Client(), member, channel), message)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', shown)
        assert token and not token.group(1).startswith("kyoso-csrf-")
        assert "kyoso-csrf-" not in shown


@override_settings(KYOSO_MESSAGE_ROW_CACHE=0)
def test_with_the_cache_turned_off_nothing_is_kept(client: Client, people) -> None:
    author, reader, channel = people
    message = make_message(channel, author, "キャッシュなし")
    assert "キャッシュなし" in row(opened(client, reader, channel), message)
    assert list(row_cache.kept_rows()) == []


@functools.cache
def compiled(source: str) -> Template:
    """One compiled template per source, as the template loader keeps them (rows belong to it)."""
    return engines["django"].from_string(source).template  # type: ignore[attr-defined]


def draw(source: str, **context: object) -> str:
    return row_cache.render_row(compiled(source), Context(context), {})


def test_a_row_that_reads_the_reader_through_the_request_is_kept_per_reader() -> None:
    first, second = make_member(), make_member()
    source = "{% if request.user.pk == owner %}mine{% else %}theirs{% endif %}"
    for member, expected in ((first, "mine"), (second, "theirs"), (first, "mine")):
        request = RequestFactory().get("/")
        request.user = member
        assert draw(source, request=request, owner=first.pk) == expected
    assert len(list(row_cache.kept_rows())) == 2


def test_a_template_with_a_tag_that_reads_the_whole_context_is_drawn_every_time() -> None:
    source = "{% load kyoso_web %}{% sidebar_channels as sidebar %}{{ text }}"
    assert draw(source, text="一") == "一"
    assert draw(source, text="二") == "二"
    assert list(row_cache.kept_rows()) == []


def test_something_the_key_cannot_capture_is_drawn_every_time() -> None:
    author = make_member()
    channel = make_channel("防災", creator=author)
    make_message(channel, author, "一件目")
    messages = Message.objects.filter(channel=channel)
    assert draw("{{ messages|length }}", messages=messages) == "1"
    make_message(channel, author, "二件目")
    assert draw("{{ messages|length }}", messages=Message.objects.filter(channel=channel)) == "2"
    assert list(row_cache.kept_rows()) == []
