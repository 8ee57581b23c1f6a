from __future__ import annotations

from django.contrib import admin

from kyoso.core.admin_base import ReadOnlyAdmin
from kyoso.moderation.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit log can be read, never edited or deleted, even by operators."""

    list_display = ["at", "actor", "action", "target_type", "target_label", "ip_address"]
    list_filter = ["action", "target_type"]
    search_fields = ["action", "target_label", "target_id", "actor__email", "reason"]
    list_select_related = ["actor"]
    date_hierarchy = "at"
