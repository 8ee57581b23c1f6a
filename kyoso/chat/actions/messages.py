"""Message changes: post (with files), edit (with history), delete (tombstone), pins and saved messages."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import IO

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kyoso.accounts.models import Member, MemberStatus
from kyoso.chat import signals
from kyoso.chat.actions.attachments import (
    discard_message_files,
    discard_stored,
    spend_upload_budget,
    store_files,
)
from kyoso.chat.actions.changes import Change, hold_channel, record_change, record_changes
from kyoso.chat.errors import (
    ChannelArchived,
    ChannelMentionNotAllowed,
    ChatError,
    EmptyMessage,
    InvalidText,
    MessageDeleted,
    MessageTooLong,
    NotAllowed,
    NotAllowedToPost,
)
from kyoso.chat.events import (
    channel_audience,
    deleted_data,
    member_audience,
    message_data,
    publish,
    replied_data,
)
from kyoso.chat.files import CheckedFile, check_files
from kyoso.chat.markdown import render
from kyoso.chat.mentions import ParsedMentions
from kyoso.chat.models import (
    Attachment,
    ChangeKind,
    Channel,
    ChannelMembership,
    Mention,
    Message,
    MessageRevision,
    Reaction,
    SavedMessage,
    ThreadFollow,
)
from kyoso.chat.queries.access import (
    PostingState,
    is_channel_member,
    is_moderator,
    posting_state,
    readable_channel,
    readable_message,
)
from kyoso.chat.rendering import with_fragments


def clean_text(text: str) -> str:
    """Validate a message body; the text is kept exactly as written (異体字, emoji, combining marks)."""
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text) or "\x00" in text:
        raise InvalidText()
    if not text.strip():
        raise EmptyMessage()
    if len(text) > settings.KYOSO_MESSAGE_MAX_LENGTH:
        raise MessageTooLong()
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text):
        raise InvalidText()
    return text


# Why a post is refused, for each answer of ``posting_state`` but "post".
POSTING_REFUSALS: dict[PostingState, type[ChatError]] = {
    "archived": ChannelArchived,
    "join": NotAllowedToPost,
    "announcement": NotAllowedToPost,
}


def _check_can_post(member: Member, channel: Channel, *, to_stream: bool = True) -> Channel:
    """The channel, fresh, if the member may post there; the same rule as the composer's."""
    if not member.is_active:
        raise NotAllowedToPost()
    channel = readable_channel(member, channel)
    state = posting_state(member, channel, to_stream=to_stream)
    if state != "post":
        raise POSTING_REFUSALS[state]()
    return channel


def _may_mention_channel(author: Member, channel: Channel) -> bool:
    if is_moderator(author):
        return True
    members = ChannelMembership.objects.filter(channel=channel).count()
    return members <= settings.KYOSO_CHANNEL_MENTION_MAX_MEMBERS


def _resolve_mentions(author: Member, channel: Channel, parsed: ParsedMentions) -> tuple[set[int], bool]:
    """Who the text names and can read the channel, and whether it says @channel/@here (if allowed)."""
    if parsed.broadcast and not _may_mention_channel(author, channel):
        raise ChannelMentionNotAllowed()
    readers = Member.objects.filter(pk__in=parsed.member_ids, status=MemberStatus.ACTIVE).exclude(
        pk=author.pk
    )
    if not channel.is_public:
        readers = readers.filter(memberships__channel=channel)
    return set(readers.values_list("pk", flat=True)), parsed.broadcast


def _publish_mentions(message: Message, member_ids: set[int]) -> None:
    data = {
        "message_id": message.pk,
        "channel_id": message.channel_id,
        "thread_root_id": message.thread_root_id,
    }
    for member_id in sorted(member_ids):
        publish(member_audience(member_id), "mention.created", data)


def _follow_on_reply(root: Message, reply: Message) -> None:
    """The thread's author and everyone who replies follow it; replying again re-follows."""
    ThreadFollow.objects.get_or_create(
        member_id=root.author_id, thread_root=root, defaults={"created_at": reply.created_at}
    )
    ThreadFollow.objects.update_or_create(
        member_id=reply.author_id,
        thread_root=root,
        defaults={"following": True, "last_read_reply_id": reply.pk},
        create_defaults={"following": True, "last_read_reply_id": reply.pk, "created_at": reply.created_at},
    )


def _follow_on_mention(root: Message, reply: Message, mentioned: set[int]) -> None:
    """Being named in a thread follows it, with the naming reply unread; an unfollow stays."""
    existing = set(
        ThreadFollow.objects.filter(thread_root=root, member_id__in=mentioned).values_list(
            "member_id", flat=True
        )
    )
    ThreadFollow.objects.bulk_create(
        [
            ThreadFollow(
                member_id=pk, thread_root=root, last_read_reply_id=reply.pk - 1, created_at=reply.created_at
            )
            for pk in sorted(mentioned - existing)
        ],
        ignore_conflicts=True,
    )


