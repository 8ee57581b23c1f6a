"""Files attached to messages (添付ファイル): every change to attachments has one function here.

A file is checked completely before anything is written: its size first (from the upload's metadata,
without reading it), then its type from the content (kyoso.chat.filetypes), then, for an image, that
it decodes within the pixel limit into a thumbnail. Only then is it stored, under a random path in
Django's default storage (``MEDIA_ROOT`` or S3-compatible storage), and recorded in one transaction.
The member's file name is kept for display only.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageOps

from kyoso.accounts.models import Member
from kyoso.chat import actions, events
from kyoso.chat.errors import (
    ChannelArchived,
    EmptyFile,
    FileTooLarge,
    ImageTooLarge,
    MessageNotFound,
    NotAllowedToPost,
    TooManyFiles,
    UnreadableImage,
)
from kyoso.chat.filetypes import FileKind, detect, display_name
from kyoso.chat.models import Attachment, Channel, Message
from kyoso.chat.queries import readable_messages

STORAGE_FOLDER = "attachments"
THUMBNAIL_FOLDER = "attachments/thumbnails"
# Thumbnails fit in a square of this many pixels, the size the message list shows at most.
THUMBNAIL_SIZE = 400
THUMBNAIL_JPEG_QUALITY = 85
RANDOM_NAME_BYTES = 16
EXIF_ORIENTATION = 0x0112
ROTATED_ORIENTATIONS = frozenset({5, 6, 7, 8})  # a quarter turn either way, mirrored or not
HASH_CHUNK = 64 * 1024


@dataclass
class CheckedFile:
    """A file that passed every check, with what storing it needs."""

    upload: IO[bytes]
    kind: FileKind
    name: str
    size: int
    thumbnail: bytes = b""
    thumbnail_extension: str = ""
    width: int | None = None
    height: int | None = None


def _size_of(upload: IO[bytes]) -> int:
    # Django's UploadedFile knows its size without being read; anything else is measured by seeking.
    size = getattr(upload, "size", None)
    if isinstance(size, int):
        return size
    position = upload.tell()
    size = upload.seek(0, io.SEEK_END)
    upload.seek(position)
    return size


def check_file(upload: IO[bytes], name: str | None = None) -> CheckedFile:
    """Check one upload; raise a named error (FileTooLarge, FileTypeNotAllowed, ...) if it is refused."""
    size = _size_of(upload)
    if size == 0:
        raise EmptyFile()
    if size > settings.KYOSO_UPLOAD_MAX_BYTES:
        raise FileTooLarge()
    raw_name = name if name is not None else getattr(upload, "name", "") or ""
    kind = detect(upload, raw_name)
    checked = CheckedFile(upload=upload, kind=kind, name=display_name(raw_name, kind), size=size)
    if kind.is_image:
        _make_thumbnail(checked)
    return checked


def check_files(uploads: Iterable[IO[bytes]], *, already_attached: int = 0) -> list[CheckedFile]:
    files = list(uploads)
    if already_attached + len(files) > settings.KYOSO_UPLOAD_MAX_FILES:
        raise TooManyFiles()
    return [check_file(upload) for upload in files]


def _make_thumbnail(checked: CheckedFile) -> None:
    """Decode the image within the pixel limit and make a small copy without EXIF (GPS, camera)."""
    upload = checked.upload
    upload.seek(0)
    try:
        # Opening reads only the header; Pillow itself refuses far larger images here.
        image = Image.open(upload)
        if image.format not in checked.kind.image_formats:
            raise UnreadableImage()
        width, height = image.size
        if width * height > settings.KYOSO_UPLOAD_MAX_IMAGE_PIXELS:
            raise ImageTooLarge()
        if image.getexif().get(EXIF_ORIENTATION) in ROTATED_ORIENTATIONS:
            width, height = height, width  # the size as shown, the right way up
        image.draft("RGB", (THUMBNAIL_SIZE, THUMBNAIL_SIZE))  # JPEG decodes at a smaller scale
        image = ImageOps.exif_transpose(image)  # a phone photo shows the right way up
        image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        has_alpha = image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info
        output = io.BytesIO()
        # Saved without exif=, icc_profile= or pnginfo=: no metadata of the original is carried over.
        if has_alpha:
            image.convert("RGBA").save(output, "PNG", optimize=True)
            checked.thumbnail_extension = "png"
        else:
            image.convert("RGB").save(output, "JPEG", quality=THUMBNAIL_JPEG_QUALITY)
            checked.thumbnail_extension = "jpg"
    except Image.DecompressionBombError:
        raise ImageTooLarge() from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise UnreadableImage() from None
    finally:
        upload.seek(0)
    checked.thumbnail = output.getvalue()
    checked.width, checked.height = width, height


def _random_path(folder: str, extension: str, at: datetime) -> str:
    # Random, and never derived from the member's file name: no path tricks, no guessing.
    return f"{folder}/{at:%Y/%m}/{secrets.token_hex(RANDOM_NAME_BYTES)}.{extension}"


def _sha256(upload: IO[bytes]) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    while chunk := upload.read(HASH_CHUNK):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _store(
    *, uploader: Member, message: Message, files: list[CheckedFile], at: datetime, saved: list[str]
) -> list[Attachment]:
    """Write the files and their rows; every stored path is appended to ``saved`` for clean-up."""
    attachments = []
    for checked in files:
        sha256 = _sha256(checked.upload)
        content = checked.upload if isinstance(checked.upload, File) else File(checked.upload)
        path = default_storage.save(_random_path(STORAGE_FOLDER, checked.kind.extensions[0], at), content)
        saved.append(path)
        thumbnail_path = ""
        if checked.thumbnail:
            thumbnail_path = default_storage.save(
                _random_path(THUMBNAIL_FOLDER, checked.thumbnail_extension, at),
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


def _discard(paths: list[str]) -> None:
    for path in paths:
        default_storage.delete(path)


def attachment_data(attachment: Attachment) -> dict[str, object]:
    """What clients are told about a file (events and, later, the API)."""
    data: dict[str, object] = {
        "id": attachment.pk,
        "message_id": attachment.message_id,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": reverse("chat:attachment", args=[attachment.pk, attachment.name]),
        "thumbnail_url": None,
        "width": attachment.width,
        "height": attachment.height,
    }
    if attachment.thumbnail_path:
        data["thumbnail_url"] = reverse("chat:attachment_thumbnail", args=[attachment.pk])
    return data


def _publish_added(message: Message, attachments: list[Attachment]) -> None:
    events.publish(
        events.channel_audience(message.channel_id),
        "message.updated",
        {
            "channel_id": message.channel_id,
            "message_id": message.pk,
            "attachments": [attachment_data(a) for a in message.attachments.order_by("id")],
        },
    )


def attach_files(
    *, uploader: Member, message: Message, files: Iterable[IO[bytes]], at: datetime | None = None
) -> list[Attachment]:
    """Attach files to the uploader's own message; all are checked before any is stored.

    Refused: a member who is not active, someone else's or a deleted message, a channel the member
    can no longer read or that is archived, and every file check of ``check_file``.
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
    checked = check_files(uploads, already_attached=found.attachments.count())
    saved: list[str] = []
    try:
        with transaction.atomic():
            attachments = _store(
                uploader=uploader, message=found, files=checked, at=at or timezone.now(), saved=saved
            )
            _publish_added(found, attachments)
    except BaseException:
        _discard(saved)
        raise
    return attachments


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
    """Post a message and its files together: a refused file means no message either."""
    checked = check_files(files)
    created_at = at or timezone.now()
    saved: list[str] = []
    try:
        with transaction.atomic():
            message = actions.post_message(
                author=author,
                channel=channel,
                text=text,
                thread=thread,
                also_in_channel=also_in_channel,
                at=created_at,
            )
            attachments = _store(uploader=author, message=message, files=checked, at=created_at, saved=saved)
            if attachments:
                _publish_added(message, attachments)
    except BaseException:
        _discard(saved)
        raise
    return message, attachments


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
    transaction.on_commit(lambda: _discard(paths))
    return len(rows)
