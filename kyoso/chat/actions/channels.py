"""Channel changes: create, join, leave, invite, direct conversations, archive, edit."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from kyoso.accounts.models import Member, Role
from kyoso.chat.errors import (
    CannotLeaveDirectMessage,
    ChannelArchived,
    InvalidChannel,
    InvalidNotifyLevel,
    NotAllowed,
    NotJoined,
    TooManyDirectMembers,
)
from kyoso.chat.events import channel_audience, channel_data, member_audience, publish
from kyoso.chat.models import (
    Channel,
    ChannelCategory,
    ChannelKind,
    ChannelMembership,
    Message,
    NotifyLevel,
    PostingPolicy,
)
from kyoso.chat.queries.access import (
    can_edit_channel,
    can_manage_channel,
    is_channel_member,
    readable_channel,
)
from kyoso.chat.queries.channels import registration_channels

_SLUG_MAX = Channel._meta.get_field("slug").max_length or 80
# 8 characters of base32 (40 bits): a private channel's slug cannot be guessed from its name.
_SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_SUFFIX_LENGTH = 8


def _random_suffix() -> str:
    return "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(_SUFFIX_LENGTH))


def _unique_slug(name: str, *, private: bool = False) -> str:
    """A free slug for a new channel, which tells nobody about the channels they cannot read.

    A public channel keeps a readable slug (``防災``, then ``防災-2``). A private channel or a DM
    always gets ``name-<random>``, so it never takes a readable slug that a public channel would
    then be numbered around: ``-2`` only ever counts channels everyone can see.
    """
    base = slugify(name, allow_unicode=True) or "channel"
    if private:
        base = base[: _SLUG_MAX - _SUFFIX_LENGTH - 1]
        while True:
            slug = f"{base}-{_random_suffix()}"
            if not Channel.objects.filter(slug=slug).exists():
                return slug
    base = base[: _SLUG_MAX - 6]
    slug, n = base, 2
    while Channel.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _require_active(member: Member) -> None:
    if not member.is_active:
        raise NotAllowed()


def _publish_channel(channel: Channel, change: str, *, members: Iterable[int] = ()) -> None:
    data = channel_data(channel, change=change)
    publish(channel_audience(channel.pk), "channel.updated", data)
    for member_id in members:
        publish(member_audience(member_id), "channel.updated", data)


def _save(channel: Channel, *, exclude: Iterable[str] = ()) -> None:
    try:
        channel.full_clean(exclude=list(exclude))
    except ValidationError as error:
        raise InvalidChannel() from error
    channel.save()


def create_channel(
    *,
    creator: Member | None,
    name: str,
    category: str = ChannelCategory.THEME,
    kind: str = ChannelKind.PUBLIC,
    title: str = "",
    purpose: str = "",
    is_default: bool = False,
    posting_policy: str = PostingPolicy.MEMBERS,
    slug: str | None = None,
    at: datetime | None = None,
) -> Channel:
    """A public or private channel; ``creator`` None is the system (the demo, setup)."""
    if creator is not None:
        _require_active(creator)
        if posting_policy == PostingPolicy.OPERATORS and creator.role != Role.OPERATOR:
            raise NotAllowed()
    # A DM is opened with open_direct_conversation; only public channels can be joined by default.
    if kind == ChannelKind.DIRECT or (is_default and kind != ChannelKind.PUBLIC):
        raise InvalidChannel()
    with transaction.atomic():
        channel = Channel(
            slug=slug or _unique_slug(name, private=kind != ChannelKind.PUBLIC),
            name=name,
            category=category,
            kind=kind,
            title=title,
            purpose=purpose,
            is_default=is_default,
            posting_policy=posting_policy,
            created_by=creator,
            created_at=at or timezone.now(),
        )
        _save(channel)
        if creator is not None:
            ChannelMembership.objects.create(channel=channel, member=creator, joined_at=channel.created_at)
        _publish_channel(channel, "created", members=[creator.pk] if creator else [])
    return channel


def join_channel(*, member: Member, channel: Channel, at: datetime | None = None) -> ChannelMembership:
    """Join a public channel (a private one only by invitation: it answers "not found")."""
    _require_active(member)
    channel = readable_channel(member, channel)
    if channel.archived_at is not None:
        raise ChannelArchived()
    with transaction.atomic():
        joined_at = at or timezone.now()
        membership, created = ChannelMembership.objects.get_or_create(
            channel=channel,
            member=member,
            defaults={
                "joined_at": joined_at,
                "last_read_message_id": _read_on_joining(channel.pk, joined_at),
            },
        )
        if created:
            _publish_channel(channel, "joined", members=[member.pk])
    return membership


def _read_on_joining(channel_id: int, joined_at: datetime) -> int:
    """Where a new member's read position starts: after the last message before they joined.

    The history is there to read, but it is not news to them: unread counts start at joining.
    """
    before = Message.objects.filter(channel_id=channel_id)
    if joined_at < timezone.now() - timedelta(seconds=1):  # joined in the past (an import, the demo)
        before = before.filter(created_at__lte=joined_at)
    return before.order_by("-id").values_list("id", flat=True).first() or 0


def join_admitted_member(sender: object, *, member: Member, channel_ids: list[int], **kwargs: object) -> None:
    """A new member (accounts' ``member_admitted``) joins the default channels and those they chose."""
    chosen = registration_channels().filter(pk__in=channel_ids)
    for channel in [*Channel.objects.filter(is_default=True, archived_at__isnull=True), *chosen]:
        join_channel(member=member, channel=channel)


def join_channels(*, members: Iterable[Member], channel: Channel, at: datetime | None = None) -> int:
    """Add many members at once (importers, the demo, test setup); existing ones are kept.

    A trusted path with no permission check and no events: its callers are not members. Like every
    way of joining, what was posted before ``at`` is not unread (an importer with read state of its
    own sets it afterwards with ``import_read_positions``).
    """
    joined_at = at or timezone.now()
    read_up_to = _read_on_joining(channel.pk, joined_at)
    rows = [
        ChannelMembership(channel=channel, member=m, joined_at=joined_at, last_read_message_id=read_up_to)
        for m in members
    ]
    created = ChannelMembership.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(created)


def join_default_channels(*, member: Member, at: datetime | None = None) -> list[Channel]:
    """Put a new member in every default channel (public, not archived); returns those joined now."""
    _require_active(member)
    joined_at = at or timezone.now()
    with transaction.atomic():
        already = ChannelMembership.objects.filter(member=member).values("channel")
        channels = list(
            Channel.objects.filter(is_default=True, kind=ChannelKind.PUBLIC, archived_at__isnull=True)
            .exclude(pk__in=already)
            .order_by("pk")
        )
        ChannelMembership.objects.bulk_create(
            [
                ChannelMembership(
                    channel=c,
                    member=member,
                    joined_at=joined_at,
                    last_read_message_id=_read_on_joining(c.pk, joined_at),
                )
                for c in channels
            ],
            ignore_conflicts=True,
        )
        for channel in channels:
            _publish_channel(channel, "joined", members=[member.pk])
    return channels


def leave_channel(*, member: Member, channel: Channel) -> bool:
    """Leave a channel; returns whether the member was in it.

    A direct conversation cannot be left: opening one with the same people must find it again, with
    them all in it. Leaving a private channel means coming back only by a new invitation.
    """
    _require_active(member)
    channel = readable_channel(member, channel)
    if channel.kind == ChannelKind.DIRECT:
        raise CannotLeaveDirectMessage()
    with transaction.atomic():
        deleted, _ = ChannelMembership.objects.filter(channel=channel, member=member).delete()
        if deleted:
            _publish_channel(channel, "left", members=[member.pk])
    return bool(deleted)


def set_notify_level(*, member: Member, channel: Channel, level: str) -> ChannelMembership:
    """How much of a joined channel reaches the member: every post, mentions and followed threads only,
    or muted (no unread count in the totals, and only a direct @mention notifies)."""
    _require_active(member)
    if level not in NotifyLevel.values:
        raise InvalidNotifyLevel()
    channel = readable_channel(member, channel)
    with transaction.atomic():
        membership = (
            ChannelMembership.objects.select_for_update().filter(channel=channel, member=member).first()
        )
        if membership is None:
            raise NotJoined()
        if membership.notify_level != level:
            membership.notify_level = level
            membership.save(update_fields=["notify_level"])
            publish(
                member_audience(member.pk),
                "channel.notify_level",
                {"channel_id": channel.pk, "notify_level": level},
            )
    return membership


def invite_to_channel(*, inviter: Member, channel: Channel, invitee: Member) -> ChannelMembership:
    """A member of a channel (private or public) adds another active member to it."""
    _require_active(inviter)
    channel = readable_channel(inviter, channel)
    if channel.kind == ChannelKind.DIRECT:
        raise NotAllowed()  # a DM's people are fixed: open another conversation instead
    if channel.archived_at is not None:
        raise ChannelArchived()
    if not is_channel_member(inviter, channel) or not invitee.is_active:
        raise NotAllowed()
    with transaction.atomic():
        now = timezone.now()
        membership, created = ChannelMembership.objects.get_or_create(
            channel=channel,
            member=invitee,
            defaults={"joined_at": now, "last_read_message_id": _read_on_joining(channel.pk, now)},
        )
        if created:
            _publish_channel(channel, "joined", members=[invitee.pk])
    return membership


def _direct_key(member_ids: Iterable[int]) -> str:
    return ",".join(str(pk) for pk in sorted(set(member_ids)))


def open_direct_conversation(*, member: Member, others: Iterable[Member]) -> Channel:
    """The direct conversation (DM) of exactly these people, made on first use.

    One to one, or a small group up to KYOSO_GROUP_DM_MAX_MEMBERS people (the opener included).
    Talking to oneself is allowed: a DM with only the member is their notepad.
    """
    _require_active(member)
    people = {member.pk: member, **{other.pk: other for other in others}}
    if len(people) > settings.KYOSO_GROUP_DM_MAX_MEMBERS:
        raise TooManyDirectMembers()
    if any(not person.is_active for person in people.values()):
        raise NotAllowed()
    key = _direct_key(people)
    existing = Channel.objects.filter(direct_key=key).first()
    if existing is not None:
        return existing
    names = "、".join(p.display_name for p in sorted(people.values(), key=lambda p: p.pk))
    now = timezone.now()
    try:
        with transaction.atomic():
            channel = Channel(
                slug=_unique_slug("dm", private=True),
                name=names[: Channel._meta.get_field("name").max_length],
                category=ChannelCategory.CASUAL,
                kind=ChannelKind.DIRECT,
                created_by=member,
                created_at=now,
                direct_key=key,
            )
            # A race on direct_key is settled by the database's unique constraint below.
            _save(channel, exclude=["direct_key"])
            ChannelMembership.objects.bulk_create(
                [ChannelMembership(channel=channel, member_id=pk, joined_at=now) for pk in people]
            )
            _publish_channel(channel, "created", members=list(people))
    except IntegrityError:
        # Someone opened the same conversation at the same moment: theirs is ours.
        return Channel.objects.get(direct_key=key)
    return channel


def _set_archived(member: Member, channel: Channel, archived: bool) -> Channel:
    _require_active(member)
    channel = readable_channel(member, channel)
    if not can_manage_channel(member, channel):
        raise NotAllowed()
    if (channel.archived_at is not None) == archived:
        return channel
    with transaction.atomic():
        channel.archived_at = timezone.now() if archived else None
        channel.save(update_fields=["archived_at"])
        _publish_channel(channel, "archived" if archived else "unarchived")
    return channel


def archive_channel(*, member: Member, channel: Channel) -> Channel:
    """Archive a channel (operators or its creator): it stays readable, nobody can post."""
    return _set_archived(member, channel, True)


def unarchive_channel(*, member: Member, channel: Channel) -> Channel:
    return _set_archived(member, channel, False)


def update_channel(
    *, member: Member, channel: Channel, name: str | None = None, title: str | None = None,
    purpose: str | None = None,
) -> Channel:  # fmt: skip
    """Change a channel's name, title or purpose.

    Operators and the creator may; in a private channel or DM, so may any of its members.
    """
    _require_active(member)
    channel = readable_channel(member, channel)
    if not can_edit_channel(member, channel):
        raise NotAllowed()
    if channel.archived_at is not None:
        raise ChannelArchived()
    changes = {"name": name, "title": title, "purpose": purpose}
    changed = [field for field, value in changes.items() if value is not None]
    if name is not None and not name.strip():
        raise InvalidChannel()
    with transaction.atomic():
        for field in changed:
            setattr(channel, field, changes[field])
        _save(channel)
        _publish_channel(channel, "updated")
    return channel