def post_message(
    *,
    author: Member,
    channel: Channel,
    text: str,
    thread: Message | None = None,
    also_in_channel: bool = False,
    at: datetime | None = None,
) -> Message:
    """Post to a channel, or reply in ``thread`` (a reply to a reply joins the first one's thread)."""
    message, _attachments = post_message_with_files(
        author=author,
        channel=channel,
        text=text,
        files=(),
        thread=thread,
        also_in_channel=also_in_channel,
        at=at,
    )
    return message


def post_message_with_files(
    *,
    author: Member,
    channel: Channel,
    text: str,
    files: Iterable[IO[bytes]],
    thread: Message | None = None,
    also_in_channel: bool = False,
    at: datetime | None = None,
) -> tuple[Message, list[Attachment]]:
    """Post a message and its files together: a refused file means no message either.

    The message and its files are written in one transaction and announced as one
    ``message.created`` event that lists the files.
    """
    channel = _check_can_post(author, channel, to_stream=thread is None or also_in_channel)
    text = clean_text(text)
    root = thread.thread_root if thread is not None and thread.thread_root_id else thread
    if root is not None and root.channel_id != channel.pk:
        raise NotAllowedToPost()
    uploads = list(files)
    if uploads:
        spend_upload_budget(author, len(uploads))
    checked = check_files(uploads)
    rendered = render(text)
    mentioned, broadcast = _resolve_mentions(author, channel, rendered.mentions)
    created_at = at or timezone.now()
    saved: list[str] = []
    try:
        with transaction.atomic():
            hold_channel(channel.pk)
            message, attachments = _write_post(
                author=author,
                channel=channel,
                root=root,
                also_in_channel=also_in_channel and root is not None,
                text=text,
                html=rendered.html,
                broadcast=broadcast,
                mentioned=mentioned,
                files=checked,
                created_at=created_at,
                saved=saved,
            )
            _publish_post(message, root, attachments, mentioned)
            # After the post's own events, so a client hears of the message before any notice of it.
            signals.message_written.send(
                sender=Message, message=message, mentioned=frozenset(mentioned), root=root
            )
    except BaseException:
        discard_stored(saved)
        raise
    return message, attachments


def _write_post(
    *,
    author: Member,
    channel: Channel,
    root: Message | None,
    also_in_channel: bool,
    text: str,
    html: str,
    broadcast: bool,
    mentioned: set[int],
    files: list[CheckedFile],
    created_at: datetime,
    saved: list[str],
) -> tuple[Message, list[Attachment]]:
    message = Message.objects.create(
        channel=channel,
        author=author,
        thread_root=root,
        also_in_channel=also_in_channel,
        text=text,
        html=html,
        created_at=created_at,
        mentions_channel=broadcast,
    )
    signals.message_posted.send(sender=Message, message=message)
    Mention.objects.bulk_create([Mention(message=message, member_id=pk) for pk in mentioned])
    attachments = store_files(uploader=author, message=message, files=files, at=created_at, saved=saved)
    Channel.objects.filter(pk=channel.pk).update(last_message_at=created_at)
    # The author has read what they wrote.
    ChannelMembership.objects.filter(channel=channel, member=author).update(last_read_message_id=message.pk)
    if root is not None:
        Message.objects.filter(pk=root.pk).update(reply_count=F("reply_count") + 1, last_reply_at=created_at)
        root.refresh_from_db(fields=["reply_count", "last_reply_at"])
        _follow_on_reply(root, message)
        _follow_on_mention(root, message, mentioned)
    return message, attachments


def _publish_post(
    message: Message, root: Message | None, attachments: list[Attachment], mentioned: set[int]
) -> None:
    changes = [Change(ChangeKind.CREATED, message.pk)]
    if root is not None:
        changes.append(Change(ChangeKind.REPLIED, root.pk))
    numbers = record_changes(message.channel_id, changes)
    publish(
        channel_audience(message.channel_id),
        "message.created",
        with_fragments(
            message, {**message_data(message, attachments=attachments), "seq": numbers[0]}, new=True
        ),
    )
    if root is not None:
        publish(
            channel_audience(message.channel_id),
            "thread.replied",
            with_fragments(root, {**replied_data(root, message.pk), "seq": numbers[1]}),
        )
    _publish_mentions(message, mentioned)


def _changeable(member: Member, message: Message | int) -> Message:
    if not member.is_active:
        raise NotAllowed()
    message = readable_message(member, message)
    if message.deleted_at is not None:
        raise MessageDeleted()
    return message


