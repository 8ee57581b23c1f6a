"""Editing with history, deleting to a tombstone, pins, あとで読む and permalinks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kyoso.accounts.models import MemberStatus, Role
from kyoso.chat import actions
from kyoso.chat.errors import (
    ChannelArchived,
    EmptyMessage,
    MessageDeleted,
    MessageNotFound,
    NotAllowed,
)
from kyoso.chat.events import channel_audience, member_audience
from kyoso.chat.models import (
    ChangeKind,
    ChannelChange,
    ChannelKind,
    Mention,
    Message,
    MessageRevision,
    Reaction,
    SavedMessage,
)
from kyoso.chat.queries import (
    message_permalink,
    message_revisions,
    pinned_messages,
    saved_messages,
    thread_messages,
)
from kyoso.testing.factories import make_channel, make_member, make_message, make_reaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return make_member()


@pytest.fixture
def channel(author):
    return make_channel("窓口DX", creator=author)


def test_author_edits_and_the_previous_text_is_kept(author, channel, published) -> None:
    posted_at = timezone.now() - timedelta(minutes=5)
    message = make_message(channel, author, "**初版**です", at=posted_at)
    with published() as sent:
        edited = actions.edit_message(member=author, message=message, text="**第二版**です")

    message.refresh_from_db()
    assert message.text == "**第二版**です"
    assert message.html == "<p><strong>第二版</strong>です</p>"
    assert message.edited_at == edited.edited_at is not None
    [revision] = MessageRevision.objects.filter(message=message)
    assert (revision.text, revision.written_at, revision.replaced_at) == (
        "**初版**です",
        posted_at,
        message.edited_at,
    )
    assert sent.types == ["message.updated"]
    [(audience, event)] = sent.of("message.updated")
    assert audience == channel_audience(channel.pk)
    assert set(event) == {"id", "type", "at", "data"}
    assert event["data"]["html"] == message.html
    assert message.edited_at is not None
    assert event["data"]["edited_at"] == message.edited_at.isoformat()


def test_each_edit_adds_a_revision_with_the_time_that_text_was_written(author, channel) -> None:
    message = make_message(channel, author, "一")
    first = actions.edit_message(member=author, message=message, text="二").edited_at
    actions.edit_message(member=author, message=message, text="三")
    revisions = list(MessageRevision.objects.filter(message=message).order_by("id"))
    assert [r.text for r in revisions] == ["一", "二"]
    assert revisions[1].written_at == first


def test_editing_to_the_same_text_records_nothing(author, channel, published) -> None:
    message = make_message(channel, author, "同じ")
    with published() as sent:
        actions.edit_message(member=author, message=message, text="同じ")
    assert not MessageRevision.objects.exists()
    assert sent.events == []


def test_only_the_author_edits(author, channel, published) -> None:
    message = make_message(channel, author, "元の文")
    for other in (make_member(), make_member(role=Role.OPERATOR)):
        with published() as sent, pytest.raises(NotAllowed):
            actions.edit_message(member=other, message=message, text="書き換え")
        assert sent.events == []
    message.refresh_from_db()
    assert message.text == "元の文"


def test_editing_to_empty_text_is_refused(author, channel) -> None:
    message = make_message(channel, author, "元の文")
    with pytest.raises(EmptyMessage):
        actions.edit_message(member=author, message=message, text="  ")
    assert not MessageRevision.objects.exists()


def test_editing_a_deleted_message_is_refused(author, channel) -> None:
    message = make_message(channel, author, "元の文")
    actions.delete_message(member=author, message=message)
    with pytest.raises(MessageDeleted):
        actions.edit_message(member=author, message=message, text="復活")
    message.refresh_from_db()
    assert message.text == ""


def test_editing_in_an_archived_channel_is_refused(author, channel) -> None:
    message = make_message(channel, author, "元の文")
    actions.archive_channel(member=author, channel=channel)
    with pytest.raises(ChannelArchived):
        actions.edit_message(member=author, message=message, text="新しい文")


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.OPERATOR])
def test_moderators_and_operators_read_the_edit_history(author, channel, role: str) -> None:
    message = make_message(channel, author, "初版")
    actions.edit_message(member=author, message=message, text="第二版")
    assert [r.text for r in message_revisions(make_member(role=role), message)] == ["初版"]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.AMBASSADOR, Role.ADVISOR])
def test_others_cannot_read_the_edit_history(author, channel, role: str) -> None:
    message = make_message(channel, author, "初版")
    actions.edit_message(member=author, message=message, text="第二版")
    with pytest.raises(NotAllowed):
        message_revisions(make_member(role=role), message)


def test_author_deletes_leaving_a_tombstone_and_the_thread_intact(author, channel, published) -> None:
    root = make_message(channel, author, "個人情報を書いてしまった")
    other = make_member()
    reply = make_message(channel, other, "消した方がいいですね", thread=root)
    make_reaction(root, other)
    actions.edit_message(member=author, message=root, text="個人情報を書いてしまった（修正）")
    actions.pin_message(member=author, message=root)

    with published() as sent:
        actions.delete_message(member=author, message=root)

    root.refresh_from_db()
    assert root.is_deleted
    assert (root.text, root.html) == ("", "")
    assert root.reply_count == 1
    assert root.pinned_at is None
    assert not MessageRevision.objects.filter(message=root).exists()
    assert not Reaction.objects.filter(message=root).exists()
    _root, items = thread_messages(other, root.pk)
    assert [item.message.pk for item in items] == [root.pk, reply.pk]
    assert sent.types == ["message.deleted"]
    [deleted] = sent.data("message.deleted")
    assert "このメッセージは削除されました" in deleted.pop("fragments")["ja"]["stream"]
    # ``seq``: the deletion's number in the channel's change log (kyoso.chat.actions.changes).
    seq = ChannelChange.objects.get(channel=channel, kind=ChangeKind.DELETED, message_id=root.pk).seq
    assert deleted == {"id": root.pk, "channel_id": channel.pk, "thread_root_id": None, "seq": seq}


def test_deleting_a_reply_keeps_the_reply_count(author, channel) -> None:
    root = make_message(channel, author, "質問")
    reply = make_message(channel, make_member(), "回答", thread=root)
    actions.delete_message(member=reply.author, message=reply)
    root.refresh_from_db()
    assert root.reply_count == 1


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.OPERATOR])
def test_moderators_and_operators_delete_others_messages(author, channel, role: str) -> None:
    message = make_message(channel, author, "不適切な投稿")
    actions.delete_message(member=make_member(role=role), message=message)
    message.refresh_from_db()
    assert message.is_deleted


def test_other_members_cannot_delete(author, channel) -> None:
    message = make_message(channel, author, "私の投稿")
    with pytest.raises(NotAllowed):
        actions.delete_message(member=make_member(), message=message)
    message.refresh_from_db()
    assert not message.is_deleted


def test_deleting_twice_is_refused(author, channel) -> None:
    message = make_message(channel, author, "一度だけ")
    actions.delete_message(member=author, message=message)
    with pytest.raises(MessageDeleted):
        actions.delete_message(member=author, message=message)


def test_deleting_removes_the_mentions(author, channel) -> None:
    named = make_member()
    message = make_message(channel, author, f"@[名前](member:{named.pk}) さん")
    assert Mention.objects.filter(message=message).exists()
    actions.delete_message(member=author, message=message)
    assert not Mention.objects.filter(message=message).exists()


def test_pin_and_unpin(author, channel, published) -> None:
    first = make_message(channel, author, "手順書はこちら")
    second = make_message(channel, author, "議事録はこちら")
    member = make_member()
    actions.join_channel(member=member, channel=channel)
    actions.pin_message(member=member, message=first)
    with published() as sent:
        actions.pin_message(member=member, message=second)
    assert [m.pk for m in pinned_messages(author, channel)] == [second.pk, first.pk]
    assert sent.types == ["message.updated"]
    assert sent.data("message.updated")[0]["pinned"] is True

    with published() as sent:
        actions.unpin_message(member=author, message=second)
    assert [m.pk for m in pinned_messages(author, channel)] == [first.pk]
    assert sent.data("message.updated")[0]["pinned"] is False


def test_pinning_twice_publishes_once(author, channel, published) -> None:
    message = make_message(channel, author, "手順書")
    actions.pin_message(member=author, message=message)
    with published() as sent:
        actions.pin_message(member=author, message=message)
    assert sent.events == []


def test_a_reader_who_has_not_joined_cannot_pin(author, channel) -> None:
    message = make_message(channel, author, "手順書")
    with pytest.raises(NotAllowed):
        actions.pin_message(member=make_member(), message=message)
    assert pinned_messages(author, channel) == []


def test_save_for_later_and_list_newest_first_by_keyset(author, channel, published) -> None:
    reader = make_member()
    messages = [make_message(channel, author, f"資料{n}") for n in range(5)]
    for message in messages:
        actions.save_message(member=reader, message=message)
    with published() as sent:
        actions.save_message(member=reader, message=messages[0])  # already saved: nothing new
    assert sent.events == []
    assert SavedMessage.objects.filter(member=reader).count() == 5

    page = saved_messages(reader, limit=3)
    assert [s.message.pk for s in page.items] == [m.pk for m in reversed(messages[2:])]
    rest = saved_messages(reader, before=page.older_than, limit=3)
    assert [s.message.pk for s in rest.items] == [messages[1].pk, messages[0].pk]
    assert rest.older_than is None


def test_save_and_unsave_publish_to_the_member_only(author, channel, published) -> None:
    reader = make_member()
    message = make_message(channel, author, "あとで読む")
    with published() as sent:
        actions.save_message(member=reader, message=message)
    assert sent.audiences("saved.added") == [member_audience(reader.pk)]
    with published() as sent:
        assert actions.unsave_message(member=reader, message=message) is True
    assert sent.audiences("saved.removed") == [member_audience(reader.pk)]
    assert saved_messages(reader).items == []
    assert actions.unsave_message(member=reader, message=message) is False


def test_saved_messages_leave_out_deleted_and_no_longer_readable_ones(author) -> None:
    reader = make_member()
    secret = make_channel("運営会議", creator=author, kind=ChannelKind.PRIVATE, members=[reader])
    public = make_channel("雑談", creator=author)
    private_message = make_message(secret, author, "非公開の資料")
    deleted = make_message(public, author, "消される資料")
    kept = make_message(public, author, "残る資料")
    for message in (private_message, deleted, kept):
        actions.save_message(member=reader, message=message)
    actions.delete_message(member=author, message=deleted)
    actions.leave_channel(member=reader, channel=secret)
    assert [s.message.pk for s in saved_messages(reader).items] == [kept.pk]


def test_permalink_lands_on_the_message_in_the_channel_or_its_thread(author, channel) -> None:
    root = make_message(channel, author, "質問")
    reply = make_message(channel, make_member(), "回答", thread=root)
    thread_url = reverse("chat:thread", args=[channel.slug, root.pk])
    channel_url = reverse("chat:channel", args=[channel.slug])
    assert thread_url.startswith("/channels/%E7%AA%93%E5%8F%A3")  # the Japanese slug, URL-encoded
    # A reply opens its thread at the reply, beside the channel's history around the thread's root.
    assert message_permalink(reply) == f"{thread_url}?around={root.pk}#t-{reply.pk}"
    # A message of the channel opens the channel at the page around it.
    assert message_permalink(root) == f"{channel_url}?around={root.pk}#m-{root.pk}"


def test_permalink_page_opens_for_a_reader(author, channel, client) -> None:
    root = make_message(channel, author, "質問")
    reply = make_message(channel, make_member(), "回答です", thread=root)
    client.force_login(make_member())
    path = message_permalink(reply).split("#")[0]
    response = client.get(path)
    assert response.status_code == 200
    assert f'id="t-{reply.pk}"' in response.content.decode()


def test_a_suspended_author_cannot_edit_or_delete(author, channel) -> None:
    message = make_message(channel, author, "元の文")
    author.status = MemberStatus.SUSPENDED
    author.save(update_fields=["status"])
    with pytest.raises(NotAllowed):
        actions.edit_message(member=author, message=message, text="書き換え")
    with pytest.raises(NotAllowed):
        actions.delete_message(member=author, message=message)


def test_an_outsider_of_a_private_channel_gets_not_found(author) -> None:
    secret = make_channel("運営会議", creator=author, kind=ChannelKind.PRIVATE)
    message = make_message(secret, author, "非公開")
    outsider = make_member(role=Role.OPERATOR)
    for act in (actions.delete_message, actions.pin_message, actions.save_message):
        with pytest.raises(MessageNotFound):
            act(member=outsider, message=message)
    assert Message.objects.get(pk=message.pk).deleted_at is None
