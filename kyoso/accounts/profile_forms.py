"""Forms of the profile pages: the member's own details, a change of organisation, coming back."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kyoso.accounts.forms import EmailAddressField
from kyoso.accounts.models import Member
from kyoso.accounts.registration_forms import DescribedErrorsMixin, resolve_organization
from kyoso.core.errors import MemberFacingError

INPUT = {"class": "field__input"}


class ProfileForm(DescribedErrorsMixin, forms.ModelForm):
    class Meta:
        model = Member
        fields = ["display_name", "full_name", "full_name_kana", "department", "title", "bio", "interests"]
        widgets = {
            "display_name": forms.TextInput(attrs={**INPUT, "autocomplete": "nickname"}),
            "full_name": forms.TextInput(attrs={**INPUT, "autocomplete": "name"}),
            "full_name_kana": forms.TextInput(attrs=INPUT),
            "department": forms.TextInput(attrs=INPUT),
            "title": forms.TextInput(attrs={**INPUT, "autocomplete": "organization-title"}),
            "bio": forms.Textarea(attrs={**INPUT, "rows": 5}),
            "interests": forms.TextInput(attrs=INPUT),
        }
        help_texts = {
            "display_name": _("投稿に表示される名前です。"),
            "department": _("投稿の名前の横に、所属団体と一緒に表示されます（例: 久留米市 · 市民課）。"),
            "interests": _("例: 書かない窓口、子育て支援、DX"),
        }


class OrganizationChangeForm(DescribedErrorsMixin, forms.Form):
    organization = forms.CharField(
        label=_("新しい所属団体"),
        help_text=_(
            "名称・よみがな・6桁の団体コードのどれかで入力してください（例: 久留米市、くるめし、402036）。"
        ),
        max_length=200,
        widget=forms.TextInput(attrs={**INPUT, "autocomplete": "off"}),
    )
    # Filled by the type-ahead (organization-combobox.js) when the member picks a suggestion.
    organization_code = forms.CharField(required=False, max_length=6, widget=forms.HiddenInput)
    email = EmailAddressField(
        label=_("新しい所属団体のメールアドレス"),
        help_text=_(
            "確認のリンクをこのアドレスに送ります。確認が済むと、今のアドレスではサインインできなくなります。"
        ),
        max_length=254,
        widget=forms.EmailInput(attrs={**INPUT, "autocomplete": "email"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "organization" in cleaned:
            try:
                cleaned["organization"] = resolve_organization(
                    cleaned["organization"], cleaned.get("organization_code", "")
                )
            except MemberFacingError as error:
                self.add_error("organization", str(error))
        return cleaned


class ReactivationForm(DescribedErrorsMixin, forms.Form):
    email = EmailAddressField(
        label=_("メールアドレス"),
        max_length=254,
        widget=forms.EmailInput(attrs={**INPUT, "autocomplete": "email"}),
    )
