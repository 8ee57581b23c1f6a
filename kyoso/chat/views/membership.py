"""Joining and leaving channels, creating one, inviting into a private one, opening a direct message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kyoso.accounts.models import Member
from kyoso.accounts.requests import MemberRequest
from kyoso.chat import actions, queries
from kyoso.chat.errors import ChannelNotFound, NotAllowed
from kyoso.chat.models import Channel, ChannelCategory, ChannelKind, NotifyLevel
from kyoso.chat.views._common import answer, positive_id, refuse, safe_next
from kyoso.core.errors import MemberFacingError


def _channel(request: MemberRequest, slug: str) -> Channel:
    try:
        return queries.channel_for(request.user, slug)
    except ChannelNotFound as error:
        raise Http404(str(error)) from None


@login_required
@require_POST
def join(request: MemberRequest, slug: str) -> HttpResponse:
    channel = _channel(request, slug)
    url = reverse("chat:channel", args=[channel.slug])
    try:
        actions.join_channel(member=request.user, channel=channel)
    except MemberFacingError as error:
        return refuse(request, error, redirect_to=safe_next(request, url))
    return answer(
        request,
        redirect_to=safe_next(request, url),
        notice=_("#%(name)s に参加しました。") % {"name": channel.name},
    )


@login_required
@require_POST
def leave(request: MemberRequest, slug: str) -> HttpResponse:
    channel = _channel(request, slug)
    url = reverse("chat:channel", args=[channel.slug])
    try:
        actions.leave_channel(member=request.user, channel=channel)
    except MemberFacingError as error:
        return refuse(request, error, redirect_to=url)
    # After leaving a private channel its page is gone for the member: go back to the directory.
    return answer(
        request,
        redirect_to=reverse("chat:directory") if not channel.is_public else url,
        notice=_("#%(name)s から退出しました。") % {"name": channel.name},
    )


class ChannelForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("チャンネル名"), max_length=80)
    category = forms.ChoiceField(label=gettext_lazy("カテゴリ"), choices=ChannelCategory.choices)
    kind = forms.ChoiceField(
        label=gettext_lazy("公開範囲"),
        choices=[
            (ChannelKind.PUBLIC, ChannelKind.PUBLIC.label),
            (ChannelKind.PRIVATE, ChannelKind.PRIVATE.label),
        ],
        widget=forms.RadioSelect,
        initial=ChannelKind.PUBLIC,
    )
    title = forms.CharField(label=gettext_lazy("タイトル"), max_length=120, required=False)
    purpose = forms.CharField(
        label=gettext_lazy("目的"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "kind":
                field.widget.attrs["class"] = "field__input"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def create(request: MemberRequest) -> HttpResponse:
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            channel = actions.create_channel(creator=request.user, **form.cleaned_data)
        except MemberFacingError as error:
            form.add_error(None, str(error))
        else:
            return answer(
                request,
                redirect_to=reverse("chat:channel", args=[channel.slug]),
                notice=_("#%(name)s を作成しました。") % {"name": channel.name},
            )
    status = 400 if request.method == "POST" else 200
    return render(request, "chat/create.html", {"nav": "channels", "form": form}, status=status)


def _members(request: MemberRequest, field: str) -> list[Member]:
    """Members picked in a form (ids)."""
    ids = [positive_id(raw) for raw in request.POST.getlist(field)]
    return queries.picked_members(request.user, [i for i in ids if i])


@login_required
@require_POST
def invite(request: MemberRequest, slug: str) -> HttpResponse:
    channel = _channel(request, slug)
    url = reverse("chat:channel", args=[channel.slug])
    invited = []
    try:
        for person in _members(request, "member"):
            actions.invite_to_channel(inviter=request.user, channel=channel, invitee=person)
            invited.append(person.display_name)
    except MemberFacingError as error:
        return refuse(request, error, redirect_to=url)
    notice = _("%(names)s を招待しました。") % {"names": "、".join(invited)} if invited else ""
    return answer(request, redirect_to=url, notice=notice)


@login_required
@require_POST
def open_direct(request: MemberRequest) -> HttpResponse:
    """Open (or reopen) the direct conversation with the chosen members."""
    try:
        others = _members(request, "member")
        if not others:
            raise ChannelNotFound()
        channel = actions.open_direct_conversation(member=request.user, others=others)
    except MemberFacingError as error:
        return refuse(request, error, redirect_to=safe_next(request, reverse("chat:directory")))
    url = reverse("chat:channel", args=[channel.slug])
    return answer(request, redirect_to=url, payload={"url": url})


@login_required
@require_POST
def archive(request: MemberRequest, slug: str) -> HttpResponse:
    channel = _channel(request, slug)
    url = reverse("chat:channel", args=[channel.slug])
    try:
        if channel.archived_at is None:
            actions.archive_channel(member=request.user, channel=channel)
            notice = _("チャンネルをアーカイブしました。")
        else:
            actions.unarchive_channel(member=request.user, channel=channel)
            notice = _("アーカイブを解除しました。")
    except MemberFacingError as error:
        return refuse(request, error, redirect_to=url)
    return answer(request, redirect_to=url, notice=notice)


class ChannelSettingsForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("チャンネル名"), max_length=80)
    title = forms.CharField(label=gettext_lazy("タイトル"), max_length=120, required=False)
    purpose = forms.CharField(
        label=gettext_lazy("目的"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "field__input"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def channel_settings(request: MemberRequest, slug: str) -> HttpResponse:
    """Rename and describe a channel; archive it or bring it back."""
    channel = _channel(request, slug)
    if not queries.can_edit_channel(request.user, channel):
        raise PermissionDenied(str(NotAllowed.message))
    initial = {"name": channel.name, "title": channel.title, "purpose": channel.purpose}
    form = ChannelSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_channel(member=request.user, channel=channel, **form.cleaned_data)
        except MemberFacingError as error:
            form.add_error(None, str(error))
        else:
            return answer(
                request,
                redirect_to=reverse("chat:channel", args=[channel.slug]),
                notice=_("チャンネルの設定を保存しました。"),
            )
    context = {
        "nav": "channels",
        "channel": channel,
        "form": form,
        "can_manage": queries.can_manage_channel(request.user, channel),
        "current_channel_slug": channel.slug,
    }
    return render(request, "chat/settings.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def notify_level(request: MemberRequest, slug: str) -> HttpResponse:
    """How much of the channel notifies the member: every post, mentions and followed threads, or
    muted. A bad value is answered by kyoso.core's error handling (400, in the member's language)."""
    channel = _channel(request, slug)
    url = reverse("chat:channel", args=[channel.slug])
    level = request.POST.get("level", "")
    membership = actions.set_notify_level(member=request.user, channel=channel, level=level)
    return answer(
        request,
        redirect_to=safe_next(request, url),
        notice=_("#%(name)s の通知を「%(level)s」にしました。")
        % {"name": channel.name, "level": NotifyLevel(membership.notify_level).label},
        payload={"notify_level": membership.notify_level, "channel_id": channel.pk},
    )
