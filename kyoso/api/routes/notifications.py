"""The caller's notifications (通知): the bell's list, and marking them read."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from kyoso.api.routes import caller
from kyoso.api.schemas import ERRORS, NotificationPage, NotificationReadOut
from kyoso.chat.events import author_data
from kyoso.core.validation import MAX_ID, Id
from kyoso.notify import actions, kinds, queries
from kyoso.notify.errors import NotificationNotFound
from kyoso.notify.models import Notification

router = Router(tags=["notifications"])


def _notification_out(request: HttpRequest, item: Notification, snippet: str) -> dict[str, Any]:
    url = queries.notification_url(item)
    return {
        "id": item.pk,
        "kind": item.kind,
        "text": kinds.describe(item),
        "actor": author_data(item.actor) if item.actor is not None else None,
        "channel_id": item.channel_id,
        "message_id": item.message_id,
        "thread_root_id": item.thread_root_id,
        "snippet": snippet,
        "url": request.build_absolute_uri(url) if url else None,
        "created_at": item.created_at,
        "read_at": item.read_at,
    }


@router.get(
    "/notifications", response={200: NotificationPage, **ERRORS}, summary="The caller's notifications"
)
def notification_list(
    request: HttpRequest,
    before: int | None = Query(None, ge=1, le=MAX_ID, description="Notifications older than this id."),
    unread: bool = Query(False, description="Only the unread ones."),
    limit: int = Query(queries.NOTIFICATION_PAGE_SIZE, ge=1, le=100),
) -> dict[str, Any]:
    """Newest first. Opening what a notification points at (reading its channel or thread) reads it."""
    member = caller(request)
    page = queries.notification_page(member, before=before, unread_only=unread, limit=limit)
    snippets = queries.message_snippets(page.items)
    return {
        "items": [_notification_out(request, item, snippets.get(item.pk, "")) for item in page.items],
        "next_before": page.older_than,
        "unread": queries.unread_count(member),
    }


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationReadOut, **ERRORS},
    summary="Mark read",
)
def mark_read(request: HttpRequest, notification_id: Id) -> dict[str, Any]:
    """Mark one of the caller's notifications read (404 for anyone else's)."""
    member = caller(request)
    found = queries.own_notification(member, notification_id)
    if found is None:  # not the caller's, or about what they may no longer read
        raise NotificationNotFound()
    item = actions.mark_read(member=member, notification_id=found.pk)
    changed = 1 if found.read_at is None else 0
    return {"id": item.pk, "changed": changed, "unread": queries.unread_count(member)}


@router.post("/notifications/read", response={200: NotificationReadOut, **ERRORS}, summary="Mark all read")
def mark_all_read(request: HttpRequest) -> dict[str, Any]:
    member = caller(request)
    changed = actions.mark_all_read(member=member)
    return {"id": None, "changed": changed, "unread": queries.unread_count(member)}
