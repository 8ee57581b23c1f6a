"""Threads: who takes part in one, and the threads a member follows with their unread replies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from kyoso.accounts.models import Member
from kyoso.chat.errors import MessageNotFound
from kyoso.chat.models import Message, ThreadFollow
from kyoso.chat.queries.access import can_read, readable_message, readable_messages

FOLLOWED_THREADS_SIZE = 50


def _thread_root(member: Member, message: Message | int) -> Message:
    root = readable_message(member, message)
    if root.thread_root_id is not None:
        raise MessageNotFound()
    return root


def thread_participants(member: Member, thread: Message | int) -> list[Member]:
    """The thread's author, then everyone who replied, in the order they first did."""
    root = _thread_root(member, thread)
    author_ids = [root.author_id]
    replies = Message.objects.filter(thread_root=root).order_by("id").values_list("author_id", flat=True)
    for author_id in replies:
        if author_id not in author_ids:
            author_ids.append(author_id)
    people = Member.objects.select_related("organization").in_bulk(author_ids)
    return [people[pk] for pk in author_ids if pk in people]


def is_following(member: Member, thread: Message | int) -> bool:
    root = _thread_root(member, thread)
    return ThreadFollow.objects.filter(member=member, thread_root=root, following=True).exists()


@dataclass
class FollowedThread:
    root: Message
    unread_replies: int
    last_reply_at: datetime | None


def followed_threads(member: Member, *, limit: int = FOLLOWED_THREADS_SIZE) -> list[FollowedThread]:
    """Threads the member follows and can still read, most recently active first."""
    if not can_read(member):
        return []
    last_read = ThreadFollow.objects.filter(thread_root=OuterRef(OuterRef("pk")), member=member).values(
        "last_read_reply_id"
    )[:1]
    unread = (
        Message.objects.filter(thread_root=OuterRef("pk"), id__gt=Subquery(last_read))
        .filter(deleted_at__isnull=True)
        .exclude(author=member)
        .order_by()
        .values("thread_root")
        .annotate(n=Count("id"))
        .values("n")
    )
    followed = ThreadFollow.objects.filter(member=member, following=True).values("thread_root")
    roots = (
        readable_messages(member)
        .filter(pk__in=followed)
        .filter(Q(deleted_at__isnull=True) | Q(reply_count__gt=0))
        .annotate(unread_replies=Coalesce(Subquery(unread), 0))
        .select_related("channel", "author", "author__organization")
        .order_by(F("last_reply_at").desc(nulls_last=True), "-id")[:limit]
    )
    return [FollowedThread(root, root.unread_replies, root.last_reply_at) for root in roots]
