"""参加登録 pages: the form, "check your mail", the verification link, the terms, invitations."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kyoso.accounts import actions, queries
from kyoso.accounts.errors import RateLimited
from kyoso.accounts.links import peek_link
from kyoso.accounts.models import LinkPurpose, Member
from kyoso.accounts.registration_forms import AcceptInvitationForm, RegistrationForm
from kyoso.core.errors import MemberFacingError
from kyoso.core.ratelimit import client_ip


def _sign_in(request: HttpRequest, member: Member) -> None:
    # Through the sign-in action, so the new session is listed like any other.
    actions.start_session(request, member)


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.apply_for_membership(
                email=data["email"],
                full_name=data["full_name"],
                full_name_kana=data["full_name_kana"],
                display_name=data["display_name"],
                organization=data["organization_obj"],
                other_body_name=data["other_body_name"],
                other_body_prefecture=data["other_body_prefecture"],
                department=data["department"],
                title=data["title"],
                channels=data["channels"],
                client_ip=client_ip(request),
                language=translation.get_language(),
            )
        except RateLimited as error:
            form.add_error(None, str(error))
        except MemberFacingError as error:
            form.add_error("organization", str(error))
        else:
            # The same page whether or not the address already has an account.
            return redirect("accounts:registration_sent")
    return render(
        request,
        "accounts/registration/form.html",
        {"form": form, "nav": "register", "terms_version": settings.KYOSO_TERMS_VERSION},
    )


def registration_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/registration/sent.html",
        {"nav": "register", "hours": settings.KYOSO_LINK_MAX_AGE_HOURS},
    )


def _link_error(request: HttpRequest, error: MemberFacingError) -> HttpResponse:
    return render(request, "accounts/registration/link_error.html", {"error": error}, status=error.status)


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; POST uses the link (mail scanners that open links use nothing up)."""
    try:
        if request.method == "GET":
            link = peek_link(token, LinkPurpose.VERIFY_APPLICATION)
            return render(request, "accounts/registration/verify.html", {"email": link.email})
        application = actions.verify_application(token=token)
    except MemberFacingError as error:
        return _link_error(request, error)
    if application.member is not None:
        _sign_in(request, application.member)
        messages.success(
            request,
            _("ようこそ、%(name)sさん。kyoso への参加登録が完了しました。")
            % {"name": application.member.display_name},
        )
        return redirect("web:home")
    return render(request, "accounts/registration/waiting.html", {"application": application})


def terms(request: HttpRequest) -> HttpResponse:
    return render(
        request, "accounts/registration/terms.html", {"terms_version": settings.KYOSO_TERMS_VERSION}
    )


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = peek_link(token, LinkPurpose.INVITATION)
    except MemberFacingError as error:
        return _link_error(request, error)
    application = queries.invitation_application(link)
    form = AcceptInvitationForm(request.POST or None, initial={"display_name": application.display_name})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = actions.accept_invitation(
                token=token,
                display_name=data["display_name"],
                department=data["department"],
                title=data["title"],
                full_name_kana=data["full_name_kana"],
            )
        except MemberFacingError as error:
            return _link_error(request, error)
        _sign_in(request, member)
        messages.success(
            request,
            _("ようこそ、%(name)sさん。アドバイザーとして参加しました。") % {"name": member.display_name},
        )
        return redirect("web:home")
    return render(
        request,
        "accounts/registration/invitation.html",
        {"form": form, "application": application, "terms_version": settings.KYOSO_TERMS_VERSION},
    )


urlpatterns: list[URLPattern] = [
    path("register/", register, name="register"),
    path("register/sent/", registration_sent, name="registration_sent"),
    path("register/verify/<str:token>/", verify, name="verify_application"),
    path("terms/", terms, name="terms"),
    path("invitation/<str:token>/", accept_invitation, name="accept_invitation"),
]
