"""Writing: post a message or a reply (with files), edit it, delete it.

A refused message is never lost: the page comes back with the text still in the box and the reason
beside it (or, for chat.js, a JSON error while the box keeps the text).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from kyoso.accounts.requests import MemberRequest
from kyoso.chat import actions, queries
from kyoso.chat.attachment_views import TOO_LARGE_FLAG, declared_length, limit_upload_size
from kyoso.chat.errors import ChannelNotFound, FileTooLarge, MessageNotFound, NotAllowed
from kyoso.chat.models import Channel, Message
from kyoso.chat.views._common import (
    answer,
    positive_id,
    refuse,
    render_messages,
    wants_fragment,
)
from kyoso.chat.views.pages import render_channel
from kyoso.core.errors import MemberFacingError, refusal_response
from kyoso.core.limits import max_request_bytes

UPLOAD_FIELD = "files"


def _thread_url(channel: Channel, message: Message) -> str:
    root_id = message.thread_root_id or message.pk
    return reverse("chat:thread", args=[channel.slug, root_id]) + f"#t-{message.pk}"


def _channel_url(channel: Channel, message: Message | None = None) -> str:
    url = reverse("chat:channel", args=[channel.slug])
    return f"{url}#m-{message.pk}" if message is not None else url


@csrf_exempt  # checked by csrf_protect below, once the upload limit is in place
@login_required
@require_POST
def post(request: MemberRequest, slug: str) -> HttpResponse:
    """Post to the channel, or reply in a thread (``thread``), with files (``files``) if any.

    A body declared larger than any allowed upload is refused before a byte of it is read.
    """
    if declared_length(request) > max_request_bytes():
        return _refuse_post(request, slug, FileTooLarge())
    limit_upload_size(request)
    return _post(request, slug)


def _refuse_post(
    request: MemberRequest, slug: str, error: MemberFacingError, *, text: str = ""
) -> HttpResponse:
    if wants_fragment(request):
        return refusal_response(error)
    try:
        channel = queries.channel_for(request.user, slug)
    except ChannelNotFound as missing:
        raise Http404(str(missing)) from None
    thread_id = positive_id(request.POST.get("thread"))
    return render_channel(
        request,
        channel,
        thread_root_id=thread_id,
        draft="" if thread_id else text,
        thread_draft=text if thread_id else "",
        error=str(error),
        status=error.status,
    )


@csrf_protect
def _post(request: MemberRequest, slug: str) -> HttpResponse:
    files = request.FILES.getlist(UPLOAD_FIELD)
    if getattr(request, TOO_LARGE_FLAG, False):
        # The fields sent before the file (the text, the thread) were read before reading stopped.
        return _refuse_post(request, slug, FileTooLarge(), text=request.POST.get("text", ""))
    text = request.POST.get("text", "")
    try:
        channel = queries.channel_for(request.user, slug)
        thread_id = positive_id(request.POST.get("thread"))
        thread = queries.readable_message(request.user, thread_id) if thread_id else None
        also = request.POST.get("also_in_channel") == "1"
        message, _added = actions.post_message_with_files(
            author=request.user, channel=channel, text=text, files=files, thread=thread, also_in_channel=also
        )
    except MemberFacingError as error:
        return _refuse_post(request, slug, error, text=text)
    redirect_to = _thread_url(channel, message) if message.thread_root_id else _channel_url(channel, message)
    html = render_messages(request, channel, [message], in_thread=message.thread_root_id is not None)
    return answer(
        request,
        redirect_to=redirect_to,
        payload={"id": message.pk, "html": html[message.pk], "thread_root_id": message.thread_root_id},
        status=201,
    )


def _own_message(
    request: MemberRequest, slug: str, message_id: int, *, moderators_too: bool = False
) -> tuple[Channel, Message]:
    """The member's own message (or, for ``moderators_too``, any they can read as a moderator)."""
    try:
        channel = queries.channel_for(request.user, slug)
        message = queries.readable_message(request.user, message_id)
    except MemberFacingError as error:
        raise Http404(str(error)) from None
    if message.channel_id != channel.pk or message.deleted_at is not None:
        raise Http404(str(MessageNotFound.message))
    mine = message.author_id == request.user.pk
    if not (mine or (moderators_too and queries.is_moderator(request.user))):
        raise NotAllowed()
    return channel, message


def _refuse_change(request: MemberRequest, error: MemberFacingError) -> HttpResponse:
    if wants_fragment(request):
        return refusal_response(error)
    raise PermissionDenied(str(error))


def _back(channel: Channel, message: Message) -> str:
    return _thread_url(channel, message) if message.thread_root_id else _channel_url(channel, message)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: MemberRequest, slug: str, message_id: int) -> HttpResponse:
    """Edit one's own message; the earlier text is kept as a revision that moderators can read."""
    try:
        channel, message = _own_message(request, slug, message_id)
    except NotAllowed as not_allowed:
        return _refuse_change(request, not_allowed)
    text = message.text
    error = ""
    status = 200
    if request.method == "POST":
        text = request.POST.get("text", "")
        try:
            message = actions.edit_message(member=request.user, message=message, text=text)
        except MemberFacingError as refused:
            if wants_fragment(request):
                return refuse(request, refused, redirect_to=_back(channel, message))
            error, status = str(refused), refused.status
        else:
            html = render_messages(request, channel, [message], in_thread=message.thread_root_id is not None)
            return answer(
                request,
                redirect_to=_back(channel, message),
                payload={"id": message.pk, "html": html[message.pk]},
            )
    context = {
        "nav": "channels",
        "channel": channel,
        "message": message,
        "text": text,
        "error": error,
        "back": _back(channel, message),
        "current_channel_slug": channel.slug,
    }
    return render(request, "chat/edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request: MemberRequest, slug: str, message_id: int) -> HttpResponse:
    """Delete a message (one's own, or any as a moderator): a tombstone stays, the thread stays intact."""
    try:
        channel, message = _own_message(request, slug, message_id, moderators_too=True)
    except NotAllowed as error:
        return _refuse_change(request, error)
    if request.method == "POST":
        try:
            message = actions.delete_message(member=request.user, message=message)
        except MemberFacingError as refused:
            return refuse(request, refused, redirect_to=_back(channel, message))
        html = render_messages(request, channel, [message], in_thread=message.thread_root_id is not None)
        return answer(
            request,
            redirect_to=_back(channel, message),
            notice=_("メッセージを削除しました。"),
            payload={"id": message.pk, "html": html[message.pk]},
        )
    context = {
        "nav": "channels",
        "channel": channel,
        "message": message,
        "back": _back(channel, message),
        "current_channel_slug": channel.slug,
    }
    return render(request, "chat/delete.html", context)
