from __future__ import annotations

from django.contrib import admin

from kyoso.chat.models import Channel, Stamp


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "category", "kind", "posting_policy", "is_default", "last_message_at"]
    list_filter = ["category", "kind", "posting_policy", "is_default"]
    search_fields = ["name", "slug", "title", "purpose"]
    readonly_fields = ["created_at", "last_message_at", "created_by"]


@admin.register(Stamp)
class StampAdmin(admin.ModelAdmin):
    list_display = ["name", "emoji", "is_default", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["name"]
