"""Mentions (メンション): where a member was named, and the type-ahead that names them."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from kyoso.accounts.models import Member, MemberStatus
from kyoso.chat.models import Channel, ChannelMembership, Mention, Message
from kyoso.chat.queries.access import can_read, readable_channel, readable_messages
from kyoso.core.text import normalize_text

MENTIONS_PAGE_SIZE = 50
MEMBER_SEARCH_SIZE = 10


@dataclass
class MentionPage:
    messages: list[Message]  # newest first
    older_than: int | None  # pass as ``before`` for the next page; None at the end


def mentions_for(
    member: Member, *, before: int | None = None, limit: int = MENTIONS_PAGE_SIZE
) -> MentionPage:
    """Messages that name the member, or say @channel/@here in a channel they belong to.

    Newest first, by keyset over the message id. Only channels the member can read now count, so a
    member who left a private channel no longer sees what was said there.
    """
    if not can_read(member):
        return MentionPage([], None)
    named = Mention.objects.filter(message=OuterRef("pk"), member=member)
    joined = ChannelMembership.objects.filter(channel=OuterRef("channel"), member=member)
    qs = (
        readable_messages(member)
        .filter(deleted_at__isnull=True)
        .exclude(author=member)
        .filter(Q(Exists(named)) | (Q(mentions_channel=True) & Q(Exists(joined))))
        .select_related("channel", "author", "author__organization")
        .order_by("-id")
    )
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    return MentionPage(rows, rows[-1].pk if has_more else None)


def _kana_key(text: str) -> str:
    """NFKC, then katakana folded to hiragana: 「ヤマダ」 and 「やまだ」 find the same person."""
    folded = unicodedata.normalize("NFKC", text).strip()
    return "".join(chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch for ch in folded)


def search_members(
    viewer: Member, query: str, *, channel: Channel | None = None, limit: int = MEMBER_SEARCH_SIZE
) -> QuerySet[Member]:
    """The @-mention type-ahead: active members by display name, kana prefix or organisation.

    With ``channel`` given (and private), only those who can read it are offered: naming anyone
    else would not reach them.
    """
    if channel is not None:
        channel = readable_channel(viewer, channel)
    # Control characters go (PostgreSQL refuses a NUL in any text it is sent).
    text = normalize_text(query)
    if not can_read(viewer) or not text:
        return Member.objects.none()
    kana = _kana_key(text)
    qs = Member.objects.filter(status=MemberStatus.ACTIVE).filter(
        Q(display_name__icontains=text)
        | Q(full_name_kana__startswith=kana)
        | Q(full_name_kana__startswith=text)
        | Q(organization__name__icontains=text)
    )
    if channel is not None and not channel.is_public:
        qs = qs.filter(memberships__channel=channel)
    return qs.select_related("organization").order_by("display_name", "id")[:limit]


def picked_members(viewer: Member, member_ids: Iterable[int]) -> list[Member]:
    """The members picked in a form (to invite, to write to), for a member who may read conversations.

    Whom they may be is the action's to decide (an inactive member is refused there, with a reason).
    """
    if not can_read(viewer):
        return []
    return list(Member.objects.filter(pk__in=list(member_ids)))
