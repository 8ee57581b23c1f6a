"""Reads the API needs beyond kyoso.chat.queries: tokens, read positions and members by id.

What a member may read in conversations is decided in kyoso.chat.queries, never here.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from kyoso.accounts.models import Member, MemberStatus
from kyoso.api import tokens
from kyoso.api.errors import MemberNotFound, StampNotFound, TokenNotFound
from kyoso.api.models import PersonalToken
from kyoso.chat import queries as chat_queries
from kyoso.chat.models import ChannelMembership, Stamp


def tokens_of(member: Member) -> QuerySet[PersonalToken]:
    """The member's tokens, newest first, revoked and expired ones included (marked as such)."""
    return PersonalToken.objects.filter(member=member).order_by("-created_at", "-id")


def own_token(member: Member, token_id: int) -> PersonalToken:
    found = PersonalToken.objects.filter(member=member, pk=token_id).first()
    if found is None:
        raise TokenNotFound()
    return found


def usable_token(secret: str) -> PersonalToken | None:
    """The token a secret names, with its member, if it is neither revoked nor expired."""
    if not tokens.looks_like_token(secret):
        return None
    found = (
        PersonalToken.objects.select_related("member", "member__organization")
        .filter(token_hash=tokens.digest(secret))
        .first()
    )
    if found is None or not found.is_usable(timezone.now()):
        return None
    return found


def read_positions(member: Member, channel_ids: Iterable[int]) -> dict[int, int]:
    """The member's last read message id in each of these channels (joined ones only)."""
    rows = ChannelMembership.objects.filter(member=member, channel_id__in=list(channel_ids)).values_list(
        "channel_id", "last_read_message_id"
    )
    return dict(rows)


def active_member(member_id: int) -> Member:
    """An active member to invite or write to; anyone else is "not found"."""
    found = Member.objects.filter(pk=member_id, status=MemberStatus.ACTIVE).first()
    if found is None:
        raise MemberNotFound()
    return found


def active_members(member_ids: Iterable[int]) -> list[Member]:
    ids = set(member_ids)
    found = list(Member.objects.filter(pk__in=ids, status=MemberStatus.ACTIVE))
    if len(found) != len(ids):
        raise MemberNotFound()
    return found


def stamp(stamp_id: int) -> Stamp:
    found = chat_queries.find_stamp(stamp_id)
    if found is None:
        raise StampNotFound()
    return found
