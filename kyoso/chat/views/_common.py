"""What the chat views share: reading ids, answering forms and scripts alike, rendering one message."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme

from kyoso.accounts.models import Member
from kyoso.accounts.requests import MemberRequest
from kyoso.chat import queries
from kyoso.chat.models import Channel, Message
from kyoso.chat.queries.attachments import attachments_by_message
from kyoso.chat.rendering import STREAM, THREAD, place_context, shared_context
from kyoso.chat.views.client import client_config
from kyoso.core.errors import FRAGMENT_HEADER, MemberFacingError, refusal_response
from kyoso.core.validation import parse_id


def wants_fragment(request: HttpRequest) -> bool:
    """A form sent by chat.js: answer JSON with the changed piece of the page, not a redirect."""
    return request.headers.get(FRAGMENT_HEADER) == "1"


def positive_id(raw: str | None, *, minimum: int = 1) -> int | None:
    """A message id from the query string or a form; anything but a whole number from ``minimum``
    up to the database's largest id is refused with InvalidId (``after=0`` is the very start of a
    channel)."""
    if raw is None or raw == "":
        return None
    # InvalidId (400) for anything but ASCII digits within the database's ids.
    return parse_id(raw, minimum=minimum)


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


def message_context(request: MemberRequest, channel: Channel) -> dict[str, object]:
    """What every rendering of a message needs besides the message itself."""
    member = request.user
    # The same rule post_message applies: a message box only where posting would be accepted.
    state = queries.posting_state(member, channel)
    stamps = queries.stamp_set()
    # Stamps need no membership in a public channel; replies and edits do.
    can_stamp = channel.archived_at is None and (state != "join" or channel.is_public)
    config = client_config(request, channel, stamps)
    config.update(composer=state, canStamp=can_stamp)
    return {
        **shared_context(channel),
        "stamps": stamps,
        "chat_config": config,
        "can_moderate": queries.is_moderator(member),
        "can_edit_channel": channel.kind != "direct" and queries.can_edit_channel(member, channel),
        "composer": state,
        "can_stamp": can_stamp,
    }


def render_messages(
    request: MemberRequest, channel: Channel, messages: Iterable[Message], *, in_thread: bool = False
) -> dict[int, str]:
    """Each message as the member sees it (their stamps, their menu), keyed by id."""
    views = decorate(request.user, queries.with_stamps(request.user, list(messages)))
    context = message_context(request, channel)
    return {
        view.message.pk: render_to_string(
            "chat/_message.html",
            {**context, **place_context(view.message, THREAD if in_thread else STREAM), "item": view},
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


def refuse(request: HttpRequest, error: MemberFacingError, *, redirect_to: str) -> HttpResponse:
    """A refused form: JSON with the reason for the script, otherwise back with the reason shown."""
    if wants_fragment(request):
        return refusal_response(error)
    flash.error(request, str(error))
    return HttpResponseRedirect(redirect_to)