def edit_message(*, member: Member, message: Message, text: str, at: datetime | None = None) -> Message:
    """The author rewrites a message; the text it replaces is kept as a MessageRevision."""
    message = _changeable(member, message)
    if message.author_id != member.pk:
        raise NotAllowed()
    if message.channel.archived_at is not None:
        raise ChannelArchived()
    text = clean_text(text)
    if text == message.text:
        return message
    rendered = render(text)
    mentioned, broadcast = _resolve_mentions(member, message.channel, rendered.mentions)
    edited_at = at or timezone.now()
    with transaction.atomic():
        hold_channel(message.channel_id)
        MessageRevision.objects.create(
            message=message,
            text=message.text,
            written_at=message.edited_at or message.created_at,
            replaced_at=edited_at,
        )
        previous_text, message.text = message.text, text
        message.html = rendered.html
        message.edited_at = edited_at
        message.mentions_channel = broadcast
        message.save(update_fields=["text", "html", "edited_at", "mentions_channel"])
        signals.message_edited.send(sender=Message, message=message, previous_text=previous_text)
        before = set(Mention.objects.filter(message=message).values_list("member_id", flat=True))
        Mention.objects.filter(message=message).exclude(member_id__in=mentioned).delete()
        Mention.objects.bulk_create([Mention(message=message, member_id=pk) for pk in mentioned - before])
        seq = record_change(message.channel_id, ChangeKind.EDITED, message.pk)
        publish(
            channel_audience(message.channel_id),
            "message.updated",
            with_fragments(message, {**message_data(message), "seq": seq}),
        )
        _publish_mentions(message, mentioned - before)
    return message


def delete_message(*, member: Member, message: Message, at: datetime | None = None) -> Message:
    """Delete a message (its author, moderators, operators), leaving a tombstone.

    The row stays, so its thread and reply count stay too. Its text, edit history, mentions, stamps
    and pin go: a member who deletes personal information written by mistake must be able to trust
    that it is gone.
    """
    message = _changeable(member, message)
    if message.author_id != member.pk and not is_moderator(member):
        raise NotAllowed()
    with transaction.atomic():
        hold_channel(message.channel_id)
        # While the text it was indexed with is still here.
        signals.message_deleting.send(sender=Message, message=message)
        message.text = ""
        message.html = ""
        message.deleted_at = at or timezone.now()
        message.mentions_channel = False
        message.pinned_at = None
        message.pinned_by = None
        message.save(
            update_fields=["text", "html", "deleted_at", "mentions_channel", "pinned_at", "pinned_by"]
        )
        MessageRevision.objects.filter(message=message).delete()
        Mention.objects.filter(message=message).delete()
        Reaction.objects.filter(message=message).delete()
        discard_message_files(message=message)
        seq = record_change(message.channel_id, ChangeKind.DELETED, message.pk)
        publish(
            channel_audience(message.channel_id),
            "message.deleted",
            with_fragments(message, {**deleted_data(message), "seq": seq}),
        )
    return message


def _set_pinned(member: Member, message: Message, pinned: bool) -> Message:
    message = _changeable(member, message)
    if message.channel.archived_at is not None:
        raise ChannelArchived()
    if not (is_channel_member(member, message.channel) or is_moderator(member)):
        raise NotAllowed()
    if (message.pinned_at is not None) == pinned:
        return message
    with transaction.atomic():
        hold_channel(message.channel_id)
        message.pinned_at = timezone.now() if pinned else None
        message.pinned_by = member if pinned else None
        message.save(update_fields=["pinned_at", "pinned_by"])
        seq = record_change(message.channel_id, ChangeKind.PINNED, message.pk)
        publish(
            channel_audience(message.channel_id),
            "message.updated",
            with_fragments(message, {**message_data(message), "seq": seq}),
        )
    return message


def pin_message(*, member: Member, message: Message) -> Message:
    """Pin a message to its channel (any member of the channel, moderators, operators)."""
    return _set_pinned(member, message, True)


def unpin_message(*, member: Member, message: Message) -> Message:
    return _set_pinned(member, message, False)


def save_message(*, member: Member, message: Message, at: datetime | None = None) -> SavedMessage:
    """あとで読む: keep a message in the member's own list."""
    message = _changeable(member, message)
    with transaction.atomic():
        saved, created = SavedMessage.objects.get_or_create(
            member=member, message=message, defaults={"saved_at": at or timezone.now()}
        )
        if created:
            publish(
                member_audience(member.pk), "saved.added", {"message_id": message.pk, "saved_id": saved.pk}
            )
    return saved


def unsave_message(*, member: Member, message: Message) -> bool:
    """Take a message off the member's list (even one they can no longer read); returns if it was on."""
    if not member.is_active:
        raise NotAllowed()
    with transaction.atomic():
        deleted, _ = SavedMessage.objects.filter(member=member, message_id=message.pk).delete()
        if deleted:
            publish(member_audience(member.pk), "saved.removed", {"message_id": message.pk})
    return bool(deleted)
