"""Shape models into the API's JSON, reusing what clients of the events already get.

A page of messages costs a fixed number of queries, whatever its length: stamps, files and channel
slugs are each read once for the whole page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation

from kyoso.accounts.models import Member
from kyoso.chat import queries
from kyoso.chat.events import attachment_data, author_data, channel_data, message_data
from kyoso.chat.models import Attachment, Channel, Message, MessageRevision
from kyoso.chat.queries import MessageView, ReactionGroup, StampSummary, attachments_by_message


def _absolute(request: HttpRequest, path: str | None) -> str | None:
    return request.build_absolute_uri(path) if path else None


def member_out(member: Member) -> dict[str, Any]:
    organization = member.organization.name if member.organization is not None else None
    return {**author_data(member), "organization": organization}


def me_out(member: Member) -> dict[str, Any]:
    return {
        **member_out(member),
        "email": member.email,
        "full_name": member.full_name,
        "language": translation.get_language(),
    }


def channel_out(request: HttpRequest, channel: Channel, **extra: Any) -> dict[str, Any]:
    return {
        **channel_data(channel),
        "is_default": channel.is_default,
        "created_at": channel.created_at,
        "last_message_at": channel.last_message_at,
        "url": _absolute(request, reverse("chat:channel", args=[channel.slug])),
        **extra,
    }


def attachment_out(request: HttpRequest, attachment: Attachment) -> dict[str, Any]:
    data = attachment_data(attachment)
    return {
        **data,
        "url": _absolute(request, str(data["url"])),
        "thumbnail_url": _absolute(request, data["thumbnail_url"]),
        "download_url": _absolute(request, reverse("api:file_download", args=[attachment.pk])),
    }


def stamp_out(summary: StampSummary) -> dict[str, Any]:
    return {
        "stamp_id": summary.stamp_id,
        "name": summary.name,
        "emoji": summary.emoji,
        "count": summary.count,
        "organization_count": summary.organization_count,
        "reacted_by_me": summary.reacted_by_me,
        "image_url": summary.image_url,
    }


def _slugs(messages: Iterable[Message]) -> dict[int, str]:
    """Channel slugs for permalinks, from the loaded channel where there is one, else one query."""
    slugs: dict[int, str] = {}
    missing: set[int] = set()
    for message in messages:
        if Message.channel.is_cached(message):
            slugs[message.channel_id] = message.channel.slug
        else:
            missing.add(message.channel_id)
    missing -= slugs.keys()
    if missing:
        slugs.update(queries.channel_slugs(missing))
    return slugs


def _permalink(request: HttpRequest, message: Message, slug: str) -> str:
    # As kyoso.chat.queries.message_permalink, with the slug already known (one query per page).
    root_id = message.thread_root_id or message.pk
    return request.build_absolute_uri(reverse("chat:thread", args=[slug, root_id]) + f"#t-{message.pk}")


def messages_out(request: HttpRequest, member: Member, views: list[MessageView]) -> list[dict[str, Any]]:
    """Messages (already read through kyoso.chat.queries) with stamps, files and permalinks."""
    messages = [view.message for view in views]
    files = attachments_by_message(member, messages)
    slugs = _slugs(messages)
    return [
        {
            **message_data(view.message),
            "last_reply_at": view.message.last_reply_at,
            "created_at": view.message.created_at,
            "edited_at": view.message.edited_at,
            "stamps": [stamp_out(s) for s in view.stamps],
            "attachments": [attachment_out(request, a) for a in files.get(view.message.pk, [])],
            "permalink": _permalink(request, view.message, slugs[view.message.channel_id]),
        }
        for view in views
    ]


def message_list_out(request: HttpRequest, member: Member, messages: list[Message]) -> list[dict[str, Any]]:
    return messages_out(request, member, queries.with_stamps(member, messages))


def message_out(request: HttpRequest, member: Member, message: Message) -> dict[str, Any]:
    return message_list_out(request, member, [message])[0]


def reaction_group_out(member: Member, group: ReactionGroup) -> dict[str, Any]:
    return {
        "stamp_id": group.stamp_id,
        "name": group.name,
        "emoji": group.emoji,
        "count": len(group.reactors),
        "organization_count": group.organization_count,
        "reacted_by_me": any(r.member_id == member.pk for r in group.reactors),
        "reactors": [
            {"member_id": r.member_id, "name": r.display_name, "organization": r.organization}
            for r in group.reactors
        ],
    }


def revision_out(revision: MessageRevision) -> dict[str, Any]:
    return {"text": revision.text, "written_at": revision.written_at, "replaced_at": revision.replaced_at}
