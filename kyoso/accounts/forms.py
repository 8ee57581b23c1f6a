"""Forms of the account pages, in the member's language."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kyoso.accounts.actions import lockout, reauth
from kyoso.accounts.models import Member
from kyoso.core.errors import MemberFacingError

# One message for a wrong password, an unknown address and a member who may not sign in:
# the sign-in form must not tell anyone whether an address is registered.
INVALID_SIGN_IN = _("メールアドレスまたはパスワードが正しくありません。入力内容を確認してください。")


class EmailAddressField(forms.EmailField):
    """An address in its one spelling (MemberManager.normalize_email), validated after normalising.

    So a full-width 'ｔａｒｏ@ｃｉｔｙ…' typed with a Japanese input method is accepted as the address
    it is, and every form, budget and lookup sees the same string.
    """

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return Member.objects.normalize_email(text) if text else (text or "")


class SignInForm(AuthenticationForm):
    username = EmailAddressField(
        label=_("メールアドレス"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "class": "field__input"}),
        error_messages={
            "required": _("メールアドレスを入力してください。"),
            "invalid": _("メールアドレスの形式で入力してください（例: taro@city.example.lg.jp）。"),
        },
    )
    password = forms.CharField(
        label=_("パスワード"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "class": "field__input"}),
        error_messages={"required": _("パスワードを入力してください。")},
    )

    error_messages = {
        "invalid_login": INVALID_SIGN_IN,
        "inactive": INVALID_SIGN_IN,
    }

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username")
        if not email or not self.cleaned_data.get("password"):
            return super().clean()
        assert self.request is not None, "the sign-in view passes its request"
        try:
            lockout.check_password_attempt(self.request, email)
        except MemberFacingError as error:
            raise ValidationError(error.message, code="locked") from None
        try:
            cleaned = super().clean()
        except ValidationError:
            lockout.record_password_failure(self.request, email)
            raise
        lockout.clear_password_failures(self.request, email)
        return cleaned

    def full_clean(self) -> None:
        super().full_clean()
        # Tie each message to its input, so a screen reader reads it on focus.
        for name, field in self.fields.items():
            described_by = []
            if self.non_field_errors():
                described_by.append("sign-in-error")
            if name in self.errors:
                described_by.append(f"{self[name].id_for_label}-error")
            if described_by:
                field.widget.attrs["aria-describedby"] = " ".join(described_by)


class SignInLinkForm(forms.Form):
    email = EmailAddressField(
        label=_("メールアドレス"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True, "class": "field__input"}),
        error_messages={
            "required": _("メールアドレスを入力してください。"),
            "invalid": _("メールアドレスの形式で入力してください（例: taro@city.example.lg.jp）。"),
        },
    )


class CodeForm(forms.Form):
    """A six-digit code from the authenticator app, or a recovery code."""

    code = forms.CharField(
        label=_("確認コード"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autofocus": True,
                "class": "field__input",
                "spellcheck": "false",
            }
        ),
        error_messages={"required": _("確認コードを入力してください。")},
    )


class PasswordForm(SetPasswordForm):
    """Set or change the password of the signed-in member; Django's validators check it.

    A member who has a password gives it first, so a borrowed unlocked browser cannot change it; one
    who forgot it opens a fresh sign-in link instead (``ask_current``: False), as with a reset link.
    """

    old_password = forms.CharField(
        label=_("現在のパスワード"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        error_messages={"required": _("現在のパスワードを入力してください。")},
    )
    field_order = ["old_password", "new_password1", "new_password2"]

    def __init__(self, user: Member, *args: Any, request: HttpRequest, ask_current: bool, **kwargs: Any):
        super().__init__(user, *args, **kwargs)
        self.request = request
        if not ask_current:
            del self.fields["old_password"]
        for field in self.fields.values():
            field.widget.attrs["class"] = "field__input"

    def clean_old_password(self) -> str:
        password: str = self.cleaned_data["old_password"]
        try:
            reauth.confirm_current_password(request=self.request, member=self.user, password=password)
        except MemberFacingError as error:
            raise ValidationError(error.message, code="password_incorrect") from None
        return password

    def save(self, commit: bool = True) -> Any:  # pragma: no cover - the view calls the action instead
        raise NotImplementedError("use kyoso.accounts.actions.security.set_password")


class ReauthenticationForm(forms.Form):
    """The current password, or a code from the authenticator app (or a recovery code)."""

    password = forms.CharField(
        label=_("パスワード"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "class": "field__input"}),
    )
    code = forms.CharField(
        label=_("確認コード"),
        required=False,
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "class": "field__input", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args: Any, member: Member, has_two_factor: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not member.has_usable_password():
            del self.fields["password"]
        if not has_two_factor:
            del self.fields["code"]
