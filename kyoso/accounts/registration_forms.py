"""Forms of 参加登録, advisor invitations and the review queue, in the applicant's language."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kyoso.accounts.errors import OrganizationAmbiguous, OrganizationRequired, OtherBodyIncomplete
from kyoso.accounts.forms import EmailAddressField
from kyoso.accounts.signals import registration_channels
from kyoso.core.text import normalize_text
from kyoso.directory.errors import DirectoryError
from kyoso.directory.models import Organization
from kyoso.directory.queries import organization_by_code, prefectures, search_organizations

INPUT = {"class": "field__input"}
CODE_LENGTH = 6


def resolve_organization(text: str, code: str = "") -> Organization:
    """The organisation the applicant means: the type-ahead's code, a typed code, or an exact name.

    Without JavaScript the applicant types a 6-digit code or a name; a name must match one
    organisation exactly (福岡県久留米市, 久留米市, くるめし), otherwise they are asked to choose.
    """
    if code.strip():
        return organization_by_code(code.strip())
    typed = normalize_text(text).replace(" ", "")
    if not typed:
        raise OrganizationRequired()
    if typed.isascii() and typed.isdigit():
        return organization_by_code(typed)
    found = search_organizations(typed, limit=3)
    exact = [o for o in found if getattr(o, "match_rank", 1) == 0]
    if len(exact) == 1:
        return exact[0]
    if len(found) == 1:
        return found[0]
    if not found:
        raise OrganizationRequired(str(_("「%(text)s」に当たる団体が見つかりません。") % {"text": text}))
    raise OrganizationAmbiguous()


class DescribedErrorsMixin:
    """Tie each error to its input, so a screen reader reads it on focus."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            if name in self.errors:  # type: ignore[attr-defined]
                described_by = [f"id_{name}-error"]
                if field.help_text:
                    described_by.append(f"id_{name}_helptext")
                field.widget.attrs["aria-invalid"] = "true"
                field.widget.attrs["aria-describedby"] = " ".join(described_by)


class RegistrationForm(DescribedErrorsMixin, forms.Form):
    email = EmailAddressField(
        label=_("メールアドレス"),
        help_text=_("所属団体のメールアドレス（lg.jp・go.jp など）を入力してください。"),
        max_length=254,
        widget=forms.EmailInput(attrs={**INPUT, "autocomplete": "email"}),
        error_messages={
            "required": _("メールアドレスを入力してください。"),
            "invalid": _("メールアドレスの形式で入力してください（例: taro@city.example.lg.jp）。"),
        },
    )
    full_name = forms.CharField(
        label=_("氏名"),
        max_length=100,
        widget=forms.TextInput(attrs={**INPUT, "autocomplete": "name"}),
        error_messages={"required": _("氏名を入力してください。")},
    )
    full_name_kana = forms.CharField(
        label=_("氏名（よみがな）"), max_length=200, required=False, widget=forms.TextInput(attrs=INPUT)
    )
    display_name = forms.CharField(
        label=_("表示名"),
        help_text=_("投稿に表示される名前です。"),
        max_length=50,
        widget=forms.TextInput(attrs={**INPUT, "autocomplete": "nickname"}),
        error_messages={"required": _("表示名を入力してください。")},
    )
    organization = forms.CharField(
        label=_("所属団体"),
        help_text=_("団体名・よみがな・6桁の団体コードで探せます（例: 久留米市、くるめ、402036）。"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={**INPUT, "autocomplete": "off", "data-organization-combobox": ""}),
    )
    organization_code = forms.CharField(max_length=6, required=False, widget=forms.HiddenInput())
    is_other_body = forms.BooleanField(
        label=_("一部事務組合・広域連合など、一覧にない公的団体の職員です"), required=False
    )
    other_body_name = forms.CharField(
        label=_("団体名（一部事務組合・広域連合など）"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs=INPUT),
    )
    other_body_prefecture = forms.ModelChoiceField(
        label=_("団体の所在都道府県"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("選んでください"),
        widget=forms.Select(attrs=INPUT),
    )
    department = forms.CharField(
        label=_("部署名"),
        max_length=100,
        widget=forms.TextInput(attrs=INPUT),
        error_messages={"required": _("部署名を入力してください。")},
    )
    title = forms.CharField(
        label=_("役職（任意）"), max_length=100, required=False, widget=forms.TextInput(attrs=INPUT)
    )
    channels: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("参加するチャンネル（任意）"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice__input"}),
    )
    consent = forms.BooleanField(
        label=_("利用規約と行動規範に同意します"),
        error_messages={"required": _("参加するには、利用規約と行動規範への同意が必要です。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channels = registration_channels()
        self.fields["channels"].queryset = channels  # type: ignore[attr-defined]
        # Read here, once, so the template asks no query of its own.
        self.offers_channels = channels.exists()
        self.fields["other_body_prefecture"].queryset = prefectures()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("is_other_body"):
            data["organization_obj"] = None
            if not data.get("other_body_name") or not data.get("other_body_prefecture"):
                self.add_error("other_body_name", str(OtherBodyIncomplete.message))
            return data
        try:
            data["organization_obj"] = resolve_organization(
                data.get("organization", ""), data.get("organization_code", "")
            )
        except (DirectoryError, OrganizationRequired, OrganizationAmbiguous) as error:
            self.add_error("organization", str(error))
        return data


class InvitationForm(DescribedErrorsMixin, forms.Form):
    """An operator invites an advisor."""

    email = EmailAddressField(label=_("メールアドレス"), max_length=254, widget=forms.EmailInput(attrs=INPUT))
    full_name = forms.CharField(label=_("氏名"), max_length=100, widget=forms.TextInput(attrs=INPUT))


class AcceptInvitationForm(DescribedErrorsMixin, forms.Form):
    """What an invited advisor completes before joining."""

    full_name_kana = forms.CharField(
        label=_("氏名（よみがな）"), max_length=200, required=False, widget=forms.TextInput(attrs=INPUT)
    )
    display_name = forms.CharField(label=_("表示名"), max_length=50, widget=forms.TextInput(attrs=INPUT))
    department = forms.CharField(
        label=_("所属（会社・大学など）"), max_length=100, widget=forms.TextInput(attrs=INPUT)
    )
    title = forms.CharField(
        label=_("役職（任意）"), max_length=100, required=False, widget=forms.TextInput(attrs=INPUT)
    )
    consent = forms.BooleanField(
        label=_("利用規約と行動規範に同意します"),
        error_messages={"required": _("参加するには、利用規約と行動規範への同意が必要です。")},
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("却下の理由（申請者へのメールに記載されます）"),
        max_length=2000,
        widget=forms.Textarea(attrs={**INPUT, "rows": 3}),
        error_messages={"required": _("却下の理由を入力してください。申請者へのメールに記載されます。")},
    )
