"""The member's notification settings (通知の設定) and the one-click unsubscribe link of every mail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kyoso.accounts.requests import MemberRequest
from kyoso.core.errors import MemberFacingError
from kyoso.notify import actions
from kyoso.notify.queries import settings_for
from kyoso.notify.settings_forms import NotificationSettingsForm
from kyoso.notify.unsubscribe_links import check_unsubscribe_link


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: MemberRequest) -> HttpResponse:
    current = settings_for(request.user)
    form = NotificationSettingsForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_settings(member=request.user, **form.choices())
        except MemberFacingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("通知の設定を保存しました。"))
            return redirect("notifications:settings")
    return render(request, "notify/settings/edit.html", {"form": form, "nav": "notification_settings"})


# A mail client's one-click POST (RFC 8058) carries no session and no CSRF token: the signed token in
# the URL is the proof. Only this view is exempt. A GET (a link scanner, a click) only asks.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            actions.unsubscribe_by_link(token=token)
            return render(request, "notify/settings/unsubscribed.html")
        check_unsubscribe_link(token)
    except MemberFacingError as error:
        return render(
            request, "notify/settings/unsubscribe_invalid.html", {"error": error}, status=error.status
        )
    return render(request, "notify/settings/unsubscribe_confirm.html", {"token": token})
