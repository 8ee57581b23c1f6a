"""Every change to notifications: made from posts, made by later features, read, and the settings.

Notifications are made inside the post's own transaction (chat's ``message_written`` signal), so a post
that rolls back leaves none, and each member hears of it live (``notification.created`` to their own
audience) once it commits. Reading what a notification points at, in any tab or device, reads it
(chat's ``channel_read`` and ``thread_read``), and every tab's bell follows (``notification.read``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kyoso.accounts.models import Member, MemberStatus
from kyoso.chat.models import Channel, ChannelKind, ChannelMembership, Message, NotifyLevel, ThreadFollow
from kyoso.core.events import member_audience, publish
from kyoso.notify import kinds, push
from kyoso.notify.errors import InvalidDigest, InvalidQuietHours, NotificationNotFound, UnknownKind
from kyoso.notify.models import Digest, MailState, Notification, NotificationSettings
from kyoso.notify.queries import settings_for, unread_count
from kyoso.notify.unsubscribe_links import check_unsubscribe_link


@dataclass(frozen=True)
class Recipient:
    member_id: int
    kind: str


def _recipients(message: Message, mentioned: frozenset[int], root: Message | None) -> list[Recipient]:
    """Who hears of a post, each once with their most telling kind (kinds.py ranks them)."""
    channel = message.channel
    in_stream = root is None or message.also_in_channel
    followers: set[int] = set()
    if root is not None:
        followers = set(
            ThreadFollow.objects.filter(thread_root=root, following=True).values_list("member_id", flat=True)
        )
    direct = channel.kind == ChannelKind.DIRECT
    memberships = ChannelMembership.objects.filter(channel=channel)
    if not (direct or message.mentions_channel):
        wanted = Q(member_id__in=mentioned | followers)
        if in_stream:
            wanted |= Q(notify_level=NotifyLevel.ALL)
        memberships = memberships.filter(wanted)
    levels = dict(memberships.values_list("member_id", "notify_level"))
    candidates: dict[int, kinds.NotificationKind] = {}

    def offer(member_id: int, kind: kinds.NotificationKind) -> None:
        held = candidates.get(member_id)
        if held is None or kind.rank > held.rank:
            candidates[member_id] = kind

    for member_id, level in levels.items():
        if level == NotifyLevel.MUTED:
            continue  # only a direct @mention reaches a muted channel (below)
        if direct:
            offer(member_id, kinds.DIRECT_MESSAGE)
        elif message.mentions_channel:
            offer(member_id, kinds.CHANNEL_MENTION)
        if member_id in followers:
            offer(member_id, kinds.THREAD_REPLY)
        if level == NotifyLevel.ALL and in_stream and not direct:
            offer(member_id, kinds.CHANNEL_MESSAGE)
    if channel.is_public:  # a public channel's threads can be followed without joining it
        for member_id in followers - levels.keys():
            offer(member_id, kinds.THREAD_REPLY)
    for member_id in mentioned:  # chat has checked that each may read the channel
        offer(member_id, kinds.MENTION)
    candidates.pop(message.author_id, None)
    if not candidates:
        return []
    active = set(
        Member.objects.filter(pk__in=candidates, status=MemberStatus.ACTIVE).values_list("pk", flat=True)
    )
    muted = _muted_kinds(active)
    return [
        Recipient(member_id, kind.key)
        for member_id, kind in sorted(candidates.items())
        if member_id in active and kind.key not in muted.get(member_id, ())
    ]


def _muted_kinds(member_ids: Iterable[int]) -> dict[int, list[str]]:
    rows = NotificationSettings.objects.filter(member_id__in=list(member_ids)).exclude(muted_kinds=[])
    return dict(rows.values_list("member_id", "muted_kinds"))


def on_message_written(
    sender: object, *, message: Message, mentioned: frozenset[int], root: Message | None, **kwargs: object
) -> None:
    """chat's ``message_written``: the post's notifications, in its transaction."""
    recipients = _recipients(message, mentioned, root)
    if not recipients:
        return
    rows = [
        Notification(
            recipient_id=r.member_id,
            kind=r.kind,
            actor_id=message.author_id,
            channel_id=message.channel_id,
            message=message,
            thread_root=root,
            created_at=message.created_at,
            mail_state=MailState.PENDING if _mailable(r.kind) else MailState.SKIPPED,
        )
        for r in recipients
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    _announce_created(message, recipients)


def _mailable(kind_key: str) -> bool:
    kind = kinds.get(kind_key)
    return kind is not None and kind.email


def _announce_created(message: Message, recipients: list[Recipient]) -> None:
    for recipient in recipients:
        publish(
            member_audience(recipient.member_id),
            "notification.created",
            {
                "kind": recipient.kind,
                "channel_id": message.channel_id,
                "message_id": message.pk,
                "thread_root_id": message.thread_root_id,
            },
        )
    push.queue_for([(r.member_id, r.kind) for r in recipients], message_id=message.pk)


def notify(
    *,
    recipients: Iterable[Member],
    kind: str,
    actor: Member | None = None,
    channel: Channel | None = None,
    message: Message | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    """A notification of a registered kind from a later feature (an accepted answer, a reminder).

    Inactive members and members who turned the kind off get none; returns how many were made.
    """
    registered = kinds.get(kind)
    if registered is None:
        raise UnknownKind()
    wanted = [
        m for m in recipients if m.status == MemberStatus.ACTIVE and (actor is None or m.pk != actor.pk)
    ]
    muted = _muted_kinds(m.pk for m in wanted)
    wanted = [m for m in wanted if kind not in muted.get(m.pk, ())]
    now = timezone.now()
    rows = [
        Notification(
            recipient=m,
            kind=kind,
            actor=actor,
            channel=channel,
            message=message,
            thread_root=message.thread_root if message is not None and message.thread_root_id else None,
            data=data or {},
            created_at=now,
            mail_state=MailState.PENDING if registered.email else MailState.SKIPPED,
        )
        for m in wanted
    ]
    with transaction.atomic():
        made = Notification.objects.bulk_create(rows, ignore_conflicts=True)
        for m in wanted:
            publish(
                member_audience(m.pk),
                "notification.created",
                {
                    "kind": kind,
                    "channel_id": channel.pk if channel else None,
                    "message_id": message.pk if message else None,
                },
            )
        push.queue_for([(m.pk, kind) for m in wanted], message_id=message.pk if message else None)
    return len(made)


def on_messages_purging(sender: object, *, messages: Any, **kwargs: object) -> None:
    """chat's ``messages_purging`` (a demo reset, a failed import): their notifications go first."""
    ids = messages.values("pk")
    Notification.objects.filter(Q(message__in=ids) | Q(thread_root__in=ids)).delete()


