from __future__ import annotations

from django.contrib import admin

from kyoso.notify.models import OutboxEmail
from kyoso.web.admin_audit import ReadOnlyAdmin


@admin.register(OutboxEmail)
class OutboxEmailAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "to", "subject"]
    search_fields = ["to", "subject"]
    # Bodies hold sign-in links: an operator must not be able to use a member's link.
    exclude = ["body"]
