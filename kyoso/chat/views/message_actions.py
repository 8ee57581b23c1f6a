"""Small actions on a message: stamps (and who pressed them), pins, あとで読む."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kyoso.accounts.requests import MemberRequest
from kyoso.chat import actions, queries
from kyoso.chat.errors import InvalidStamp, MessageNotFound
from kyoso.chat.models import Channel, Message
from kyoso.chat.views._common import (
    answer,
    message_context,
    positive_id,
    refuse,
    render_messages,
    safe_next,
    wants_fragment,
)
from kyoso.core.errors import MemberFacingError


def _message(request: MemberRequest, slug: str, message_id: int) -> tuple[Channel, Message]:
    try:
        channel = queries.channel_for(request.user, slug)
        message = queries.readable_message(request.user, message_id)
    except MemberFacingError as error:
        raise Http404(str(error)) from None
    if message.channel_id != channel.pk:
        raise Http404(str(MessageNotFound.message))
    return channel, message


def _back(channel: Channel, message: Message) -> str:
    if message.thread_root_id:
        return reverse("chat:thread", args=[channel.slug, message.thread_root_id]) + f"#t-{message.pk}"
    return reverse("chat:channel", args=[channel.slug]) + f"#m-{message.pk}"


def _page_or_popover(request: MemberRequest, context: dict[str, object], page: str, popover: str) -> str:
    """The stamp picker and the "…" menu are pages without JavaScript; chat.js asks for the part of
    the page they share, as a popover to open in place (``in_thread``: beside a thread pane message)."""
    if not wants_fragment(request):
        return page
    context.update(popover=True, in_thread=request.GET.get("in_thread") == "1")
    return popover


def _updated(request: MemberRequest, channel: Channel, message: Message, notice: str = "") -> HttpResponse:
    message = queries.readable_message(request.user, message.pk)
    html = render_messages(request, channel, [message], in_thread=request.POST.get("in_thread") == "1")
    return answer(
        request,
        redirect_to=safe_next(request, _back(channel, message)),
        notice=notice,
        payload={"id": message.pk, "html": html[message.pk]},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def toggle_stamp(request: MemberRequest, slug: str, message_id: int) -> HttpResponse:
    """Press a stamp, or take one's own back when it is already pressed (GET: the picker as a page,
    for browsers without JavaScript; with it, the picker opens in place)."""
    channel, message = _message(request, slug, message_id)
    if request.method != "POST":
        if message.deleted_at is not None:
            raise Http404(str(MessageNotFound.message))
        mine = queries.stamps_given(request.user, message)
        context = {**message_context(request, channel), "m": message, "mine": mine, "nav": "channels"}
        context.update(back=_back(channel, message), current_channel_slug=channel.slug)
        return render(
            request,
            _page_or_popover(request, context, "chat/stamp_picker.html", "chat/_stamp_picker.html"),
            context,
        )
    try:
        stamp_id = positive_id(request.POST.get("stamp"))
        stamp = queries.find_stamp(stamp_id) if stamp_id else None
        if stamp is None:
            raise InvalidStamp()
        if not actions.remove_reaction(member=request.user, message=message, stamp=stamp):
            actions.add_reaction(member=request.user, message=message, stamp=stamp)
    except MemberFacingError as error:
        return refuse(request, error, redirect_to=_back(channel, message))
    return _updated(request, channel, message)


@login_required
@require_safe
def reactions(request: MemberRequest, slug: str, message_id: int) -> HttpResponse:
    """Who pressed which stamp, with their organisations."""
    channel, message = _message(request, slug, message_id)
    groups = queries.reactions_for(request.user, message)
    template = (
        "chat/_reactions.html" if request.headers.get("X-Kyoso-Fragment") == "1" else "chat/reactions.html"
    )
    context = {
        "nav": "channels",
        "channel": channel,
        "message": message,
        "groups": groups,
        "back": _back(channel, message),
        "current_channel_slug": channel.slug,
    }
    return render(request, template, context)


@login_required
@require_POST
def toggle_pin(request: MemberRequest, slug: str, message_id: int) -> HttpResponse:
    channel, message = _message(request, slug, message_id)
    try:
        if message.pinned_at is None:
            actions.pin_message(member=request.user, message=message)
            notice = _("メッセージをピン留めしました。")
        else:
            actions.unpin_message(member=request.user, message=message)
            notice = _("ピン留めを外しました。")
    except MemberFacingError as error:
        return refuse(request, error, redirect_to=_back(channel, message))
    return _updated(request, channel, message, notice)


@login_required
@require_POST
def toggle_save(request: MemberRequest, slug: str, message_id: int) -> HttpResponse:
    channel, message = _message(request, slug, message_id)
    try:
        if actions.unsave_message(member=request.user, message=message):
            notice = _("「あとで読む」から外しました。")
        else:
            actions.save_message(member=request.user, message=message)
            notice = _("「あとで読む」に保存しました。")
    except MemberFacingError as error:
        return refuse(request, error, redirect_to=_back(channel, message))
    return _updated(request, channel, message, notice)


@login_required
@require_POST
def toggle_follow(request: MemberRequest, slug: str, message_id: int) -> HttpResponse:
    """Follow a thread (its replies count as unread for you), or stop following it."""
    channel, message = _message(request, slug, message_id)
    try:
        if queries.is_following(request.user, message):
            actions.unfollow_thread(member=request.user, thread=message)
            notice = _("スレッドのフォローをやめました。")
            following = False
        else:
            actions.follow_thread(member=request.user, thread=message)
            notice = _("スレッドをフォローしました。")
            following = True
    except MemberFacingError as error:
        return refuse(request, error, redirect_to=_back(channel, message))
    return answer(
        request,
        redirect_to=safe_next(request, _back(channel, message)),
        notice=notice,
        payload={"following": following},
    )


@login_required
@require_POST
def mark_read(request: MemberRequest, slug: str) -> HttpResponse:
    """The page has shown messages up to ``up_to`` (chat.js, when a live message was seen)."""
    try:
        channel = queries.channel_for(request.user, slug)
    except MemberFacingError as error:
        raise Http404(str(error)) from None
    try:
        up_to = positive_id(request.POST.get("up_to"))
        last = actions.mark_channel_read(member=request.user, channel=channel, up_to=up_to)
    except MemberFacingError as error:
        return refuse(request, error, redirect_to=reverse("chat:channel", args=[channel.slug]))
    return answer(
        request, redirect_to=reverse("chat:channel", args=[channel.slug]), payload={"last_read": last}
    )


@login_required
@require_safe
def revisions(request: MemberRequest, slug: str, message_id: int) -> HttpResponse:
    """編集履歴: every earlier text of a message, for moderators (a deleted message's too)."""
    channel, message = _message(request, slug, message_id)
    try:
        earlier = queries.message_revisions(request.user, message)
    except MemberFacingError as error:
        raise PermissionDenied(str(error)) from None
    context = {
        "nav": "channels",
        "channel": channel,
        "message": message,
        "revisions": earlier,
        "back": _back(channel, message),
        "current_channel_slug": channel.slug,
    }
    return render(request, "chat/revisions.html", context)


@login_required
@require_safe
def message_menu(request: MemberRequest, slug: str, message_id: int) -> HttpResponse:
    """The "…" menu as a page, for browsers without JavaScript (with it, the menu opens in place)."""
    channel, message = _message(request, slug, message_id)
    if message.deleted_at is not None:
        raise Http404(str(MessageNotFound.message))
    context = {**message_context(request, channel), "m": message, "nav": "channels"}
    context.update(
        back=_back(channel, message),
        current_channel_slug=channel.slug,
        saved=message.pk in queries.saved_among(request.user, [message.pk]),
    )
    return render(
        request, _page_or_popover(request, context, "chat/actions.html", "chat/_message_menu.html"), context
    )
