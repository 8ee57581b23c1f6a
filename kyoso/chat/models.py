"""Conversations: チャンネル (channel), メッセージ (message), スレッド (thread), スタンプ (stamp).

Models hold data and invariants only; every change goes through kyoso.chat.actions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ChannelCategory(models.TextChoices):
    THEME = "theme", _("テーマ")
    REGION = "region", _("地域")
    CASUAL = "casual", _("雑談")
    ANNOUNCEMENT = "announcement", _("お知らせ")
    QA = "qa", _("Q&A")
    EVENT = "event", _("イベント")


class ChannelKind(models.TextChoices):
    PUBLIC = "public", _("公開")
    PRIVATE = "private", _("非公開")
    DIRECT = "direct", _("ダイレクトメッセージ")


class PostingPolicy(models.TextChoices):
    MEMBERS = "members", _("メンバー全員")
    OPERATORS = "operators", _("運営のみ")


class Channel(models.Model):
    slug = models.SlugField(_("URL名"), max_length=80, unique=True, allow_unicode=True)
    name = models.CharField(_("チャンネル名"), max_length=80)
    category = models.CharField(
        _("カテゴリ"), max_length=16, choices=ChannelCategory.choices, default=ChannelCategory.THEME
    )
    kind = models.CharField(_("種類"), max_length=16, choices=ChannelKind.choices, default=ChannelKind.PUBLIC)
    posting_policy = models.CharField(
        _("投稿できる人"), max_length=16, choices=PostingPolicy.choices, default=PostingPolicy.MEMBERS
    )
    title = models.CharField(_("タイトル"), max_length=200, blank=True)
    purpose = models.TextField(_("目的"), max_length=1000, blank=True)
    is_default = models.BooleanField(_("新メンバーが自動で参加"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("作成日時"))
    last_message_at = models.DateTimeField(_("最終投稿日時"), null=True, blank=True, db_index=True)
    archived_at = models.DateTimeField(_("アーカイブ日時"), null=True, blank=True)

    class Meta:
        ordering = ["category", "name"]
        verbose_name = _("チャンネル")
        verbose_name_plural = _("チャンネル")

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.kind == ChannelKind.PUBLIC


class ChannelMembership(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(_("参加日時"))
    # Keyset read state: every message with a larger id is unread.
    last_read_message_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "member"], name="unique_channel_membership"),
        ]
        indexes = [models.Index(fields=["member", "channel"])]

    def __str__(self) -> str:
        return f"{self.member_id} in {self.channel_id}"


class Message(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages")
    # A reply points at the first message of its thread; the thread's parent has thread_root=None.
    thread_root = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    also_in_channel = models.BooleanField(_("チャンネルにも投稿"), default=False)
    text = models.TextField(_("本文"))
    html = models.TextField()
    created_at = models.DateTimeField(_("投稿日時"), db_index=True)
    edited_at = models.DateTimeField(_("編集日時"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("削除日時"), null=True, blank=True)
    reply_count = models.PositiveIntegerField(default=0)
    last_reply_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # Keyset pagination of a channel's main stream and of a thread.
            models.Index(fields=["channel", "id"], name="chat_msg_channel_id"),
            models.Index(fields=["thread_root", "id"], name="chat_msg_thread_id"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(thread_root=models.F("id")), name="message_not_own_thread"),
        ]
        verbose_name = _("メッセージ")
        verbose_name_plural = _("メッセージ")

    def __str__(self) -> str:
        return f"{self.channel_id}/{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Stamp(models.Model):
    """A stamp (スタンプ): a Unicode emoji or a custom word stamp such as 「共創」."""

    name = models.CharField(_("名前"), max_length=32, unique=True)
    emoji = models.CharField(_("絵文字"), max_length=16, blank=True)
    is_default = models.BooleanField(_("標準スタンプ"), default=False)
    sort_order = models.PositiveSmallIntegerField(default=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("スタンプ")
        verbose_name_plural = _("スタンプ")

    def __str__(self) -> str:
        return self.name


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions")
    stamp = models.ForeignKey(Stamp, on_delete=models.PROTECT, related_name="reactions")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "member", "stamp"], name="unique_reaction"),
        ]

    def __str__(self) -> str:
        return f"{self.stamp_id} on {self.message_id} by {self.member_id}"
