"""The caller, and the members they can name (the @-mention type-ahead)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from kyoso.api import present
from kyoso.api.routes import caller
from kyoso.api.schemas import ERRORS, NO_NUL, MemberOut, MeOut
from kyoso.chat import queries
from kyoso.core.validation import Id

router = Router(tags=["members"])


@router.get("/me", response={200: MeOut, **ERRORS}, summary="The member calling")
def me(request: HttpRequest) -> dict[str, Any]:
    return present.me_out(caller(request))


@router.get("/members", response={200: list[MemberOut], **ERRORS}, summary="Find members to mention")
def members(
    request: HttpRequest, q: str = Query("", max_length=100, pattern=NO_NUL), channel_id: Id | None = None
) -> list[dict[str, Any]]:
    """Active members by display name, kana or organisation. With ``channel_id`` of a private
    channel, only those who can read it."""
    member = caller(request)
    channel = queries.readable_channel(member, channel_id) if channel_id is not None else None
    return [present.member_out(m) for m in queries.search_members(member, q, channel=channel)]
