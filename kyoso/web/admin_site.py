"""The admin (管理画面) site: open only to active operators who passed two-factor.

This module is imported while apps load (``KyosoAdminConfig`` replaces ``django.contrib.admin`` in
INSTALLED_APPS), so it imports no models at the top. The audited ModelAdmin base is in kyoso.core.admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _


def is_operator_with_second_factor(request: HttpRequest) -> bool:
    from kyoso.accounts.actions.security import second_factor_verified

    member = request.user
    return bool(
        member.is_authenticated
        and member.is_active
        and getattr(member, "is_operator", False)
        and second_factor_verified(request)
    )


class KyosoAdminSite(admin.AdminSite):
    site_header = _("kyoso 管理画面")
    site_title = _("kyoso 管理画面")
    index_title = _("運営のための管理画面")

    def has_permission(self, request: HttpRequest) -> bool:
        # is_staff alone is not enough: the role must be 運営 and the second factor done.
        return is_operator_with_second_factor(request)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        # One sign-in for everyone, with its lockout and two-factor; the admin has no form of its own.
        if request.user.is_authenticated:
            return redirect("web:home")
        next_url = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('accounts:sign_in')}?{urlencode({'next': next_url})}")


class KyosoAdminConfig(AdminConfig):
    default_site = "kyoso.web.admin_site.KyosoAdminSite"
