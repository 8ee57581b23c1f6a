"""The pages of the chat UI: the channel directory, a channel with its thread pane, pins, mentions, saved."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from kyoso.accounts.requests import MemberRequest
from kyoso.chat import actions, queries
from kyoso.chat.errors import ChannelNotFound, MessageNotFound
from kyoso.chat.models import Channel, NotifyLevel
from kyoso.chat.queries.channels import notify_level_of
from kyoso.chat.views._common import decorate, message_context, positive_id


@login_required
@require_safe
def channel_directory(request: MemberRequest) -> HttpResponse:
    channels = queries.channel_directory(request.user)
    return render(request, "chat/directory.html", {"nav": "channels", "channels": channels})


def _channel(request: MemberRequest, slug: str) -> Channel:
    try:
        return queries.channel_for(request.user, slug)
    except ChannelNotFound as error:
        raise Http404(str(error)) from None


def _thread_context(request: MemberRequest, channel: Channel, root_id: int) -> dict[str, object]:
    member = request.user
    try:
        root, views = queries.thread_messages(member, root_id)
    except MessageNotFound as error:
        raise Http404(str(error)) from None
    if root.channel_id != channel.pk:
        raise Http404(str(MessageNotFound.message))
    decorate(member, views)
    if queries.is_channel_member(member, channel):
        actions.mark_thread_read(member=member, thread=root)
    return {
        "thread_root": views[0],
        "thread_replies": views[1:],
        "thread_following": queries.is_following(member, root),
        "thread_participants": queries.thread_participants(member, root),
    }


def render_channel(
    request: MemberRequest,
    channel: Channel,
    *,
    thread_root_id: int | None = None,
    draft: str = "",
    thread_draft: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The three panes: channels (from base.html), the channel's messages, and the open thread."""
    member = request.user
    before = positive_id(request.GET.get("before"))
    after = positive_id(request.GET.get("after"), minimum=0)
    # A link to one message (a search result) opens the page of history around it, however old.
    around = positive_id(request.GET.get("around"))
    first_unread = queries.first_unread_message(member, channel)
    history = queries.channel_history(member, channel, before=before, after=after, around=around)
    decorate(member, history.messages)
    at_newest = history.newer_than is None and before is None
    if history.messages and (at_newest or after is not None):
        # What is on screen has been seen: the newest page, or a page read forward from the first unread.
        actions.mark_channel_read(member=member, channel=channel, up_to=history.messages[-1].message.pk)
    context: dict[str, object] = {
        **message_context(request, channel),
        "nav": "channels",
        "history": history,
        "before": before,
        "after": after,
        "at_newest": at_newest,
        "first_unread_id": first_unread.pk if first_unread else None,
        "pinned_count": queries.pinned_count(member, channel),
        "notify_level": notify_level_of(member, channel),
        "notify_levels": NotifyLevel.choices,
        "current_channel_slug": channel.slug,
        "draft": draft,
        "thread_draft": thread_draft,
        "composer_error": "" if thread_root_id else error,
        "thread_error": error if thread_root_id else "",
    }
    if thread_root_id is not None:
        context.update(_thread_context(request, channel, thread_root_id))
    return render(request, "chat/channel.html", context, status=status)


@login_required
@require_safe
def channel_detail(request: MemberRequest, slug: str) -> HttpResponse:
    return render_channel(request, _channel(request, slug))


@login_required
@require_safe
def thread_detail(request: MemberRequest, slug: str, message_id: int) -> HttpResponse:
    return render_channel(request, _channel(request, slug), thread_root_id=message_id)


@login_required
@require_safe
def first_unread(request: MemberRequest, slug: str) -> HttpResponse:
    """Jump to the first unread message: the page that starts just before it."""
    channel = _channel(request, slug)
    message = queries.first_unread_message(request.user, channel)
    url = reverse("chat:channel", args=[channel.slug])
    if message is None:
        return HttpResponseRedirect(url)
    return HttpResponseRedirect(f"{url}?after={message.pk - 1}#m-{message.pk}")


@login_required
@require_safe
def pinned(request: MemberRequest, slug: str) -> HttpResponse:
    channel = _channel(request, slug)
    views = decorate(
        request.user, queries.with_stamps(request.user, queries.pinned_messages(request.user, channel))
    )
    context = {
        **message_context(request, channel),
        "nav": "channels",
        "items": views,
        "current_channel_slug": channel.slug,
    }
    return render(request, "chat/pinned.html", context)


@login_required
@require_safe
def mentions(request: MemberRequest) -> HttpResponse:
    page = queries.mentions_for(request.user, before=positive_id(request.GET.get("before")))
    return render(request, "chat/mentions.html", {"nav": "mentions", "page": page})


@login_required
@require_safe
def saved(request: MemberRequest) -> HttpResponse:
    page = queries.saved_messages(request.user, before=positive_id(request.GET.get("before")))
    return render(request, "chat/saved.html", {"nav": "saved", "page": page})


@login_required
@require_safe
def followed_threads(request: MemberRequest) -> HttpResponse:
    threads = queries.followed_threads(request.user)
    return render(request, "chat/threads.html", {"nav": "threads", "threads": threads})
