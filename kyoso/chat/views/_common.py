"""What the chat views share: reading ids, answering forms and scripts alike, rendering one message."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages as flash
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from kyoso.accounts.models import Member, Role
from kyoso.chat import queries
from kyoso.chat.attachment_queries import attachments_by_message
from kyoso.chat.errors import (
    AttachmentNotFound,
    ChannelNotFound,
    ChatError,
    FileTooLarge,
    MessageNotFound,
    NotAllowed,
    NotAllowedToPost,
)
from kyoso.chat.models import Channel, Message, PostingPolicy
from kyoso.chat.views.client import client_config

FRAGMENT_HEADER = "X-Kyoso-Fragment"

# What a member may not read is "not found", never "forbidden": existence does not leak.
ERROR_STATUS: dict[type[ChatError], int] = {
    ChannelNotFound: 404,
    MessageNotFound: 404,
    AttachmentNotFound: 404,
    NotAllowed: 403,
    NotAllowedToPost: 403,
    FileTooLarge: 413,
}


def error_status(error: ChatError) -> int:
    return next((status for cls, status in ERROR_STATUS.items() if isinstance(error, cls)), 400)


def wants_fragment(request: HttpRequest) -> bool:
    """A form sent by chat.js: answer JSON with the changed piece of the page, not a redirect."""
    return request.headers.get(FRAGMENT_HEADER) == "1"


def positive_id(raw: str | None, *, minimum: int = 1) -> int | None:
    """A message id from the query string or a form; anything but a whole number from ``minimum``
    up is refused (``after=0`` is the very start of a channel)."""
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18 or int(raw) < minimum:
        raise BadRequest(_("ページの指定が正しくありません。"))
    return int(raw)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go back to after a form: only a path on this site."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def decorate(member: Member, views: list[queries.MessageView]) -> list[queries.MessageView]:
    """Add the files of each message and whether the member saved it: two queries for the page."""
    ids = [view.message.pk for view in views]
    files = attachments_by_message(member, [view.message for view in views])
    saved = queries.saved_among(member, ids)
    for view in views:
        view.attachments = files.get(view.message.pk, [])
        view.saved = view.message.pk in saved
    return views


def composer_state(member: Member, channel: Channel) -> str:
    """Whether the member can write here, and if not, what the page says instead of a message box."""
    if channel.archived_at is not None:
        return "archived"
    if not queries.is_channel_member(member, channel):
        return "join"
    if channel.posting_policy == PostingPolicy.OPERATORS and member.role != Role.OPERATOR:
        return "announcement"
    return "post"


def message_context(request: HttpRequest, channel: Channel) -> dict[str, object]:
    """What every rendering of a message needs besides the message itself."""
    member = request.user
    state = composer_state(member, channel)
    stamps = queries.stamp_set()
    # Stamps need no membership in a public channel; replies and edits do.
    can_stamp = channel.archived_at is None and (state != "join" or channel.is_public)
    config = client_config(request, channel, stamps)
    config.update(composer=state, canStamp=can_stamp)
    return {
        "channel": channel,
        # Every message links to its thread, stamps, menu and author: one reverse() for the page, not
        # a dozen per message (they were most of a page's rendering time).
        "channel_url": reverse("chat:channel", args=[channel.slug]),
        "member_base": reverse("accounts:member", args=[0]).removesuffix("0/"),
        "stamps": stamps,
        "labels": {
            "stamp": _("スタンプを押す"),
            "more": _("その他の操作"),
            "stamp_for": _("%(name)sさんのメッセージにスタンプを押す"),
            "reply_to": _("%(name)sさんのメッセージにスレッドで返信"),
            "more_for": _("%(name)sさんのメッセージのその他の操作"),
        },
        "chat_config": config,
        "can_moderate": queries.is_moderator(member),
        "can_edit_channel": channel.kind != "direct" and queries.can_edit_channel(member, channel),
        "composer": state,
        "can_stamp": can_stamp,
    }


def render_messages(
    request: HttpRequest, channel: Channel, messages: Iterable[Message], *, in_thread: bool = False
) -> dict[int, str]:
    """Each message as the member sees it (their stamps, their menu), keyed by id."""
    views = decorate(request.user, queries.with_stamps(request.user, list(messages)))
    context = message_context(request, channel)
    return {
        view.message.pk: render_to_string(
            "chat/_message.html",
            {**context, "item": view, "show_replies": not in_thread, "in_thread": in_thread},
            request=request,
        )
        for view in views
    }


def answer(
    request: HttpRequest,
    *,
    redirect_to: str,
    notice: str = "",
    payload: dict[str, object] | None = None,
    status: int = 200,
) -> HttpResponse:
    """After a successful form: JSON for the script, otherwise a redirect with an optional notice."""
    if wants_fragment(request):
        return JsonResponse({"ok": True, "notice": notice, **(payload or {})}, status=status)
    if notice:
        flash.success(request, notice)
    return HttpResponseRedirect(redirect_to)


def refuse(request: HttpRequest, error: ChatError, *, redirect_to: str) -> HttpResponse:
    """A refused form: JSON with the reason for the script, otherwise back with the reason shown."""
    if wants_fragment(request):
        return JsonResponse(
            {"ok": False, "error": {"code": type(error).__name__, "message": str(error)}},
            status=error_status(error),
        )
    flash.error(request, str(error))
    return HttpResponseRedirect(redirect_to)
