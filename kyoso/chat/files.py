"""Checking an uploaded file before anything is written: size, type from the content, thumbnail.

A file is checked completely before it is stored: its size first (from the upload's metadata,
without reading it), then its type from the content (kyoso.chat.filetypes), then, for an image, that
it decodes within the pixel limit into a thumbnail. Nothing here touches the database or storage;
storing a checked file is an action (kyoso.chat.actions.attachments).
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
from PIL import Image, ImageOps

from kyoso.chat.errors import EmptyFile, FileTooLarge, ImageTooLarge, TooManyFiles, UnreadableImage
from kyoso.chat.filetypes import FileKind, detect, display_name

STORAGE_FOLDER = "attachments"
THUMBNAIL_FOLDER = "attachments/thumbnails"
# The most memory one decoded pixel takes (RGBA, 8 bits a channel); other modes take less.
DECODED_BYTES_PER_PIXEL = 4
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


def size_of(upload: IO[bytes]) -> int:
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
    size = size_of(upload)
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
        image: Image.Image = Image.open(upload)
        if image.format not in checked.kind.image_formats:
            raise UnreadableImage()
        width, height = image.size
        if width * height > settings.KYOSO_UPLOAD_MAX_IMAGE_PIXELS:
            raise ImageTooLarge()
        image.draft("RGB", (THUMBNAIL_SIZE, THUMBNAIL_SIZE))  # JPEG decodes at a smaller scale
        # What decoding will hold in memory, known from the header before a byte is decoded (reading a
        # PNG's EXIF below decodes it): a 189 KB PNG of 7,070 × 7,070 px is under the pixel limit but
        # would take hundreds of MB to check.
        if image.size[0] * image.size[1] * DECODED_BYTES_PER_PIXEL > settings.KYOSO_UPLOAD_MAX_DECODE_BYTES:
            raise ImageTooLarge()
        if image.getexif().get(EXIF_ORIENTATION) in ROTATED_ORIENTATIONS:
            width, height = height, width  # the size as shown, the right way up
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


def random_path(folder: str, extension: str, at: datetime) -> str:
    """Where a file is stored: random, and never derived from the member's file name (no path tricks,
    no guessing)."""
    return f"{folder}/{at:%Y/%m}/{secrets.token_hex(RANDOM_NAME_BYTES)}.{extension}"


def sha256_of(upload: IO[bytes]) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    while chunk := upload.read(HASH_CHUNK):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
