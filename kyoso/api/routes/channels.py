"""Channels: the sidebar, the directory, creating and editing, joining, leaving, inviting, DMs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from kyoso.api import present
from kyoso.api import queries as api_queries
from kyoso.api.routes import caller
from kyoso.api.schemas import (
    ERRORS,
    ChannelIn,
    ChannelOut,
    ChannelPatch,
    DirectIn,
    DirectoryChannelOut,
    InviteIn,
    JoinedChannelOut,
    MembershipOut,
    NotifyLevelIn,
    NotifyLevelOut,
)
from kyoso.chat import actions, queries
from kyoso.chat.models import Channel
from kyoso.core.validation import Id

router = Router(tags=["channels"])


def _detail(request: HttpRequest, channel: Channel) -> dict[str, Any]:
    member = caller(request)
    return present.channel_out(
        request,
        channel,
        member_count=queries.member_count(member, channel),
        joined=queries.is_channel_member(member, channel),
    )


@router.get("/channels", response={200: list[JoinedChannelOut], **ERRORS}, summary="Joined channels")
def joined(request: HttpRequest) -> list[dict[str, Any]]:
    """The sidebar: channels the caller belongs to, with unread and mention counts."""
    member = caller(request)
    channels = list(queries.joined_channels(member))
    positions = api_queries.read_positions(member, [c.pk for c in channels])
    return [
        present.channel_out(
            request,
            c,
            unread_count=c.unread_count,
            mention_count=c.mention_count,
            last_read_message_id=positions.get(c.pk, 0),
            notify_level=c.notify_level,
        )
        for c in channels
    ]


@router.get("/channels/directory", response={200: list[DirectoryChannelOut], **ERRORS}, summary="Directory")
def directory(request: HttpRequest) -> list[dict[str, Any]]:
    """Channels the caller may browse and join, with member counts."""
    member = caller(request)
    channels = list(queries.channel_directory(member))
    joined_ids = set(api_queries.read_positions(member, [c.pk for c in channels]))
    return [
        present.channel_out(request, c, member_count=c.member_count, joined=c.pk in joined_ids)
        for c in channels
    ]


@router.post("/channels", response={201: DirectoryChannelOut, **ERRORS}, summary="Create a channel")
def create(request: HttpRequest, payload: ChannelIn) -> Status[dict[str, Any]]:
    channel = actions.create_channel(
        creator=caller(request),
        name=payload.name,
        category=payload.category,
        kind=payload.kind,
        title=payload.title,
        purpose=payload.purpose,
        posting_policy=payload.posting_policy,
    )
    return Status(201, _detail(request, channel))


@router.get("/channels/{channel_id}", response={200: DirectoryChannelOut, **ERRORS}, summary="One channel")
def detail(request: HttpRequest, channel_id: Id) -> dict[str, Any]:
    return _detail(request, queries.readable_channel(caller(request), channel_id))


@router.patch("/channels/{channel_id}", response={200: DirectoryChannelOut, **ERRORS}, summary="Edit")
def update(request: HttpRequest, channel_id: Id, payload: ChannelPatch) -> dict[str, Any]:
    """Change the name, title or purpose (operators, the creator, or any member of a private one)."""
    member = caller(request)
    channel = queries.readable_channel(member, channel_id)
    changes = payload.model_dump(exclude_unset=True)
    channel = actions.update_channel(member=member, channel=channel, **changes)
    return _detail(request, channel)


@router.post("/channels/{channel_id}/join", response={200: MembershipOut, **ERRORS}, summary="Join")
def join(request: HttpRequest, channel_id: Id) -> dict[str, Any]:
    member = caller(request)
    channel = queries.readable_channel(member, channel_id)
    actions.join_channel(member=member, channel=channel)
    return {"channel_id": channel.pk, "member_id": member.pk, "joined": True}


@router.post("/channels/{channel_id}/leave", response={200: MembershipOut, **ERRORS}, summary="Leave")
def leave(request: HttpRequest, channel_id: Id) -> dict[str, Any]:
    member = caller(request)
    channel = queries.readable_channel(member, channel_id)
    actions.leave_channel(member=member, channel=channel)
    return {"channel_id": channel.pk, "member_id": member.pk, "joined": False}


@router.put(
    "/channels/{channel_id}/notify-level",
    response={200: NotifyLevelOut, **ERRORS},
    summary="Notification level",
)
def notify_level(request: HttpRequest, channel_id: Id, payload: NotifyLevelIn) -> dict[str, Any]:
    """How much of a joined channel notifies the caller: every post, mentions and followed threads,
    or muted (no unread count in the totals; only a mention of the caller notifies)."""
    member = caller(request)
    channel = queries.readable_channel(member, channel_id)
    membership = actions.set_notify_level(member=member, channel=channel, level=payload.level)
    return {"channel_id": channel.pk, "notify_level": membership.notify_level}


@router.post(
    "/channels/{channel_id}/archive", response={200: DirectoryChannelOut, **ERRORS}, summary="Archive"
)
def archive(request: HttpRequest, channel_id: Id) -> dict[str, Any]:
    member = caller(request)
    channel = actions.archive_channel(member=member, channel=queries.readable_channel(member, channel_id))
    return _detail(request, channel)


@router.post(
    "/channels/{channel_id}/unarchive", response={200: DirectoryChannelOut, **ERRORS}, summary="Unarchive"
)
def unarchive(request: HttpRequest, channel_id: Id) -> dict[str, Any]:
    member = caller(request)
    channel = actions.unarchive_channel(member=member, channel=queries.readable_channel(member, channel_id))
    return _detail(request, channel)


@router.post("/channels/{channel_id}/members", response={200: MembershipOut, **ERRORS}, summary="Invite")
def invite(request: HttpRequest, channel_id: Id, payload: InviteIn) -> dict[str, Any]:
    """Add an active member to a channel the caller belongs to (private channels: the only way in)."""
    member = caller(request)
    channel = queries.readable_channel(member, channel_id)
    invitee = api_queries.active_member(payload.member_id)
    actions.invite_to_channel(inviter=member, channel=channel, invitee=invitee)
    return {"channel_id": channel.pk, "member_id": invitee.pk, "joined": True}


@router.post("/direct", response={200: ChannelOut, **ERRORS}, summary="Open a direct conversation")
def direct(request: HttpRequest, payload: DirectIn) -> dict[str, Any]:
    """The DM of exactly the caller and these members, made on first use, found again after."""
    others = api_queries.active_members(payload.member_ids)
    channel = actions.open_direct_conversation(member=caller(request), others=others)
    return present.channel_out(request, channel)
