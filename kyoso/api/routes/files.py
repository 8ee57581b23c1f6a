"""Files (添付ファイル): attaching to one's own message, metadata, and the bytes themselves.

A file is visible exactly when its message is (kyoso.chat.queries.attachments). The bytes are served
with the same headers as the web's download view (``nosniff``, a sandboxing CSP, always as an
attachment), so a token-holding script can fetch what the browser can.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import File, Router, Status
from ninja.files import UploadedFile

from kyoso.api import present
from kyoso.api.errors import NotFound
from kyoso.api.routes import caller
from kyoso.api.schemas import ERRORS, UPLOAD_ERRORS, AttachmentOut
from kyoso.chat import actions, queries
from kyoso.chat.attachment_views import _file_response
from kyoso.core.validation import Id

router = Router(tags=["files"])


@router.post(
    "/messages/{message_id}/files",
    response={201: list[AttachmentOut], **UPLOAD_ERRORS},
    summary="Attach files",
)
def attach(request: HttpRequest, message_id: Id, files: File[list[UploadedFile]]) -> Status[list[Any]]:
    """Attach files to one's own message (multipart field ``files``); all are checked before any is kept."""
    member = caller(request)
    message = queries.readable_message(member, message_id)
    added = actions.attach_files(uploader=member, message=message, files=files)
    return Status(201, [present.attachment_out(request, a) for a in added])


@router.get("/files/{attachment_id}", response={200: AttachmentOut, **ERRORS}, summary="File metadata")
def detail(request: HttpRequest, attachment_id: Id) -> dict[str, Any]:
    return present.attachment_out(request, queries.attachment_for(caller(request), attachment_id))


@router.get(
    "/files/{attachment_id}/download",
    response={200: None, **ERRORS},
    url_name="file_download",
    summary="Download a file",
)
def download(request: HttpRequest, attachment_id: Id) -> FileResponse:
    attachment = queries.attachment_for(caller(request), attachment_id)
    return _file_response(
        attachment.storage_path, attachment.content_type, as_attachment=True, filename=attachment.name
    )


@router.get(
    "/files/{attachment_id}/thumbnail",
    response={200: None, **ERRORS},
    url_name="file_thumbnail",
    summary="An image's thumbnail",
)
def thumbnail(request: HttpRequest, attachment_id: Id) -> FileResponse:
    attachment = queries.attachment_for(caller(request), attachment_id)
    if not attachment.thumbnail_path:
        raise NotFound()
    extension = attachment.thumbnail_path.rsplit(".", 1)[-1]
    content_type = "image/png" if extension == "png" else "image/jpeg"
    return _file_response(
        attachment.thumbnail_path, content_type, as_attachment=False, filename=f"thumbnail.{extension}"
    )
