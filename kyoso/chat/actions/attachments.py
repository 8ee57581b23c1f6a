"""Files attached to messages (添付ファイル): storing, attaching to one's own message, discarding.

Every file is checked (kyoso.chat.files) before anything is written. Only then is it stored, under a
random path in Django's default storage (``MEDIA_ROOT`` or S3-compatible storage), and recorded in
one transaction; if that transaction fails, the stored bytes are removed again. The member's file
name is kept for display only. Posting a message together with its files is ``post_message_with_files``
(kyoso.chat.actions.messages), which stores them through ``store_files`` here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from kyoso.accounts.models import Member
from kyoso.chat.actions.changes import hold_channel, record_change
from kyoso.chat.errors import ChannelArchived, EmptyFile, MessageNotFound, NotAllowedToPost
from kyoso.chat.events import attachment_data, channel_audience, publish
from kyoso.chat.files import (
    STORAGE_FOLDER,
    THUMBNAIL_FOLDER,
    CheckedFile,
    check_files,
    random_path,
    sha256_of,
)
from kyoso.chat.models import Attachment, ChangeKind, Message
from kyoso.chat.queries.access import readable_messages
from kyoso.chat.rendering import with_fragments
from kyoso.core import ratelimit

HOUR = 3600


def spend_upload_budget(member: Member, count: int) -> None:
    """Count ``count`` files against the member's hourly budget (KYOSO_UPLOADS_PER_HOUR), before any
    is read: past it, RateLimited (429) and nothing is checked or stored."""
    for _ in range(count):
        ratelimit.spend("upload", str(member.pk), limit=settings.KYOSO_UPLOADS_PER_HOUR, window=HOUR)


def store_files(
    *, uploader: Member, message: Message, files: list[CheckedFile], at: datetime, saved: list[str]
) -> list[Attachment]:
    """Write checked files and their rows (inside the caller's transaction).

    Every stored path is appended to ``saved``, so that the caller can ``discard_stored`` them when
    the transaction fails.
    """
    attachments = []
    for checked in files:
        sha256 = sha256_of(checked.upload)
        content = checked.upload if isinstance(checked.upload, File) else File(checked.upload)
        path = default_storage.save(random_path(STORAGE_FOLDER, checked.kind.extensions[0], at), content)
        saved.append(path)
        thumbnail_path = ""
        if checked.thumbnail:
            thumbnail_path = default_storage.save(
                random_path(THUMBNAIL_FOLDER, checked.thumbnail_extension, at),
                ContentFile(checked.thumbnail),
            )
            saved.append(thumbnail_path)
        attachment = Attachment(
            message=message,
            uploaded_by=uploader,
            name=checked.name,
            content_type=checked.kind.content_type,
            size=checked.size,
            sha256=sha256,
            storage_path=path,
            thumbnail_path=thumbnail_path,
            width=checked.width,
            height=checked.height,
            created_at=at,
        )
        attachment.full_clean()
        attachment.save()
        attachments.append(attachment)
    return attachments


def discard_stored(paths: list[str]) -> None:
    """Remove stored bytes (of a failed upload, or of a deleted message once its deletion commits)."""
    for path in paths:
        default_storage.delete(path)


def _publish_added(message: Message) -> None:
    seq = record_change(message.channel_id, ChangeKind.FILES, message.pk)
    publish(
        channel_audience(message.channel_id),
        "message.updated",
        with_fragments(
            message,
            {
                "channel_id": message.channel_id,
                "message_id": message.pk,
                "attachments": [attachment_data(a) for a in message.attachments.order_by("id")],
                "seq": seq,
            },
        ),
    )


def attach_files(
    *, uploader: Member, message: Message, files: Iterable[IO[bytes]], at: datetime | None = None
) -> list[Attachment]:
    """Attach files to the uploader's own message; all are checked before any is stored.

    Refused: a member who is not active, someone else's or a deleted message, a channel the member
    can no longer read or that is archived, and every file check of ``kyoso.chat.files.check_file``.
    """
    if not uploader.is_active:
        raise NotAllowedToPost()
    found = readable_messages(uploader).select_related("channel").filter(pk=message.pk).first()
    if found is None or found.is_deleted:
        raise MessageNotFound()
    if found.author_id != uploader.pk:
        raise NotAllowedToPost()
    if found.channel.archived_at is not None:
        raise ChannelArchived()
    uploads = list(files)
    if not uploads:
        raise EmptyFile()
    spend_upload_budget(uploader, len(uploads))
    checked = check_files(uploads, already_attached=found.attachments.count())
    saved: list[str] = []
    try:
        with transaction.atomic():
            hold_channel(found.channel_id)
            attachments = store_files(
                uploader=uploader, message=found, files=checked, at=at or timezone.now(), saved=saved
            )
            _publish_added(found)
    except BaseException:
        discard_stored(saved)
        raise
    return attachments


def discard_message_files(*, message: Message) -> int:
    """Remove a deleted message's files: rows now, stored bytes once the deletion commits.

    Called by ``delete_message``: a member who deletes personal information posted by mistake must be
    able to trust that an attached list of names is gone too, not merely hidden. Returns how many
    files went.
    """
    rows = list(
        Attachment.objects.filter(message=message).values_list("pk", "storage_path", "thumbnail_path")
    )
    if not rows:
        return 0
    paths = [path for _pk, stored, thumbnail in rows for path in (stored, thumbnail) if path]
    Attachment.objects.filter(pk__in=[pk for pk, _stored, _thumbnail in rows]).delete()
    transaction.on_commit(lambda: discard_stored(paths))
    return len(rows)
