"""Reads of attached files that depend on who is asking: a file is visible exactly when its message is.

A file of a deleted message is no longer served, and a member who may not read the channel (outside
a private channel or DM, suspended, signed out) gets the same "not found" as for a file that never
existed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import QuerySet

from kyoso.accounts.models import Member
from kyoso.chat.errors import AttachmentNotFound
from kyoso.chat.models import Attachment, Message
from kyoso.chat.queries.access import can_read, visible_channels


def visible_attachments(member: Member) -> QuerySet[Attachment]:
    """Files of the messages the member can read, deleted messages excluded.

    Filtered by the message's channel through a join, not by "message in (readable messages)": that
    subquery made SQLite list every readable message (a million of them) for each page.
    """
    if not can_read(member):
        return Attachment.objects.none()
    return Attachment.objects.filter(
        message__deleted_at__isnull=True, message__channel__in=visible_channels(member).values("pk")
    )


def attachment_for(member: Member, attachment_id: int) -> Attachment:
    found = visible_attachments(member).filter(pk=attachment_id).first()
    if found is None:
        raise AttachmentNotFound()
    return found


def attachments_by_message(member: Member, messages: Iterable[Message]) -> dict[int, list[Attachment]]:
    """The files of a page of messages in one query, for the message list to show."""
    ids = [m.pk for m in messages]
    grouped: dict[int, list[Attachment]] = defaultdict(list)
    for attachment in visible_attachments(member).filter(message_id__in=ids).order_by("id"):
        grouped[attachment.message_id].append(attachment)
    return dict(grouped)
