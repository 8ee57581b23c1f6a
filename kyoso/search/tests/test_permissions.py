"""Search never shows what a member cannot read: the chat permission matrix, asked through search.

Each scene puts a private channel or a DM in place with a thread, a stamp and a file-free reply,
all in words found nowhere else, then gives the viewer one kind of access. The viewer is an
operator, so no role stands in for belonging to the conversation. Every way of searching (words of
one and several characters, OR, exclusions only, filters only, facets, the channel scope, the
in: filter and its type-ahead, the page) must come back without the conversation; a member with
access is the control row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from kyoso.accounts.models import Member, MemberStatus, Role
from kyoso.chat import actions
from kyoso.chat.models import Channel, ChannelKind, Message
from kyoso.search.errors import UnknownFilterValue
from kyoso.search.queries import search_channels, search_messages
from kyoso.search.suggestions import suggest
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import make_channel, make_member, make_message, make_reaction

pytestmark = pytest.mark.django_db

SECRET = "極秘の人事案件"
REPLY = "人事案件への返信"


@dataclass
class Scene:
    owner: Member
    viewer: Member
    channel: Channel
    root: Message
    reply: Message


SCENES = [
    ("private", "member"),
    ("private", "outsider"),
    ("private", "former member"),
    ("private", "suspended member"),
    ("direct", "member"),
    ("direct", "outsider"),
    ("direct", "suspended member"),
]
DENIED = [scene for scene in SCENES if scene[1] != "member"]


def build(kind: str, access: str) -> Scene:
    owner = make_member(display_name="山田 運営")
    viewer = make_member(role=Role.OPERATOR, display_name="鈴木 閲覧")
    inside = access != "outsider"
    if kind == "private":
        channel = make_channel(
            "人事秘密会議",
            creator=owner,
            kind=ChannelKind.PRIVATE,
            members=[viewer] if inside else [],
            slug="jinji",
        )
    else:
        channel = actions.open_direct_conversation(member=owner, others=[viewer if inside else make_member()])
    root = make_message(channel, owner, SECRET)
    reply = make_message(channel, owner, REPLY, thread=root)
    make_reaction(root, owner)
    # A public message beside it: the viewer's searches do work, they just never reach the secret.
    public = make_channel("雑談", creator=owner, members=[viewer])
    make_message(public, owner, "公開の雑談です")
    if access == "former member":
        actions.leave_channel(member=viewer, channel=channel)
    if access == "suspended member":
        Member.objects.filter(pk=viewer.pk).update(status=MemberStatus.SUSPENDED)
        viewer.refresh_from_db()
    return Scene(owner, viewer, channel, root, reply)


def found_ids(viewer: Member, query: str, **options: Any) -> set[int]:
    results = search_messages(viewer, query, **options)
    return {hit.message.pk for hit in results.hits}


SEARCHES: dict[str, Callable[[Scene], set[int]]] = {
    "a word": lambda s: found_ids(s.viewer, "人事"),
    "a phrase": lambda s: found_ids(s.viewer, '"の人事"'),
    "one character": lambda s: found_ids(s.viewer, "秘"),
    "either word": lambda s: found_ids(s.viewer, "極秘 OR 返信"),
    "exclusions only": lambda s: found_ids(s.viewer, "-存在しない語"),
    "filters only": lambda s: found_ids(s.viewer, "has:stamp"),
    "thread filter": lambda s: found_ids(s.viewer, "is:thread 人事"),
    "by the author": lambda s: found_ids(s.viewer, "from:@山田運営"),
    "by relevance": lambda s: found_ids(s.viewer, "人事", sort="relevance"),
    "a later page": lambda s: found_ids(s.viewer, "人事", cursor=str(s.reply.pk + 1000)),
}


@pytest.mark.parametrize("search", sorted(SEARCHES))
@pytest.mark.parametrize(("kind", "access"), DENIED)
def test_no_search_finds_the_conversation(kind: str, access: str, search: str) -> None:
    scene = build(kind, access)
    assert not SEARCHES[search](scene) & {scene.root.pk, scene.reply.pk}


@pytest.mark.parametrize(("kind", "access"), DENIED)
def test_counts_and_facets_do_not_betray_the_conversation(kind: str, access: str) -> None:
    scene = build(kind, access)
    results = search_messages(scene.viewer, "人事案件")
    assert results.count == 0
    assert results.facets == []


@pytest.mark.parametrize(("kind", "access"), DENIED)
def test_the_channel_is_not_found_by_name_nor_as_a_filter(kind: str, access: str) -> None:
    scene = build(kind, access)
    assert scene.channel not in search_channels(scene.viewer, "人事秘密会議")
    assert all(s["value"] != f"in:#{scene.channel.slug}" for s in suggest(scene.viewer, "in", ""))
    if kind == "private" and access != "suspended member":
        with pytest.raises(UnknownFilterValue):
            search_messages(scene.viewer, "in:#jinji 人事")


@pytest.mark.parametrize(("kind", "access"), [("private", "outsider"), ("private", "former member")])
def test_the_page_shows_nothing_of_it(client, kind: str, access: str) -> None:
    scene = build(kind, access)
    force_login_verified(client, scene.viewer)
    page = client.get("/search/", {"q": "人事"}).content.decode()
    assert SECRET not in page and "極秘" not in page
    assert REPLY not in page


def test_a_suspended_member_finds_nothing_at_all() -> None:
    scene = build("private", "suspended member")
    assert found_ids(scene.viewer, "雑談") == set()


@pytest.mark.parametrize("kind", ["private", "direct"])
def test_control_a_member_finds_everything(kind: str) -> None:
    scene = build(kind, "member")
    wanted = {scene.root.pk, scene.reply.pk}
    for name, search in SEARCHES.items():
        if name not in {"exclusions only", "a later page", "filters only", "by the author", "thread filter"}:
            assert search(scene) & wanted, name
    assert wanted <= found_ids(scene.viewer, "-存在しない語")
    assert scene.root.pk in found_ids(scene.viewer, "has:stamp")
    assert wanted <= found_ids(scene.viewer, "is:thread 人事")
    assert search_messages(scene.viewer, "人事案件").count == 2
    if kind == "private":
        assert scene.channel in search_channels(scene.viewer, "人事秘密会議")
        assert wanted <= found_ids(scene.viewer, "in:#jinji 人事")


def test_leaving_a_private_channel_takes_its_messages_out_of_ones_results() -> None:
    scene = build("private", "member")
    assert found_ids(scene.viewer, "人事")
    actions.leave_channel(member=scene.viewer, channel=scene.channel)
    assert found_ids(scene.viewer, "人事") == set()


def test_a_deleted_message_is_found_by_no_one() -> None:
    scene = build("private", "member")
    actions.delete_message(member=scene.owner, message=scene.root)
    for member in (scene.owner, scene.viewer):
        assert scene.root.pk not in found_ids(member, "極秘")
        assert scene.root.pk not in found_ids(member, "-存在しない語")
        assert scene.root.pk not in found_ids(member, "has:stamp")


def test_an_edited_message_is_found_by_its_new_words_only() -> None:
    scene = build("private", "member")
    actions.edit_message(member=scene.owner, message=scene.root, text="予算の打ち合わせ")
    assert scene.root.pk not in found_ids(scene.viewer, "極秘")
    assert scene.root.pk in found_ids(scene.viewer, "予算")


def test_an_anonymous_visitor_is_sent_to_sign_in(client) -> None:
    response = client.get("/search/", {"q": "人事"})
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]
