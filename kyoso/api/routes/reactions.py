"""Stamps (スタンプ) and reactions: the stamp set, who reacted, stamping and taking it back."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from kyoso.api import present
from kyoso.api import queries as api_queries
from kyoso.api.routes import caller
from kyoso.api.schemas import ERRORS, NO_NUL, UPLOAD_ERRORS, ReactionGroupOut, StampOut, StampsOut
from kyoso.chat import actions, queries
from kyoso.chat.models import Message, Stamp
from kyoso.core.validation import Id

router = Router(tags=["reactions"])

# ninja declares an optional uploaded file by a default of File(None); made once, not per call.
NO_PICTURE = File(None)


def _stamps_of(request: HttpRequest, message: Message) -> dict[str, Any]:
    member = caller(request)
    view = queries.with_stamps(member, [message])[0]
    return {"message_id": message.pk, "stamps": [present.stamp_out(s) for s in view.stamps]}


def _stamp_out(stamp: Stamp) -> dict[str, Any]:
    return {
        "id": stamp.pk,
        "name": stamp.name,
        "emoji": stamp.emoji,
        "is_default": stamp.is_default,
        "image_url": stamp.image_url,
    }


@router.get("/stamps", response={200: list[StampOut], **ERRORS}, summary="The stamp set")
def stamps(request: HttpRequest) -> list[dict[str, Any]]:
    return [_stamp_out(s) for s in queries.stamp_set()]


@router.post("/stamps", response={201: StampOut, **UPLOAD_ERRORS}, summary="Add a custom stamp")
def create(
    request: HttpRequest,
    name: str = Form(..., pattern=NO_NUL),
    emoji: str = Form("", pattern=NO_NUL),
    image: UploadedFile | None = NO_PICTURE,
) -> Status[dict[str, Any]]:
    """Operators (or every member, with KYOSO_MEMBERS_CREATE_STAMPS): a word, an emoji or a picture
    (PNG, JPEG, GIF or WebP; kyoso re-draws it as a small PNG)."""
    stamp = actions.create_stamp(member=caller(request), name=name, emoji=emoji, image=image)
    return Status(201, _stamp_out(stamp))


@router.get(
    "/messages/{message_id}/reactions",
    response={200: list[ReactionGroupOut], **ERRORS},
    summary="Who reacted",
)
def reactions(request: HttpRequest, message_id: Id) -> list[dict[str, Any]]:
    member = caller(request)
    return [present.reaction_group_out(member, g) for g in queries.reactions_for(member, message_id)]


@router.put(
    "/messages/{message_id}/reactions/{stamp_id}", response={200: StampsOut, **ERRORS}, summary="Stamp"
)
def add(request: HttpRequest, message_id: Id, stamp_id: Id) -> dict[str, Any]:
    """Give a stamp (again is fine: a member gives each stamp once)."""
    member = caller(request)
    message = queries.readable_message(member, message_id)
    actions.add_reaction(member=member, message=message, stamp=api_queries.stamp(stamp_id))
    return _stamps_of(request, message)


@router.delete(
    "/messages/{message_id}/reactions/{stamp_id}", response={200: StampsOut, **ERRORS}, summary="Unstamp"
)
def remove(request: HttpRequest, message_id: Id, stamp_id: Id) -> dict[str, Any]:
    member = caller(request)
    message = queries.readable_message(member, message_id)
    actions.remove_reaction(member=member, message=message, stamp=api_queries.stamp(stamp_id))
    return _stamps_of(request, message)
