"""The baseline of ``kyoso bench notify``: each member's digest built with queries of its own.

It says what kyoso.notify.digest_sections says (the same channels, the same ranking, the same
newcomers), as a first version written member by member would: the member's memberships, the region
channels, each channel's threads, the first posts, the prefecture's newcomers, one query after another.
"""

from __future__ import annotations

from kyoso.accounts.models import Member, MemberStatus
from kyoso.chat.models import Channel, ChannelCategory, ChannelKind, ChannelMembership, NotifyLevel
from kyoso.directory.models import Organization
from kyoso.notify.digest_sections import (
    ACTIVE_THREADS,
    NEW_MEMBERS,
    NEW_MEMBERS_SHOWN,
    DigestRecipient,
    Newcomer,
    ThreadActivity,
    newcomer_item,
    thread_activity,
    thread_items,
    top_threads,
)

Key = list[tuple[str, list[tuple[int, int]]]]


def _channels(recipient: DigestRecipient) -> set[int]:
    memberships = ChannelMembership.objects.filter(
        member_id=recipient.member_id, channel__archived_at__isnull=True
    ).exclude(channel__kind=ChannelKind.DIRECT)
    joined: set[int] = set()
    muted: set[int] = set()
    for channel_id, level in memberships.values_list("channel_id", "notify_level"):
        (muted if level == NotifyLevel.MUTED else joined).add(channel_id)
    prefecture = (
        Organization.objects.filter(pk=recipient.prefecture_id).values_list("name", flat=True).first()
        if recipient.prefecture_id is not None
        else None
    )
    key = recipient.region.replace("_", "-")
    regional = Channel.objects.filter(
        category=ChannelCategory.REGION, kind=ChannelKind.PUBLIC, archived_at__isnull=True
    ).values_list("pk", "slug", "name")
    for pk, slug, name in regional:
        if (key and (slug == key or key in slug.split("-"))) or (
            prefecture is not None and name == prefecture
        ):
            joined.add(pk)
    return joined - muted


def _threads(recipient: DigestRecipient, channels: set[int]) -> list[ThreadActivity]:
    """The threads of the member's window, asked for this member alone.

    The same grouped query as the set-based build (its best plan: the window read by created_at),
    once per member. Filtering by the member's channels in SQL instead (``channel_id IN (...)``) makes
    SQLite walk each channel's whole history: ~90 ms a member at 200,000 messages, a baseline too
    easy to beat.
    """
    return top_threads(channels, thread_activity(recipient.since))


def naive_digest(recipient: DigestRecipient) -> Key:
    """The same content as ``build_digests`` for one member, as (section, [(ident, count)]) pairs."""
    threads = _threads(recipient, _channels(recipient))
    items = thread_items(threads)
    thread_key = [(items[t].ident, items[t].count) for t in threads if t in items]
    newcomer_key: list[tuple[int, int]] = []
    if recipient.prefecture_id is not None:
        rows = (
            Member.objects.filter(
                status=MemberStatus.ACTIVE,
                date_joined__gt=recipient.since,
                organization__prefecture_id=recipient.prefecture_id,
            )
            .exclude(pk=recipient.member_id)
            .order_by("date_joined", "pk")
            .values_list("pk", "display_name", "organization__name")[:NEW_MEMBERS_SHOWN]
        )
        for pk, name, organization in rows:
            item = newcomer_item(Newcomer(pk, name, organization, recipient.prefecture_id))
            newcomer_key.append((item.ident, item.count))
    return [(ACTIVE_THREADS.key, thread_key), (NEW_MEMBERS.key, newcomer_key)]
