"""What notify refuses, in the member's language (kyoso.core.errors answers them, never a 500)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kyoso.core.errors import MemberFacingError


class NotifyError(MemberFacingError):
    pass


class NotificationNotFound(NotifyError):
    status = 404
    message = _("通知が見つかりません。")


class UnknownKind(NotifyError):
    message = _("通知の種類が正しくありません。")


class InvalidQuietHours(NotifyError):
    message = _("メールを送らない時間は、始まりと終わりを両方、違う時刻で指定してください。")


class InvalidDigest(NotifyError):
    message = _("まとめメールは「受け取らない」「毎日」「毎週」から選んでください。")


class InvalidUnsubscribeLink(NotifyError):
    status = 400
    message = _("この配信停止のリンクは正しくないか、期限が切れています。通知の設定ページから停止できます。")


class PushNotConfigured(NotifyError):
    """Web Push is off on this server (no VAPID keys): its endpoints answer as if they did not exist."""

    status = 404
    message = _("このサーバーではプッシュ通知を使えません。")


class InvalidPushSubscription(NotifyError):
    message = _(
        "ブラウザから届いたプッシュ通知の登録内容が正しくありません。ページを再読み込みしてもう一度お試しください。"
    )