# --- reading ---------------------------------------------------------------------------------------


def _announce_read(member_id: int) -> None:
    publish(member_audience(member_id), "notification.read", {"unread": unread_count(member_id)})


def _read(member_id: int, rows: Any) -> int:
    now = timezone.now()
    changed = rows.filter(read_at__isnull=True).update(read_at=now)
    # Read in time: no mail will be needed for it.
    rows.filter(mail_state=MailState.PENDING).update(mail_state=MailState.SKIPPED)
    if changed:
        transaction.on_commit(lambda: _announce_read(member_id))
    return changed


def on_channel_read(sender: object, *, member: Member, channel_id: int, up_to: int, **kwargs: object) -> None:
    """chat's ``channel_read``: what the member has now seen in the channel's stream is read."""
    seen = Notification.objects.filter(
        recipient_id=member.pk, channel_id=channel_id, message_id__lte=up_to
    ).filter(Q(thread_root__isnull=True) | Q(message__also_in_channel=True))
    _read(member.pk, seen)


def on_thread_read(
    sender: object, *, member: Member, thread_root_id: int, up_to: int, **kwargs: object
) -> None:
    """chat's ``thread_read``: the replies the member has now seen are read."""
    seen = Notification.objects.filter(
        recipient_id=member.pk, thread_root_id=thread_root_id, message_id__lte=up_to
    )
    _read(member.pk, seen)


def mark_read(*, member: Member, notification_id: int) -> Notification:
    """Mark one of the member's notifications read (opening it does this too)."""
    with transaction.atomic():
        found = Notification.objects.filter(pk=notification_id, recipient=member).first()
        if found is None:
            raise NotificationNotFound()
        _read(member.pk, Notification.objects.filter(pk=found.pk))
    found.refresh_from_db()
    return found


def mark_all_read(*, member: Member) -> int:
    with transaction.atomic():
        return _read(member.pk, Notification.objects.filter(recipient=member))


# --- settings --------------------------------------------------------------------------------------


def update_settings(
    *,
    member: Member,
    email_missed: bool | None = None,
    email_off_kinds: Iterable[str] | None = None,
    muted_kinds: Iterable[str] | None = None,
    hide_content: bool | None = None,
    quiet_hours: tuple[time | None, time | None] | None = None,
    digest: str | None = None,
) -> NotificationSettings:
    """Change what the member chose; what is not given stays as it was."""
    current = settings_for(member)
    known = {kind.key for kind in kinds.all_kinds()}
    if email_off_kinds is not None:
        chosen = sorted(set(email_off_kinds))
        if not set(chosen) <= known:
            raise UnknownKind()
        current.email_off_kinds = chosen
    if muted_kinds is not None:
        chosen = sorted(set(muted_kinds))
        if not set(chosen) <= known:
            raise UnknownKind()
        current.muted_kinds = chosen
    if email_missed is not None:
        current.email_missed = email_missed
    if hide_content is not None:
        current.hide_content = hide_content
    if quiet_hours is not None:
        start, end = quiet_hours
        if (start is None) != (end is None) or (start is not None and start == end):
            raise InvalidQuietHours()
        current.quiet_from, current.quiet_until = start, end
    if digest is not None:
        if digest not in Digest.values:
            raise InvalidDigest()
        current.digest = digest
    current.updated_at = timezone.now()
    current.save()
    return current


def unsubscribe_by_link(*, token: str) -> NotificationSettings:
    """The POST of a mail's one-click link: no sign-in, the signed token says who.

    A member without a settings row (it was removed) gets one with the defaults, then unsubscribed.
    """
    target = check_unsubscribe_link(token)
    with transaction.atomic():
        row, _created = NotificationSettings.objects.select_for_update().get_or_create(
            member_id=target.member_id
        )
        return unsubscribe(settings_row=row)


def unsubscribe(*, settings_row: NotificationSettings) -> NotificationSettings:
    """One-click unsubscribe (RFC 8058): no more mails of any kind, missed or digest."""
    settings_row.email_missed = False
    settings_row.digest = Digest.OFF
    settings_row.updated_at = timezone.now()
    settings_row.save(update_fields=["email_missed", "digest", "updated_at"])
    return settings_row
