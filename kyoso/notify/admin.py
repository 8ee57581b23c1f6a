"""Notifications in the admin: read-only, for operators who look into "why did I (not) get a mail?".

Sent e-mails are under core (メール). Members change their own choices on their settings page.
"""

from django.contrib import admin

from kyoso.core.admin_base import ReadOnlyAdmin
from kyoso.notify.models import DigestLog, Notification, NotificationSettings, PushSubscription


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "kind", "actor", "channel", "created_at", "read_at", "mail_state"]
    list_filter = ["kind", "mail_state"]
    list_select_related = ["recipient", "actor", "channel"]
    search_fields = ["recipient__display_name", "recipient__email"]
    raw_id_fields = ["recipient", "actor", "channel", "message", "thread_root", "mail"]


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(ReadOnlyAdmin):
    list_display = [
        "member",
        "email_missed",
        "hide_content",
        "quiet_from",
        "quiet_until",
        "digest",
        "updated_at",
    ]
    list_filter = ["email_missed", "digest", "hide_content"]
    list_select_related = ["member"]
    search_fields = ["member__display_name", "member__email"]
    exclude = ["unsubscribe_key"]


@admin.register(DigestLog)
class DigestLogAdmin(ReadOnlyAdmin):
    list_display = ["member", "slot", "sent_at"]
    list_select_related = ["member"]
    search_fields = ["member__display_name", "member__email"]
    exclude = ["claim"]


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnlyAdmin):
    # The endpoint and keys address one browser; an operator sees whose it is and when it was used.
    list_display = ["member", "created_at", "last_sent_at"]
    list_select_related = ["member"]
    search_fields = ["member__display_name", "member__email"]
    exclude = ["endpoint", "p256dh", "auth", "session"]
