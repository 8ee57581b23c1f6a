"""Messages: history by keyset, posting (with files), edits, deletion, pins, saved, mentions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import IO, Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from kyoso.api import present
from kyoso.api.errors import CursorConflict, UnreadableBody
from kyoso.api.routes import caller
from kyoso.api.schemas import (
    ERRORS,
    UPLOAD_ERRORS,
    ListPage,
    MessageEdit,
    MessageIn,
    MessageOut,
    MessagePage,
    RevisionOut,
    SavedOut,
    SavedPageOut,
)
from kyoso.chat import actions, queries
from kyoso.chat.models import Message
from kyoso.chat.queries import HISTORY_PAGE_SIZE
from kyoso.core.validation import MAX_ID, Id, check_json_depth

router = Router(tags=["messages"])

# The largest page a client may ask for: enough for any screen, small enough to answer fast.
MAX_PAGE_SIZE = 200
UPLOAD_FIELD = "files"
MULTIPART = "multipart/form-data"

_MESSAGE_IN = MessageIn.model_json_schema()
POST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _MESSAGE_IN},
            MULTIPART: {
                "schema": {
                    "type": "object",
                    "required": ["text"],
                    "properties": {
                        "text": {"type": "string"},
                        "thread_root_id": {"type": "integer"},
                        "also_in_channel": {"type": "boolean"},
                        UPLOAD_FIELD: {"type": "array", "items": {"type": "string", "format": "binary"}},
                    },
                }
            },
        },
    }
}


def _message_input(request: HttpRequest) -> tuple[MessageIn, Sequence[IO[bytes]]]:
    """The message from a JSON body, or from a multipart form that also carries files."""
    if request.content_type == MULTIPART:
        # An empty optional field means "not given"; an empty text stays, to be refused as empty.
        data: Any = {k: v for k, v in request.POST.items() if v != "" or k == "text"}
        files = request.FILES.getlist(UPLOAD_FIELD)
    else:
        check_json_depth(request.body)
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:  # not JSON, or not UTF-8
            raise UnreadableBody() from None
        files = []
    if not isinstance(data, dict):
        raise UnreadableBody()
    return MessageIn.model_validate(data), files


@router.get("/channels/{channel_id}/messages", response={200: MessagePage, **ERRORS}, summary="History")
def history(
    request: HttpRequest,
    channel_id: Id,
    before: int | None = Query(None, ge=1, le=MAX_ID, description="Messages older than this id."),
    after: int | None = Query(None, ge=0, le=MAX_ID, description="Messages newer than this id."),
    limit: int = Query(HISTORY_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
) -> dict[str, Any]:
    """The channel's main stream (thread replies appear only if also sent to the channel), by
    keyset: without a cursor, the newest page. Reading a page does not mark it read."""
    if before is not None and after is not None:
        raise CursorConflict()
    member = caller(request)
    channel = queries.readable_channel(member, channel_id)
    page = queries.channel_history(member, channel, before=before, after=after, limit=limit)
    return {
        "messages": present.messages_out(request, member, page.messages),
        "next_before": page.older_than,
        "next_after": page.newer_than,
    }


@router.post(
    "/channels/{channel_id}/messages",
    response={201: MessageOut, **UPLOAD_ERRORS},
    summary="Post a message",
    openapi_extra=POST_BODY,
)
def post(request: HttpRequest, channel_id: Id) -> Status[dict[str, Any]]:
    """Post to the channel, or reply in a thread. JSON, or a multipart form with ``files``: a refused
    file means no message either."""
    member = caller(request)
    payload, files = _message_input(request)
    channel = queries.readable_channel(member, channel_id)
    thread = queries.readable_message(member, payload.thread_root_id) if payload.thread_root_id else None
    message, _files = actions.post_message_with_files(
        author=member,
        channel=channel,
        text=payload.text,
        files=files,
        thread=thread,
        also_in_channel=payload.also_in_channel,
    )
    return Status(201, present.message_out(request, member, message))


@router.get("/messages/{message_id}", response={200: MessageOut, **ERRORS}, summary="One message")
def detail(request: HttpRequest, message_id: Id) -> dict[str, Any]:
    member = caller(request)
    return present.message_out(request, member, queries.readable_message(member, message_id))


@router.patch("/messages/{message_id}", response={200: MessageOut, **ERRORS}, summary="Edit")
def edit(request: HttpRequest, message_id: Id, payload: MessageEdit) -> dict[str, Any]:
    """The author rewrites their message; the old text is kept in its edit history."""
    member = caller(request)
    message = queries.readable_message(member, message_id)
    message = actions.edit_message(member=member, message=message, text=payload.text)
    return present.message_out(request, member, message)


@router.delete("/messages/{message_id}", response={200: MessageOut, **ERRORS}, summary="Delete")
def delete(request: HttpRequest, message_id: Id) -> dict[str, Any]:
    """Delete (the author, moderators): a tombstone stays so the thread stays whole."""
    member = caller(request)
    message = queries.readable_message(member, message_id)
    message = actions.delete_message(member=member, message=message)
    return present.message_out(request, member, message)


@router.get(
    "/messages/{message_id}/revisions", response={200: list[RevisionOut], **ERRORS}, summary="Edit history"
)
def revisions(request: HttpRequest, message_id: Id) -> list[dict[str, Any]]:
    """Earlier texts, oldest first: for moderators and operators."""
    member = caller(request)
    return [present.revision_out(r) for r in queries.message_revisions(member, message_id)]


@router.post("/messages/{message_id}/pin", response={200: MessageOut, **ERRORS}, summary="Pin")
def pin(request: HttpRequest, message_id: Id) -> dict[str, Any]:
    member = caller(request)
    message = actions.pin_message(member=member, message=queries.readable_message(member, message_id))
    return present.message_out(request, member, message)


@router.delete("/messages/{message_id}/pin", response={200: MessageOut, **ERRORS}, summary="Unpin")
def unpin(request: HttpRequest, message_id: Id) -> dict[str, Any]:
    member = caller(request)
    message = actions.unpin_message(member=member, message=queries.readable_message(member, message_id))
    return present.message_out(request, member, message)


@router.get("/channels/{channel_id}/pins", response={200: list[MessageOut], **ERRORS}, summary="Pinned")
def pins(request: HttpRequest, channel_id: Id) -> list[dict[str, Any]]:
    """The channel's pinned messages, the most recently pinned first."""
    member = caller(request)
    return present.message_list_out(request, member, queries.pinned_messages(member, channel_id))


