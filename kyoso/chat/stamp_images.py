"""Pictures of custom stamps: checked by content, then re-drawn by kyoso as a small PNG.

The member's file is never served as it came. It is decoded (within the pixel limit, so no
decompression bomb), shrunk to fit STAMP_SIZE and written out again as a PNG without any of the
original's metadata. What is stored is therefore always a plain small PNG, whatever was uploaded.
"""

from __future__ import annotations

import io
import secrets
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from kyoso.chat.errors import ChatError, StampImageNotAllowed
from kyoso.chat.files import size_of
from kyoso.chat.filetypes import detect

STAMP_FOLDER = "stamps"
# Stored at twice the size the page shows (32 px), sharp on high-density screens.
STAMP_SIZE = 64
RANDOM_NAME_BYTES = 16


def redraw(upload: IO[bytes]) -> bytes:
    """The stamp picture as kyoso stores it, or StampImageNotAllowed."""
    if not 0 < size_of(upload) <= settings.KYOSO_STAMP_IMAGE_MAX_BYTES:
        raise StampImageNotAllowed()
    try:
        kind = detect(upload, getattr(upload, "name", "") or "")
    except ChatError:
        raise StampImageNotAllowed() from None
    if not kind.is_image:
        raise StampImageNotAllowed()
    upload.seek(0)
    try:
        image = Image.open(upload)
        if image.format not in kind.image_formats:
            raise StampImageNotAllowed()
        width, height = image.size
        if width * height > settings.KYOSO_UPLOAD_MAX_IMAGE_PIXELS:
            raise StampImageNotAllowed()
        image.thumbnail((STAMP_SIZE, STAMP_SIZE))
        output = io.BytesIO()
        image.convert("RGBA").save(output, "PNG", optimize=True)
    except Image.DecompressionBombError:
        raise StampImageNotAllowed() from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise StampImageNotAllowed() from None
    finally:
        upload.seek(0)
    return output.getvalue()


def store(picture: bytes) -> str:
    """Save a re-drawn picture under a random name; returns its storage path."""
    path = f"{STAMP_FOLDER}/{secrets.token_hex(RANDOM_NAME_BYTES)}.png"
    return default_storage.save(path, ContentFile(picture))


def discard(path: str) -> None:
    if path:
        default_storage.delete(path)
