"""Conversations: チャンネル (channel), メッセージ (message), スレッド (thread), スタンプ (stamp),
メンション (mention), ピン留め (pin), あとで読む (saved message), 編集履歴 (revision).

Models hold data and invariants only; every change goes through kyoso.chat.actions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
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
    # A direct conversation's sorted member ids ("3,8,15"): the same people always get the same DM.
    direct_key = models.CharField(max_length=200, null=True, blank=True, unique=True, editable=False)
    # The number of the channel's latest ChannelChange (0: none yet), taken under the channel's row lock.
    change_seq = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["category", "name"]
        verbose_name = _("チャンネル")
        verbose_name_plural = _("チャンネル")

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.kind == ChannelKind.PUBLIC


class NotifyLevel(models.TextChoices):
    """How much of a joined channel reaches the member as notifications (通知)."""

    ALL = "all", _("すべての投稿")
    MENTIONS = "mentions", _("メンションとフォロー中のスレッドだけ")
    # No notifications but a direct @mention of the member, and no unread count in the totals.
    MUTED = "muted", _("ミュート")


class ChannelMembership(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(_("参加日時"))
    # Keyset read state: every message with a larger id is unread.
    last_read_message_id = models.BigIntegerField(default=0)
    notify_level = models.CharField(
        _("通知"), max_length=10, choices=NotifyLevel.choices, default=NotifyLevel.MENTIONS
    )

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
    # @channel or @here: everyone who belongs to the channel is mentioned (no Mention row each).
    mentions_channel = models.BooleanField(default=False)
    pinned_at = models.DateTimeField(_("ピン留め日時"), null=True, blank=True)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            # Keyset pagination of a channel's main stream and of a thread.
            models.Index(fields=["channel", "id"], name="chat_msg_channel_id"),
            models.Index(fields=["thread_root", "id"], name="chat_msg_thread_id"),
            # A channel's pins, read on every channel page: without it the read walks the whole channel
            # (178 ms at 300,000 messages in one channel, `kyoso bench history`). Pins are few: partial.
            models.Index(
                fields=["channel", "pinned_at"], condition=Q(pinned_at__isnull=False), name="chat_msg_pinned"
            ),
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


class ChangeKind(models.TextChoices):
    """What a ChannelChange did, and so which live event it published."""

    CREATED = "created"  # posted: message.created
    EDITED = "edited"  # its text: message.updated
    FILES = "files"  # files attached: message.updated
    PINNED = "pinned"  # pinned or unpinned: message.updated
    DELETED = "deleted"  # message.deleted
    REPLIED = "replied"  # a reply in its thread (the change is the root's): thread.replied
    STAMPED = "stamped"  # a stamp pressed: reaction.added
    UNSTAMPED = "unstamped"  # a stamp taken back: reaction.removed


class ChannelChange(models.Model):
    """One change to what a channel's page shows, numbered 1, 2, 3… per channel in commit order.

    Written in the transaction of the change it records (kyoso.chat.actions.changes); catch-up after a
    reconnect replays those after the client's ``seq`` (kyoso.chat.replay). Only the ids are kept: a
    replay draws each message as it is now.
    """

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=16, choices=ChangeKind.choices)
    # Not a foreign key: purging messages (kyoso.chat.actions.bulk) deletes rows without a cascade.
    message_id = models.BigIntegerField()
    # A stamp pressed or taken back: which stamp, by whom.
    stamp_id = models.BigIntegerField(null=True, blank=True)
    member_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "seq"], name="unique_channel_change_seq")]

    def __str__(self) -> str:
        return f"{self.channel_id}#{self.seq} {self.kind} {self.message_id}"


class Stamp(models.Model):
    """A stamp (スタンプ): a Unicode emoji or a custom word stamp such as 「共創」."""

    name = models.CharField(_("名前"), max_length=32, unique=True)
    emoji = models.CharField(_("絵文字"), max_length=16, blank=True)
    # A custom stamp's picture: a small PNG re-drawn by kyoso (kyoso.chat.stamp_images), in storage.
    image = models.CharField(_("画像"), max_length=255, blank=True)
    is_default = models.BooleanField(_("標準スタンプ"), default=False)
    sort_order = models.PositiveSmallIntegerField(default=100)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("スタンプ")
        verbose_name_plural = _("スタンプ")

    def __str__(self) -> str:
        return self.name

    @property
    def image_url(self) -> str | None:
        return reverse("chat:stamp_image", args=[self.pk]) if self.image else None


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


class MessageRevision(models.Model):
    """編集履歴: the text a message had before an edit, kept for moderators."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    text = models.TextField(_("編集前の本文"))
    # When that text was written: the post time for the first revision, else the previous edit.
    written_at = models.DateTimeField(_("記入日時"))
    replaced_at = models.DateTimeField(_("編集日時"))

    class Meta:
        ordering = ["message", "id"]
        verbose_name = _("編集履歴")
        verbose_name_plural = _("編集履歴")

    def __str__(self) -> str:
        return f"revision of {self.message_id}"


class Mention(models.Model):
    """メンション: a member named in a message with ``@[表示名](member:123)``."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "member"], name="unique_mention")]
        indexes = [models.Index(fields=["member", "message"], name="chat_mention_member")]

    def __str__(self) -> str:
        return f"{self.member_id} in {self.message_id}"


class SavedMessage(models.Model):
    """あとで読む: a message a member keeps to come back to."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    saved_at = models.DateTimeField(_("保存日時"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "message"], name="unique_saved_message")]

    def __str__(self) -> str:
        return f"{self.message_id} saved by {self.member_id}"


class ThreadFollow(models.Model):
    """Following a thread (スレッドをフォロー): its author and repliers follow until they unfollow."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="thread_follows"
    )
    thread_root = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="follows")
    # An unfollow is kept (following=False), so a later reply by someone else does not re-follow.
    following = models.BooleanField(default=True)
    # Keyset read state of the thread's replies.
    last_read_reply_id = models.BigIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "thread_root"], name="unique_thread_follow"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} follows {self.thread_root_id}"


class Attachment(models.Model):
    """A file (添付ファイル) attached to a message; served only to members who can read the message.

    The stored file lives under a random path in the default storage: the member's file name is kept
    only for display and for the download's Content-Disposition, never as a path.
    """

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attachments"
    )
    name = models.CharField(_("ファイル名"), max_length=255)
    # Detected from the content (magic bytes), never from the name or the browser's claim.
    content_type = models.CharField(_("種類"), max_length=120)
    size = models.PositiveBigIntegerField(_("サイズ"))
    sha256 = models.CharField(max_length=64)
    storage_path = models.CharField(max_length=255, unique=True)
    thumbnail_path = models.CharField(max_length=255, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("アップロード日時"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("添付ファイル")
        verbose_name_plural = _("添付ファイル")

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return bool(self.thumbnail_path)
