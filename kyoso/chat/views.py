"""Channel pages (read-only for now: posting comes with the three-pane chat UI)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kyoso.chat import actions, queries
from kyoso.chat.errors import ChannelNotFound, MessageNotFound


def _message_id(raw: str | None) -> int | None:
    """A message id from the query string; anything but a positive whole number is a bad request."""
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise BadRequest(_("ページの指定が正しくありません。"))
    return int(raw)


@login_required
def channel_directory(request: HttpRequest) -> HttpResponse:
    channels = queries.channel_directory(request.user)
    return render(request, "chat/directory.html", {"nav": "channels", "channels": channels})


@login_required
def channel_detail(request: HttpRequest, slug: str) -> HttpResponse:
    before = _message_id(request.GET.get("before"))
    try:
        channel = queries.channel_for(request.user, slug)
        history = queries.channel_history(request.user, channel, before=before)
    except ChannelNotFound as error:
        raise Http404(str(error)) from None
    if before is None and history.messages:
        # The newest page is on screen: what it shows has been seen.
        actions.mark_channel_read(member=request.user, channel=channel, up_to=history.messages[-1].message.pk)
    context = {
        "nav": "channels",
        "channel": channel,
        "history": history,
        "before": before,
        "current_channel_slug": channel.slug,
    }
    return render(request, "chat/channel.html", context)


@login_required
def thread_detail(request: HttpRequest, slug: str, message_id: int) -> HttpResponse:
    try:
        channel = queries.channel_for(request.user, slug)
        root, messages = queries.thread_messages(request.user, message_id)
    except (ChannelNotFound, MessageNotFound) as error:
        raise Http404(str(error)) from None
    if root.channel_id != channel.pk:
        raise Http404(str(MessageNotFound.message))
    context = {
        "nav": "channels",
        "channel": channel,
        "root": messages[0],
        "replies": messages[1:],
        "current_channel_slug": channel.slug,
    }
    return render(request, "chat/thread.html", context)
