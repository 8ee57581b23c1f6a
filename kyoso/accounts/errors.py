"""Errors a member or applicant can cause; each carries a message in the member's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kyoso.core.errors import MemberFacingError
from kyoso.core.errors import RateLimited as RateLimited


class AccountError(MemberFacingError):
    pass


class LinkInvalid(AccountError):
    message = _("このリンクは無効です。メールのリンクをもう一度確認してください。")


class LinkExpired(AccountError):
    message = _("このリンクは有効期限が切れています。もう一度お申し込みください。")


class LinkUsed(AccountError):
    message = _("このリンクはすでに使われています。")


class SignInLocked(AccountError):
    # The same words whether or not the address is registered: a lockout must not confirm an account.
    message = _(
        "サインインの失敗が続いたため、このメールアドレスでのサインインを一時的に止めています。"
        "しばらく待ってからもう一度お試しください。"
    )


class CodeInvalid(AccountError):
    message = _(
        "確認コードが正しくないか、すでに使われています。認証アプリの新しいコードを入力してください。"
    )


class RecoveryCodeRequired(AccountError):
    message = _(
        "確認コードの失敗が続いているため、いまは回復コードでのみ確認できます。"
        "回復コードを入力するか、いつもの端末からサインインしてください。"
    )


class ReauthenticationFailed(AccountError):
    message = _("パスワードまたは確認コードが正しくありません。入力内容を確認してください。")


class ReauthenticationMissing(AccountError):
    message = _("パスワードまたは確認コードを入力してください。")


class TwoFactorRequired(AccountError):
    message = _("運営とモデレーターは二段階認証を止められません。")


class TwoFactorNotEnrolled(AccountError):
    message = _("二段階認証はまだ設定されていません。")


class RecoveryCodesDownloadGone(AccountError):
    # The codes are shown once: a later download would need them in clear again.
    message = _(
        "回復コードのファイルは、コードを作った直後に一度だけダウンロードできます。"
        "必要なら、新しい回復コードを作ってください（前のコードは使えなくなります）。"
    )


class PasswordRejected(AccountError):
    message = _("このパスワードは使えません。")


# ---- Registration (参加登録), review and invitations -------------------------------------------


class OrganizationRequired(AccountError):
    message = _("所属団体を選んでください。名称・よみがな・6桁の団体コードで探せます。")


class OrganizationAmbiguous(AccountError):
    message = _("候補が複数あります。一覧から選ぶか、6桁の団体コードを入力してください。")


class OtherBodyIncomplete(AccountError):
    message = _("一部事務組合・広域連合などの場合は、団体名と都道府県を入力してください。")


class AlreadyMember(AccountError):
    message = _("このメールアドレスはすでにメンバーとして登録されています。")


class ApplicationAlreadyDecided(AccountError):
    message = _("この申請はすでに審査済みです。一覧を更新してください。")


class RejectionReasonRequired(AccountError):
    message = _("却下の理由を入力してください。申請者へのメールに記載されます。")


class NotAllowed(AccountError):
    status = 403
    message = _("この操作を行う権限がありません。")


# ---- Profile, roles, reconfirmation (lifecycle) -----------------------------------------------


class OrganizationEmailMismatch(AccountError):
    message = _(
        "新しいメールアドレスのドメインが、選んだ所属団体のものと一致しません。"
        "所属団体のメールアドレスを入力するか、運営にお問い合わせください。"
    )


class EmailUnchanged(AccountError):
    message = _("所属団体もメールアドレスも今と同じです。変更する内容を入力してください。")


class EmailAlreadyUsed(AccountError):
    message = _("このメールアドレスは別のメンバーが使っています。運営にお問い合わせください。")


class InvalidRole(AccountError):
    message = _("この役割は指定できません。")


class AmbassadorTermInvalid(AccountError):
    message = _("アンバサダーの任期の終わりは今日より後の日付にしてください。")


class LastOperator(AccountError):
    message = _("運営が一人もいなくなるため、この変更はできません。先に別の運営を任命してください。")


class ReactivationRefused(AccountError):
    message = _(
        "このアカウントは運営の判断で停止されているため、メールの確認では再開できません。"
        "運営にお問い合わせください。"
    )
