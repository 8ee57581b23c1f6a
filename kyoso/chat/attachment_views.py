"""Attached files over HTTP: download, thumbnail, and attaching files to one's own message.

Files are served only through these views, never from a public media URL, so every request is
checked against the message's channel. Each response says exactly what the file is and forbids the
browser to guess (``nosniff``) or to run anything in it (``Content-Security-Policy: default-src 'none'``).
"""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from kyoso.accounts.requests import MemberRequest
from kyoso.chat import actions
from kyoso.chat.errors import (
    AttachmentNotFound,
    FileTooLarge,
    MessageNotFound,
)
from kyoso.chat.events import attachment_data
from kyoso.chat.models import Attachment
from kyoso.chat.queries import attachment_for, readable_message
from kyoso.core.errors import MemberFacingError, error_response
from kyoso.core.limits import max_request_bytes

FILE_RESPONSE_CSP = "default-src 'none'; sandbox"
UPLOAD_FIELD = "files"
# Set on the request by the upload handler when a file passed the limit and reading stopped.
TOO_LARGE_FLAG = "kyoso_upload_too_large"


def _file_response(path: str, content_type: str, *, as_attachment: bool, filename: str) -> FileResponse:
    try:
        handle = default_storage.open(path, "rb")
    except FileNotFoundError:
        raise Http404(str(AttachmentNotFound.message)) from None
    # FileResponse streams the file and writes Content-Disposition, with filename* (RFC 5987) for
    # Japanese names.
    response = FileResponse(handle, as_attachment=as_attachment, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_RESPONSE_CSP
    response["Cache-Control"] = "private, no-cache"
    return response


def _visible(request: MemberRequest, attachment_id: int) -> Attachment:
    try:
        return attachment_for(request.user, attachment_id)
    except AttachmentNotFound as error:
        raise Http404(str(error)) from None


@require_safe
@login_required
def download(request: MemberRequest, attachment_id: int, name: str) -> FileResponse:
    """The file itself, always as a download. ``name`` in the URL is for people; the id decides."""
    attachment = _visible(request, attachment_id)
    return _file_response(
        attachment.storage_path, attachment.content_type, as_attachment=True, filename=attachment.name
    )


@require_safe
@login_required
def thumbnail(request: MemberRequest, attachment_id: int) -> FileResponse:
    """An image's thumbnail, shown inline: made by kyoso itself, so it holds no metadata or script."""
    attachment = _visible(request, attachment_id)
    if not attachment.thumbnail_path:
        raise Http404(str(AttachmentNotFound.message))
    extension = attachment.thumbnail_path.rsplit(".", 1)[-1]
    content_type = "image/png" if extension == "png" else "image/jpeg"
    return _file_response(
        attachment.thumbnail_path, content_type, as_attachment=False, filename=f"thumbnail.{extension}"
    )


class LimitedUploadHandler(FileUploadHandler):
    """Stops reading the request as soon as one file passes KYOSO_UPLOAD_MAX_BYTES."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > settings.KYOSO_UPLOAD_MAX_BYTES:
            setattr(self.request, TOO_LARGE_FLAG, True)
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def limit_upload_size(request: HttpRequest) -> None:
    """Read the body through ``LimitedUploadHandler`` first (before anything has read it)."""
    request.upload_handlers = [LimitedUploadHandler(request), *request.upload_handlers]


def declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _error(error: MemberFacingError) -> JsonResponse:
    return error_response(error)


@csrf_exempt  # checked by csrf_protect below, once the upload handlers are in place
@require_POST
def upload_to_message(request: HttpRequest, message_id: int) -> HttpResponse:
    """Attach files (form field ``files``) to one's own message; answers JSON.

    A body declared larger than any allowed upload is refused before a byte of it is read, and a file
    that turns out larger than the limit stops the reading there.
    """
    if not request.user.is_authenticated:
        return _error(MessageNotFound())
    if declared_length(request) > max_request_bytes():
        return _error(FileTooLarge())
    limit_upload_size(request)
    return _upload_to_message(cast(MemberRequest, request), message_id)


@csrf_protect
def _upload_to_message(request: MemberRequest, message_id: int) -> HttpResponse:
    files = request.FILES.getlist(UPLOAD_FIELD)
    if getattr(request, TOO_LARGE_FLAG, False):
        return _error(FileTooLarge())
    try:
        message = readable_message(request.user, message_id)
        added = actions.attach_files(uploader=request.user, message=message, files=files)
    except MemberFacingError as error:
        return _error(error)
    return JsonResponse({"attachments": [attachment_data(a) for a in added]}, status=201)
