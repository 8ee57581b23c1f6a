"""Type-ahead for people: @mentions in the message box, invitations and direct messages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_safe

from kyoso.accounts.requests import MemberRequest
from kyoso.chat import queries
from kyoso.chat.errors import ChannelNotFound
from kyoso.chat.mentions import member_token
from kyoso.chat.views._common import positive_id


@login_required
@require_safe
def member_search(request: MemberRequest) -> JsonResponse:
    """Members by name, kana or organisation; with ``channel``, that channel's members come first."""
    channel = None
    channel_id = positive_id(request.GET.get("channel"))
    if channel_id is not None:
        try:
            channel = queries.readable_channel(request.user, channel_id)
        except ChannelNotFound:
            channel = None
    people = queries.search_members(request.user, request.GET.get("q", "")[:50], channel=channel)
    return JsonResponse(
        {
            "members": [
                {
                    "id": p.pk,
                    "name": p.display_name,
                    "affiliation": p.affiliation,
                    "mention": member_token(p.pk, p.display_name),
                }
                for p in people
            ]
        }
    )
