"""The bell's pages (通知): the member's notifications, opening one, and marking them all read.

Opening a notification (``/notifications/<id>/``) is a GET because it is a link: it marks the item read
(which changes nothing the second time) and sends the member on to what it points at.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from kyoso.accounts.requests import MemberRequest
from kyoso.core.errors import FRAGMENT_HEADER
from kyoso.core.validation import parse_id
from kyoso.notify import actions, kinds, queries
from kyoso.notify.errors import NotificationNotFound


def _wants_json(request: MemberRequest) -> bool:
    """A form sent by a script (the same header chat's forms send): answer JSON, not a redirect."""
    return request.headers.get(FRAGMENT_HEADER) == "1"


def _before(raw: str | None) -> int | None:
    return None if raw in (None, "") else parse_id(str(raw), field="before")


@login_required
@require_safe
@never_cache
def notification_list(request: MemberRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    before = _before(request.GET.get("before"))
    page = queries.notification_page(request.user, before=before, unread_only=unread_only)
    snippets = queries.message_snippets(page.items)
    items = [
        {"notification": item, "line": kinds.describe(item), "snippet": snippets.get(item.pk, "")}
        for item in page.items
    ]
    context = {
        "nav": "notifications",
        "items": items,
        "older_than": page.older_than,
        "unread_only": unread_only,
        "before": before,
        "unread_total": queries.unread_count(request.user),
    }
    return render(request, "notify/list.html", context)


@login_required
@require_safe
def open_notification(request: MemberRequest, notification_id: int) -> HttpResponse:
    item = queries.own_notification(request.user, notification_id)
    if item is None:
        raise Http404(str(NotificationNotFound.message))
    if item.read_at is None:
        actions.mark_read(member=request.user, notification_id=item.pk)
    return HttpResponseRedirect(queries.notification_url(item) or reverse("notifications:list"))


@login_required
@require_POST
def read_all(request: MemberRequest) -> HttpResponse:
    changed = actions.mark_all_read(member=request.user)
    notice = _("すべての通知を既読にしました。") if changed else _("未読の通知はありません。")
    if _wants_json(request):
        return JsonResponse({"ok": True, "notice": notice, "unread": 0, "changed": changed})
    flash.success(request, notice)
    return HttpResponseRedirect(reverse("notifications:list"))
