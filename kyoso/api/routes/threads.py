"""Threads: the thread pane (root, replies, participants), following, and thread read state."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from kyoso.api import present
from kyoso.api.routes import caller
from kyoso.api.schemas import ERRORS, FollowOut, ReadIn, ThreadOut, ThreadReadOut
from kyoso.chat import actions, queries
from kyoso.core.validation import Id

router = Router(tags=["threads"])


def _root_id(request: HttpRequest, message_id: Id) -> int:
    """A reply's id opens its whole thread, as a permalink does."""
    message = queries.readable_message(caller(request), message_id)
    return message.thread_root_id or message.pk


@router.get("/messages/{message_id}/thread", response={200: ThreadOut, **ERRORS}, summary="A thread")
def thread(request: HttpRequest, message_id: Id) -> dict[str, Any]:
    member = caller(request)
    root, views = queries.thread_messages(member, _root_id(request, message_id))
    messages = present.messages_out(request, member, views)
    return {
        "root": messages[0],
        "replies": messages[1:],
        "participants": [present.member_out(m) for m in queries.thread_participants(member, root)],
        "following": queries.is_following(member, root),
    }


@router.post("/messages/{message_id}/follow", response={200: FollowOut, **ERRORS}, summary="Follow")
def follow(request: HttpRequest, message_id: Id) -> dict[str, Any]:
    member = caller(request)
    root = queries.readable_message(member, _root_id(request, message_id))
    actions.follow_thread(member=member, thread=root)
    return {"thread_root_id": root.pk, "following": True}


@router.delete("/messages/{message_id}/follow", response={200: FollowOut, **ERRORS}, summary="Unfollow")
def unfollow(request: HttpRequest, message_id: Id) -> dict[str, Any]:
    member = caller(request)
    root = queries.readable_message(member, _root_id(request, message_id))
    actions.unfollow_thread(member=member, thread=root)
    return {"thread_root_id": root.pk, "following": False}


@router.post(
    "/messages/{message_id}/thread/read", response={200: ThreadReadOut, **ERRORS}, summary="Mark thread read"
)
def read(request: HttpRequest, message_id: Id, payload: ReadIn | None = None) -> dict[str, Any]:
    """Move the read position of a followed thread forward (never back); 0 when not following."""
    member = caller(request)
    root = queries.readable_message(member, _root_id(request, message_id))
    up_to = payload.up_to if payload is not None else None
    position = actions.mark_thread_read(member=member, thread=root, up_to=up_to)
    return {"thread_root_id": root.pk, "last_read_reply_id": position}