@router.post("/messages/{message_id}/save", response={200: SavedOut, **ERRORS}, summary="Save (あとで読む)")
def save(request: HttpRequest, message_id: Id) -> dict[str, Any]:
    member = caller(request)
    actions.save_message(member=member, message=queries.readable_message(member, message_id))
    return {"message_id": message_id, "saved": True}


@router.delete("/messages/{message_id}/save", response={200: SavedOut, **ERRORS}, summary="Unsave")
def unsave(request: HttpRequest, message_id: Id) -> dict[str, Any]:
    """Take a message off the list, even one the caller can no longer read. The answer is the same
    whether or not the message exists, so it tells nothing about messages one cannot read."""
    actions.unsave_message(member=caller(request), message=Message(pk=message_id))
    return {"message_id": message_id, "saved": False}


@router.get("/saved", response={200: SavedPageOut, **ERRORS}, summary="Saved messages (あとで読む)")
def saved(
    request: HttpRequest,
    before: int | None = Query(
        None, ge=1, le=MAX_ID, description="Saved entries older than this `saved_id`."
    ),
    limit: int = Query(HISTORY_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
) -> dict[str, Any]:
    member = caller(request)
    page = queries.saved_messages(member, before=before, limit=limit)
    messages = present.message_list_out(request, member, [item.message for item in page.items])
    return {
        "items": [
            {"saved_id": item.pk, "saved_at": item.saved_at, "message": message}
            for item, message in zip(page.items, messages, strict=True)
        ],
        "next_before": page.older_than,
    }


@router.get("/mentions", response={200: ListPage, **ERRORS}, summary="Where the caller was mentioned")
def mentions(
    request: HttpRequest,
    before: int | None = Query(None, ge=1, le=MAX_ID, description="Messages older than this id."),
    limit: int = Query(HISTORY_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
) -> dict[str, Any]:
    member = caller(request)
    page = queries.mentions_for(member, before=before, limit=limit)
    return {
        "messages": present.message_list_out(request, member, page.messages),
        "next_before": page.older_than,
    }
