"""The permission matrix: outside a private channel or DM, or suspended, nothing can be read or done.

Each scene puts a private channel or a DM's messages, thread, stamps, pin, edit history and a
mention of the viewer in place, then gives the viewer one kind of access. The viewer is an operator,
so no role can stand in for belonging to the conversation. A member with access is the control row:
the same reads succeed for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone

from kyoso.accounts.models import Member, MemberStatus, Role
from kyoso.chat import actions, queries
from kyoso.chat.errors import ChatError
from kyoso.chat.mentions import member_token
from kyoso.chat.models import Channel, ChannelKind, Mention, Message, SavedMessage, ThreadFollow
from kyoso.testing.factories import make_channel, make_member, make_message, make_reaction, stamp_named

pytestmark = pytest.mark.django_db


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
    viewer = make_member(role=Role.OPERATOR, display_name="山田 閲覧")
    inside = access != "outsider"
    if kind == "private":
        channel = make_channel(
            "運営会議", creator=owner, kind=ChannelKind.PRIVATE, members=[viewer] if inside else []
        )
    else:
        channel = actions.open_direct_conversation(member=owner, others=[viewer if inside else make_member()])
    root = make_message(
        channel, owner, f"{member_token(viewer.pk, viewer.display_name)} 非公開の相談 @channel"
    )
    reply = make_message(channel, owner, "非公開の返信", thread=root)
    make_reaction(root, owner)
    actions.pin_message(member=owner, message=root)
    actions.edit_message(member=owner, message=root, text=f"{root.text}（追記）")
    if inside:
        actions.save_message(member=viewer, message=root)
        actions.follow_thread(member=viewer, thread=root)
    else:
        # Rows a bug elsewhere might leave behind must still not open the door.
        now = timezone.now()
        Mention.objects.create(message=root, member=viewer)
        SavedMessage.objects.create(member=viewer, message=root, saved_at=now)
        ThreadFollow.objects.create(member=viewer, thread_root=root, created_at=now)
    if access == "former member":
        actions.leave_channel(member=viewer, channel=channel)
    if access == "suspended member":
        viewer.status = MemberStatus.SUSPENDED
        viewer.save(update_fields=["status"])
    return Scene(owner, viewer, channel, root, reply)


# Reads of one thing: refused with "not found" (or not allowed), never an answer.
READS: dict[str, Callable[[Scene], object]] = {
    "channel_for": lambda s: queries.channel_for(s.viewer, s.channel.slug),
    "channel_history": lambda s: queries.channel_history(s.viewer, s.channel),
    "thread_messages": lambda s: queries.thread_messages(s.viewer, s.root.pk),
    "thread_participants": lambda s: queries.thread_participants(s.viewer, s.root),
    "is_following": lambda s: queries.is_following(s.viewer, s.root),
    "reactions_for": lambda s: queries.reactions_for(s.viewer, s.root),
    "pinned_messages": lambda s: queries.pinned_messages(s.viewer, s.channel),
    "message_revisions": lambda s: queries.message_revisions(s.viewer, s.root),
    "first_unread_message": lambda s: queries.first_unread_message(s.viewer, s.channel),
    "search_members": lambda s: list(queries.search_members(s.viewer, "山田", channel=s.channel)),
    "readable_message": lambda s: queries.readable_message(s.viewer, s.reply),
}


def _ids(messages: object) -> set[int]:
    return {m.pk for m in messages}  # type: ignore[attr-defined]


# Lists across channels: the conversation is simply not in them.
LISTS: dict[str, Callable[[Scene], set[int]]] = {
    "mentions_for": lambda s: _ids(queries.mentions_for(s.viewer).messages),
    "saved_messages": lambda s: {i.message_id for i in queries.saved_messages(s.viewer).items},
    "followed_threads": lambda s: {t.root.pk for t in queries.followed_threads(s.viewer)},
    "readable_messages": lambda s: _ids(queries.readable_messages(s.viewer)),
    "recent_public_messages": lambda s: _ids(queries.recent_public_messages(s.viewer)),
    "visible_channels": lambda s: set(queries.visible_channels(s.viewer).values_list("pk", flat=True)),
    "channel_directory": lambda s: set(queries.channel_directory(s.viewer).values_list("pk", flat=True)),
    "joined_channels": lambda s: set(queries.joined_channels(s.viewer).values_list("pk", flat=True)),
}


@pytest.mark.parametrize("read", sorted(READS))
@pytest.mark.parametrize(("kind", "access"), DENIED)
def test_no_read_of_one_thing_answers(kind: str, access: str, read: str) -> None:
    scene = build(kind, access)
    with pytest.raises(ChatError):
        READS[read](scene)


@pytest.mark.parametrize("read", sorted(LISTS))
@pytest.mark.parametrize(("kind", "access"), DENIED)
def test_no_list_includes_the_conversation(kind: str, access: str, read: str) -> None:
    scene = build(kind, access)
    found = LISTS[read](scene)
    assert not found & {scene.root.pk, scene.reply.pk, scene.channel.pk}


@pytest.mark.parametrize(("kind", "access"), DENIED)
def test_the_pin_count_of_a_channel_one_cannot_read_is_zero(kind: str, access: str) -> None:
    scene = build(kind, access)
    assert queries.pinned_count(scene.viewer, scene.channel) == 0


@pytest.mark.parametrize("kind", ["private", "direct"])
def test_control_a_member_reads_everything(kind: str) -> None:
    scene = build(kind, "member")
    for read in READS.values():
        read(scene)  # none raises
    assert queries.thread_messages(scene.viewer, scene.root.pk)[1][1].message == scene.reply
    assert [g.name for g in queries.reactions_for(scene.viewer, scene.root)] == ["共創"]
    assert [m.pk for m in queries.pinned_messages(scene.viewer, scene.channel)] == [scene.root.pk]
    assert queries.pinned_count(scene.viewer, scene.channel) == 1
    assert len(queries.message_revisions(scene.viewer, scene.root)) == 1
    assert scene.root.pk in LISTS["mentions_for"](scene)
    assert scene.root.pk in LISTS["saved_messages"](scene)
    assert scene.root.pk in LISTS["followed_threads"](scene)
    assert scene.channel.pk in LISTS["joined_channels"](scene)


ACTIONS: dict[str, Callable[[Scene], object]] = {
    "post_message": lambda s: actions.post_message(author=s.viewer, channel=s.channel, text="書けますか"),
    "reply": lambda s: actions.post_message(author=s.viewer, channel=s.channel, text="返信", thread=s.root),
    "edit_message": lambda s: actions.edit_message(member=s.viewer, message=s.root, text="書き換え"),
    "delete_message": lambda s: actions.delete_message(member=s.viewer, message=s.reply),
    "pin_message": lambda s: actions.pin_message(member=s.viewer, message=s.reply),
    "unpin_message": lambda s: actions.unpin_message(member=s.viewer, message=s.root),
    "save_message": lambda s: actions.save_message(member=s.viewer, message=s.reply),
    "add_reaction": lambda s: actions.add_reaction(
        member=s.viewer, message=s.root, stamp=stamp_named("解決")
    ),
    "remove_reaction": lambda s: actions.remove_reaction(
        member=s.viewer, message=s.root, stamp=stamp_named()
    ),
    "follow_thread": lambda s: actions.follow_thread(member=s.viewer, thread=s.root),
    "mark_thread_read": lambda s: actions.mark_thread_read(member=s.viewer, thread=s.root),
    "mark_channel_read": lambda s: actions.mark_channel_read(member=s.viewer, channel=s.channel),
    "join_channel": lambda s: actions.join_channel(member=s.viewer, channel=s.channel),
    "leave_channel": lambda s: actions.leave_channel(member=s.viewer, channel=s.channel),
    "invite_to_channel": lambda s: actions.invite_to_channel(
        inviter=s.viewer, channel=s.channel, invitee=make_member()
    ),
    "update_channel": lambda s: actions.update_channel(member=s.viewer, channel=s.channel, title="変更"),
    "archive_channel": lambda s: actions.archive_channel(member=s.viewer, channel=s.channel),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize(("kind", "access"), DENIED)
def test_no_action_works_or_publishes(kind: str, access: str, action: str, published) -> None:
    scene = build(kind, access)
    messages_before = list(Message.objects.order_by("id").values())
    channel_before = Channel.objects.filter(pk=scene.channel.pk).values().get()
    with published() as sent, pytest.raises(ChatError):
        ACTIONS[action](scene)
    assert sent.events == []
    assert list(Message.objects.order_by("id").values()) == messages_before
    assert Channel.objects.filter(pk=scene.channel.pk).values().get() == channel_before


@pytest.mark.parametrize(("kind", "access"), [("private", "outsider"), ("direct", "outsider")])
def test_pages_answer_not_found_to_an_outsider(client, kind: str, access: str) -> None:
    scene = build(kind, access)
    # An operator would first be sent to set up two-factor; the pages' own check is what is tested.
    Member.objects.filter(pk=scene.viewer.pk).update(role=Role.MEMBER)
    client.force_login(scene.viewer)
    assert client.get(f"/channels/{scene.channel.slug}/").status_code == 404
    assert client.get(f"/channels/{scene.channel.slug}/threads/{scene.root.pk}/").status_code == 404
    assert client.get(queries.message_permalink(scene.reply).split("#")[0]).status_code == 404
