from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kyoso.chat.models import (
    Channel,
    ChannelChange,
    ChannelMembership,
    Mention,
    Message,
    MessageRevision,
    Reaction,
    SavedMessage,
    Stamp,
    ThreadFollow,
)
from kyoso.core.admin_base import AuditedAdmin, ReadOnlyAdmin, name_in_japanese

name_in_japanese(ChannelMembership, _("チャンネルの参加"))
name_in_japanese(Reaction, _("押されたスタンプ"))
name_in_japanese(Mention, _("メンション"))
name_in_japanese(SavedMessage, _("あとで読む"))
name_in_japanese(ThreadFollow, _("スレッドのフォロー"))
name_in_japanese(ChannelChange, _("チャンネルの変更履歴"))


@admin.register(Channel)
class ChannelAdmin(AuditedAdmin):
    list_display = ["name", "slug", "category", "kind", "posting_policy", "is_default", "last_message_at"]
    list_filter = ["category", "kind", "posting_policy", "is_default"]
    search_fields = ["name", "slug", "title", "purpose"]
    readonly_fields = ["created_at", "last_message_at", "created_by"]


@admin.register(Stamp)
class StampAdmin(AuditedAdmin):
    list_display = ["name", "emoji", "is_default", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["name"]
    # The picture is a storage path kyoso itself chose: typed by hand it could point at any stored
    # file (another channel's attachment), so it is added only through the stamp page or the API.
    readonly_fields = ["image"]


@admin.register(ChannelMembership)
class ChannelMembershipAdmin(ReadOnlyAdmin):
    list_display = ["channel", "member", "joined_at"]
    search_fields = ["channel__name", "member__email", "member__display_name"]
    list_select_related = ["channel", "member"]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    # Messages change through kyoso.chat.actions (counters, read state, search); moderation comes later.
    list_display = ["id", "channel", "author", "created_at", "deleted_at"]
    list_filter = ["channel"]
    search_fields = ["text", "author__display_name"]
    list_select_related = ["channel", "author"]
    exclude = ["html"]


@admin.register(Reaction)
class ReactionAdmin(ReadOnlyAdmin):
    list_display = ["message", "member", "stamp", "created_at"]
    list_select_related = ["member", "stamp"]


@admin.register(MessageRevision)
class MessageRevisionAdmin(ReadOnlyAdmin):
    list_display = ["message", "written_at", "replaced_at"]
    list_select_related = ["message"]


@admin.register(Mention)
class MentionAdmin(ReadOnlyAdmin):
    list_display = ["message", "member"]
    list_select_related = ["member"]


@admin.register(ChannelChange)
class ChannelChangeAdmin(ReadOnlyAdmin):
    # Written with each change, for catch-up after a reconnect (kyoso.chat.replay); never edited.
    list_display = ["channel", "seq", "kind", "message_id"]
    list_filter = ["kind"]
    list_select_related = ["channel"]


@admin.register(SavedMessage)
class SavedMessageAdmin(ReadOnlyAdmin):
    list_display = ["message", "member", "saved_at"]
    list_select_related = ["member"]


@admin.register(ThreadFollow)
class ThreadFollowAdmin(ReadOnlyAdmin):
    list_display = ["thread_root", "member", "following"]
    list_select_related = ["member"]


# Attached files: read-only here; the bytes are served only through the checked views.
from kyoso.chat.models import Attachment  # noqa: E402 - appended apart from the block above


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["name", "content_type", "size", "message", "uploaded_by", "created_at"]
    search_fields = ["name", "sha256"]
    list_select_related = ["uploaded_by"]
    exclude = ["storage_path", "thumbnail_path"]
