"""Errors people can cause in the directory; the edge shows each in the reader's language."""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kyoso.core.errors import MemberFacingError


class DirectoryError(MemberFacingError):
    message = _("団体名簿の操作を完了できませんでした。")


class InvalidOrganizationCode(DirectoryError):
    message = _("団体コードは6桁の数字で入力してください。")

    @classmethod
    def wrong_check_digit(cls, code: str) -> InvalidOrganizationCode:
        return cls(
            format_lazy(
                _(
                    "団体コード「{code}」のチェックディジット（6桁目）が正しくありません。入力を確かめてください。"
                ),
                code=code,
            )
        )


class OrganizationNotFound(DirectoryError):
    message = _("団体が見つかりません。")


class InvalidDomain(DirectoryError):
    message = _("メールドメインの形式が正しくありません（例: city.kurume.fukuoka.jp）。")


class SharedDomainNotAllowed(InvalidDomain):
    message = _("lg.jp や go.jp のように多くの団体が共有するドメインは登録できません。")


class DomainAlreadyAdded(DirectoryError):
    message = _("このドメインはすでにこの団体に登録されています。")


class DomainNotFound(DirectoryError):
    message = _("このドメインはこの団体に登録されていません。")


class InvalidOrganization(DirectoryError):
    message = _("団体の情報が正しくありません。")


class CodeAlreadyUsed(InvalidOrganization):
    message = _("この団体コードはすでに使われています。")


class DirectoryFileError(DirectoryError):
    """The data file cannot be loaded; the message names the lines at fault."""

    message = _("団体名簿のファイルを読み込めませんでした。")
