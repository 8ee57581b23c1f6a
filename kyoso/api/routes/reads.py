"""Read state: marking a channel read, and where "jump to the first unread" lands."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from kyoso.api import present
from kyoso.api.routes import caller
from kyoso.api.schemas import ERRORS, FirstUnreadOut, ReadIn, ReadOut
from kyoso.chat import actions, queries
from kyoso.core.validation import Id

router = Router(tags=["read state"])


@router.post("/channels/{channel_id}/read", response={200: ReadOut, **ERRORS}, summary="Mark read")
def mark_read(request: HttpRequest, channel_id: Id, payload: ReadIn | None = None) -> dict[str, Any]:
    """Move the read position forward (never back) to ``up_to``, or to the newest message."""
    member = caller(request)
    channel = queries.readable_channel(member, channel_id)
    up_to = payload.up_to if payload is not None else None
    position = actions.mark_channel_read(member=member, channel=channel, up_to=up_to)
    return {"channel_id": channel.pk, "last_read_message_id": position}


@router.get(
    "/channels/{channel_id}/first-unread", response={200: FirstUnreadOut, **ERRORS}, summary="First unread"
)
def first_unread(request: HttpRequest, channel_id: Id) -> dict[str, Any]:
    """The oldest unread message of the main stream, or null (all read, or not joined)."""
    member = caller(request)
    channel = queries.readable_channel(member, channel_id)
    message = queries.first_unread_message(member, channel)
    return {"message": present.message_out(request, member, message) if message is not None else None}
