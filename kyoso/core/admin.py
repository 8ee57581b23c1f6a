"""The kernel's own records in the admin, read-only: every mail with its status (a failed one is for
an operator to look into) and the running workers."""

from __future__ import annotations

from django.contrib import admin

from kyoso.core.admin_base import ReadOnlyAdmin
from kyoso.core.models import Mail, WorkerHeartbeat


@admin.register(Mail)
class MailAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "to", "subject", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["to", "subject"]
    # Bodies hold sign-in links: an operator must not be able to use a member's link.
    exclude = ["body"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["worker_id", "hostname", "pid", "started_at", "seen_at"]
