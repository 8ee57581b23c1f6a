"""Errors a member can cause in conversations; the edge shows each in the member's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kyoso.core.errors import MemberFacingError


class ChatError(MemberFacingError):
    pass


class ChannelNotFound(ChatError):
    # The same answer for "does not exist" and "you may not see it": no private channel leaks.
    status = 404
    message = _("チャンネルが見つかりません。")


class NotAllowedToPost(ChatError):
    status = 403
    message = _("このチャンネルには投稿できません。")


class EmptyMessage(ChatError):
    message = _("メッセージが空です。")


class MessageTooLong(ChatError):
    message = _("メッセージが長すぎます。")


class InvalidText(ChatError):
    message = _("メッセージに使えない文字が含まれています。")


class ChannelArchived(ChatError):
    status = 409
    message = _("このチャンネルはアーカイブされています。")


class MessageNotFound(ChatError):
    status = 404
    message = _("メッセージが見つかりません。")


class NotAllowed(ChatError):
    status = 403
    message = _("この操作をする権限がありません。")


class MessageDeleted(ChatError):
    status = 409
    message = _("削除されたメッセージは変更できません。")


class CannotLeaveDirectMessage(ChatError):
    message = _("ダイレクトメッセージからは退出できません。")


class TooManyDirectMembers(ChatError):
    message = _("グループのダイレクトメッセージに参加できる人数を超えています。")


class ChannelMentionNotAllowed(ChatError):
    status = 403
    message = _("このチャンネルでは @channel と @here を使えません。")


class NotJoined(ChatError):
    status = 409
    message = _("このチャンネルに参加していません。参加すると通知を設定できます。")


class InvalidNotifyLevel(ChatError):
    message = _(
        "通知の設定は「すべての投稿」「メンションとフォロー中のスレッドだけ」「ミュート」から選んでください。"
    )


class InvalidChannel(ChatError):
    message = _("チャンネルの内容が正しくありません。")


class InvalidStamp(ChatError):
    message = _("スタンプの名前か絵文字が正しくありません。")


class StampExists(ChatError):
    status = 409
    message = _("同じ名前のスタンプがすでにあります。")


class StampImageNotAllowed(ChatError):
    message = _("スタンプの画像は PNG・JPEG・GIF・WebP で、大きさの上限以内にしてください。")


# Files (添付ファイル)


class AttachmentNotFound(ChatError):
    # The same answer for "does not exist", "deleted" and "you may not see it".
    status = 404
    message = _("ファイルが見つかりません。")


class FileTooLarge(ChatError):
    status = 413
    message = _("ファイルが大きすぎるため添付できません。")


class EmptyFile(ChatError):
    message = _("空のファイルは添付できません。")


class TooManyFiles(ChatError):
    message = _("一度に添付できるファイルの数を超えています。")


class FileTypeNotAllowed(ChatError):
    message = _(
        "このファイル形式は添付できません。添付できるのは PDF、Word・Excel・PowerPoint、"
        "画像（PNG・JPEG・GIF・WebP）、CSV・テキストです。"
    )


class MacroNotAllowed(ChatError):
    message = _("マクロを含む Office 文書は添付できません。マクロのない形式で保存し直してください。")


class ImageTooLarge(ChatError):
    message = _("画像の画素数が多すぎるため添付できません。")


class UnreadableImage(ChatError):
    message = _("画像を読み取れませんでした。ファイルが壊れていないか確かめてください。")
