"""A mention shows the named member's own display name: the name typed in the token is never shown."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.urls import reverse

from kyoso.chat import actions
from kyoso.chat.markdown import render
from kyoso.chat.models import Mention, Message
from kyoso.testing.factories import make_channel, make_member

pytestmark = pytest.mark.django_db


def pill(member_id: int, name: str, affiliation: str = "") -> str:
    """A mention as kyoso.chat.markdown draws it: a link to the member, their organisation on hover."""
    card = f'<span class="mention__org">（{affiliation}）</span>' if affiliation else ""
    return (
        f'<a class="mention" href="/accounts/members/{member_id}/" data-member-id="{member_id}" '
        f'rel="noopener noreferrer nofollow ugc">@{name}{card}</a>'
    )


def test_a_forged_name_in_a_mention_is_replaced_by_the_members_own() -> None:
    author, named = make_member(), make_member(display_name="田中")
    make_member(display_name="坂本")
    channel = make_channel("窓口", creator=author)
    text = f"@[坂本（運営）](member:{named.pk}) 確認を"
    message = actions.post_message(author=author, channel=channel, text=text)
    assert message.html == f"<p>{pill(named.pk, '田中', named.affiliation)} 確認を</p>"
    assert "坂本" not in message.html
    assert list(Mention.objects.filter(message=message).values_list("member_id", flat=True)) == [named.pk]


def test_an_edit_cannot_forge_a_name_either() -> None:
    author, named = make_member(), make_member(display_name="田中")
    channel = make_channel("窓口", creator=author)
    message = actions.post_message(author=author, channel=channel, text="下書き")
    actions.edit_message(member=author, message=message, text=f"@[運営事務局](member:{named.pk})")
    message.refresh_from_db()
    assert "運営事務局" not in message.html
    assert "@田中" in message.html


def test_the_page_and_the_api_show_the_real_name() -> None:
    author, named = make_member(), make_member(display_name="田中")
    channel = make_channel("窓口", creator=author)
    message = actions.post_message(author=author, channel=channel, text=f"@[坂本（運営）](member:{named.pk})")
    client = Client()
    client.force_login(author)
    page = client.get(reverse("chat:channel", args=[channel.slug])).content.decode()
    assert "坂本（運営）" not in page
    assert "@田中" in page
    api = client.get(f"/api/v1/messages/{message.pk}").json()
    assert "坂本" not in api["html"]
    assert "@田中" in api["html"]


def test_a_token_naming_no_member_is_plain_text_not_a_mention() -> None:
    author = make_member()
    channel = make_channel("窓口", creator=author)
    message = actions.post_message(author=author, channel=channel, text="@[坂本（運営）](member:987654) へ")
    assert "<span" not in message.html
    assert message.html == "<p>@[坂本（運営）](member:987654) へ</p>"
    assert not Mention.objects.filter(message=message).exists()


def test_the_names_are_looked_up_in_one_query(django_assert_num_queries) -> None:
    people = [make_member(display_name=f"職員{i}") for i in range(5)]
    text = " ".join(f"@[x](member:{p.pk})" for p in people)
    with django_assert_num_queries(1):
        html = render(text).html
    for p in people:
        assert pill(p.pk, p.display_name, p.affiliation) in html


def test_a_hostile_display_name_is_escaped() -> None:
    named = make_member(display_name='<img src=x onerror="alert(1)">')
    html = render(f"@[x](member:{named.pk})").html
    assert "<img" not in html
    assert "&lt;img" in html


def test_the_migration_shows_stored_mentions_with_the_members_own_name() -> None:
    """Messages stored before the fix showed the typed name; the data migration renders them again."""
    migration = importlib.import_module("kyoso.chat.migrations.0004_message_mention_names")
    author, named = make_member(), make_member(display_name="田中")
    channel = make_channel("窓口", creator=author)
    text = f"@[坂本（運営）](member:{named.pk}) 確認を"
    message = actions.post_message(author=author, channel=channel, text=text)
    forged = f'<p><span class="mention" data-member-id="{named.pk}">@坂本（運営）</span> 確認を</p>'
    plain = actions.post_message(author=author, channel=channel, text="普通の投稿")
    Message.objects.filter(pk=message.pk).update(html=forged)

    migration.rerender_mentions(django_apps, SimpleNamespace(connection=SimpleNamespace(alias="default")))

    # The migration knows names only: the organisation comes with the next drawing.
    assert Message.objects.get(pk=message.pk).html == f"<p>{pill(named.pk, '田中')} 確認を</p>"
    assert Message.objects.get(pk=plain.pk).html == "<p>普通の投稿</p>"


def test_a_renamed_member_is_shown_by_the_new_name_in_earlier_messages(
    django_capture_on_commit_callbacks,
) -> None:
    from kyoso.accounts.actions.profile import update_profile

    author, named = make_member(), make_member(display_name="田中")
    channel = make_channel("窓口", creator=author)
    message = actions.post_message(author=author, channel=channel, text=f"@[田中](member:{named.pk}) 確認を")
    other = actions.post_message(author=author, channel=channel, text="関係のない投稿")
    with django_capture_on_commit_callbacks(execute=True):
        update_profile(member=named, display_name="田中（久留米市）", full_name=named.full_name)
    message.refresh_from_db()
    assert pill(named.pk, "田中（久留米市）", named.affiliation) in message.html
    assert message.edited_at is None
    # The text keeps what was typed; only the drawing changes, and only where the member is named.
    assert message.text == f"@[田中](member:{named.pk}) 確認を"
    assert Message.objects.get(pk=other.pk).html == other.html


def test_an_unchanged_name_redraws_nothing(django_capture_on_commit_callbacks) -> None:
    from kyoso.accounts.actions.profile import update_profile

    named = make_member(display_name="田中")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        update_profile(
            member=named,
            display_name="田中",
            full_name=named.full_name,
            department=named.department,
            bio="よろしく",
        )
    assert callbacks == []


def test_redrawing_walks_every_mention_in_batches() -> None:
    from kyoso.accounts.models import Member
    from kyoso.chat.actions.renames import redraw_mentions_of

    author, named = make_member(), make_member(display_name="田中")
    channel = make_channel("窓口", creator=author)
    posted = [
        actions.post_message(author=author, channel=channel, text=f"@[田中](member:{named.pk}) {i}")
        for i in range(5)
    ]
    Member.objects.filter(pk=named.pk).update(display_name="佐藤")
    assert redraw_mentions_of(named.pk, batch_size=2) == 5
    for message in Message.objects.filter(pk__in=[m.pk for m in posted]):
        assert ">@佐藤<span" in message.html
        assert "@田中" not in message.html
