"""The directory in Django's admin: operators correct organisations and manage their e-mail domains."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from kyoso.core.admin_base import AuditedAdmin
from kyoso.core.text import is_reading, normalize_text, to_hiragana
from kyoso.directory.domains import normalize_domain
from kyoso.directory.errors import DirectoryError
from kyoso.directory.models import DomainSource, Organization, OrganizationDomain


class OrganizationDomainForm(forms.ModelForm):
    class Meta:
        model = OrganizationDomain
        fields = ["domain"]

    def clean_domain(self) -> str:
        # The same spelling rules as the actions, so a domain typed here matches e-mail the same way.
        try:
            return normalize_domain(self.cleaned_data["domain"])
        except DirectoryError as error:
            raise ValidationError(str(error)) from None


class OrganizationDomainInline(admin.TabularInline):
    model = OrganizationDomain
    form = OrganizationDomainForm
    fields = ["domain", "source", "created_at"]
    readonly_fields = ["source", "created_at"]
    extra = 1


def _operator_source(instance: OrganizationDomain) -> None:
    # Domains typed in the admin are the operator's: the next load must not remove them.
    if instance.pk is None:
        instance.source = DomainSource.OPERATOR


def _search_reading(queryset: QuerySet[Organization], search_term: str) -> QuerySet[Organization]:
    """Readings are stored in hiragana; let カタカナ and half-width input find them too."""
    reading = to_hiragana(normalize_text(search_term).replace(" ", ""))
    if not is_reading(reading):
        return queryset.none()
    return queryset.filter(Q(kana__startswith=reading))


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "municipality_type",
        "prefecture",
        "region",
        "population_band",
        "population",
        "is_active",
    ]
    list_filter = ["kind", "region", "population_band", "is_active", "municipality_type"]
    search_fields = ["name", "kana", "code", "name_en", "domains__domain"]
    list_select_related = ["prefecture"]
    autocomplete_fields = ["prefecture", "parent"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [OrganizationDomainInline]
    show_full_result_count = False
    # Official sites are all https; Django 6 makes it the default anyway.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Organization], search_term: str
    ) -> tuple[QuerySet[Organization], bool]:
        found, may_have_duplicates = super().get_search_results(
            request, queryset, normalize_text(search_term)
        )
        if search_term:
            found = found | _search_reading(queryset, search_term)
        return found, may_have_duplicates

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for inline_form in formset.forms:
            if isinstance(inline_form.instance, OrganizationDomain):
                _operator_source(inline_form.instance)
        super().save_formset(request, form, formset, change)


@admin.register(OrganizationDomain)
class OrganizationDomainAdmin(AuditedAdmin):
    form = OrganizationDomainForm
    list_display = ["domain", "organization", "source", "created_at"]
    list_filter = ["source"]
    search_fields = ["domain", "organization__name", "organization__code"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]

    def get_fields(
        self, request: HttpRequest, obj: OrganizationDomain | None = None
    ) -> list[str | list[str] | tuple[str, ...] | tuple[()]]:
        return ["organization", "domain"]

    def save_model(self, request: HttpRequest, obj: OrganizationDomain, form: Any, change: bool) -> None:
        _operator_source(obj)
        super().save_model(request, obj, form, change)
