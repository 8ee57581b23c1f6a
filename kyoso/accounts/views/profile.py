"""Profile pages: the member's own details, a change of organisation (人事異動), the yearly
reconfirmation link, coming back after a suspension, and the page of one member."""

from __future__ import annotations

from copy import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kyoso.accounts import queries
from kyoso.accounts.actions import lifecycle, profile
from kyoso.accounts.errors import LinkInvalid
from kyoso.accounts.links import peek_link
from kyoso.accounts.models import LinkPurpose
from kyoso.accounts.profile_forms import OrganizationChangeForm, ProfileForm, ReactivationForm
from kyoso.accounts.requests import MemberRequest
from kyoso.accounts.views.reauth import recent_authentication_required
from kyoso.core.errors import MemberFacingError
from kyoso.core.ratelimit import client_ip, spend

HOUR = 3600


def _link_error(request: HttpRequest, error: MemberFacingError) -> HttpResponse:
    return render(request, "accounts/profile/link_error.html", {"error": error}, status=error.status)


@login_required
@require_http_methods(["GET", "POST"])
def edit_profile(request: MemberRequest) -> HttpResponse:
    # A copy: an invalid form must not change the name in the page header.
    form = ProfileForm(request.POST or None, instance=copy(request.user))
    if request.method == "POST" and form.is_valid():
        profile.update_profile(member=request.user, **form.cleaned_data)
        messages.success(request, _("プロフィールを保存しました。"))
        return redirect("accounts:profile")
    return render(request, "accounts/profile/edit.html", {"form": form, "nav": "profile"})


@login_required
@require_http_methods(["GET", "POST"])
@recent_authentication_required()
def change_organization(request: MemberRequest) -> HttpResponse:
    form = OrganizationChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            spend(
                "change-email", str(request.user.pk), limit=settings.KYOSO_LINK_REQUESTS_PER_HOUR, window=HOUR
            )
            profile.request_organization_change(
                member=request.user,
                organization=form.cleaned_data["organization"],
                email=form.cleaned_data["email"],
            )
        except MemberFacingError as error:
            form.add_error(None, str(error))
        else:
            context = {"email": form.cleaned_data["email"], "organization": form.cleaned_data["organization"]}
            return render(request, "accounts/profile/organization_sent.html", context)
    return render(request, "accounts/profile/organization.html", {"form": form, "nav": "profile"})


@require_http_methods(["GET", "POST"])
def confirm_organization(request: HttpRequest, token: str) -> HttpResponse:
    # A GET only shows what will change: mail scanners that open links must not apply it.
    try:
        if request.method == "POST":
            member = profile.confirm_organization_change(token=token)
        else:
            link = peek_link(token, LinkPurpose.CHANGE_EMAIL)
            organization = profile.change_link_organization(link)
            context = {"link": link, "organization": organization, "token": token}
            return render(request, "accounts/profile/organization_confirm.html", context)
    except MemberFacingError as error:
        return _link_error(request, error)
    messages.success(
        request,
        _("所属団体を%(organization)sに、メールアドレスを%(email)sに変更しました。")
        % {"organization": member.organization.name if member.organization else "", "email": member.email},
    )
    if request.user.is_authenticated and request.user.pk == member.pk:
        return redirect("accounts:profile")
    return redirect("accounts:sign_in")


@require_http_methods(["GET", "POST"])
def reconfirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            member = lifecycle.reconfirm_membership(token=token)
        else:
            link = peek_link(token, LinkPurpose.RECONFIRM)
            if link.member is None:
                raise LinkInvalid()
            return render(request, "accounts/profile/reconfirm.html", {"link": link, "token": token})
    except MemberFacingError as error:
        return _link_error(request, error)
    return render(request, "accounts/profile/reconfirmed.html", {"member": member})


@require_http_methods(["GET", "POST"])
def reactivate(request: HttpRequest) -> HttpResponse:
    form = ReactivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            spend(
                "reactivate-ip", client_ip(request), limit=settings.KYOSO_LINK_REQUESTS_PER_HOUR, window=HOUR
            )
            spend("reactivate", email, limit=settings.KYOSO_LINK_REQUESTS_PER_HOUR, window=HOUR)
        except MemberFacingError as error:
            form.add_error(None, str(error))
        else:
            lifecycle.request_reactivation_link(email=email)
            # The same page for every address: it must not tell who is registered.
            return render(request, "accounts/profile/reactivate_sent.html", {"email": email})
    return render(request, "accounts/profile/reactivate.html", {"form": form})


@login_required
def member_page(request: MemberRequest, member_id: int) -> HttpResponse:
    member = queries.member_for_page(request.user, member_id)
    if member is None:
        raise Http404(_("メンバーが見つかりません。"))
    return render(request, "accounts/profile/member.html", {"member": member})


urlpatterns: list[URLPattern] = [
    path("profile/", edit_profile, name="profile"),
    path("profile/organization/", change_organization, name="change_organization"),
    path("profile/organization/confirm/<str:token>/", confirm_organization, name="confirm_organization"),
    path("reconfirm/<str:token>/", reconfirm, name="reconfirm"),
    path("reactivate/", reactivate, name="reactivate"),
    path("members/<id:member_id>/", member_page, name="member"),
]
