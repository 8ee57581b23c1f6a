"""参加登録 pages: the three steps, "check your mail", the verification link, the terms, invitations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kyoso.accounts import actions, queries
from kyoso.accounts.channel_suggestions import suggested_channels
from kyoso.accounts.errors import RateLimited
from kyoso.accounts.forms import EmailAddressField
from kyoso.accounts.links import peek_link
from kyoso.accounts.models import LinkPurpose, Member
from kyoso.accounts.registration_forms import (
    AcceptInvitationForm,
    ChannelsStepForm,
    ConfirmStepForm,
    OrganizationKindChoice,
    ProfileStepForm,
    infer_organization,
)
from kyoso.accounts.signals import registration_channels
from kyoso.core.errors import MemberFacingError, error_response
from kyoso.core.ratelimit import client_ip, spend
from kyoso.directory.errors import DirectoryError
from kyoso.directory.models import Organization
from kyoso.directory.queries import organization_by_code, prefectures


def _sign_in(request: HttpRequest, member: Member) -> None:
    # Through the sign-in action, so the new session is listed like any other.
    actions.start_session(request, member)


# What the applicant entered in the steps so far, kept in their (anonymous) session until they apply.
DRAFT = "registration_draft"
STEPS = (
    (1, gettext_lazy("メールアドレスと所属")),
    (2, gettext_lazy("参加するチャンネル")),
    (3, gettext_lazy("規約と確認")),
)
LAST_STEP = len(STEPS)
# The organisation type-ahead's neighbour: a person fills one address field at a time.
INFER_REQUESTS_PER_MINUTE = 60
INFER_WINDOW_SECONDS = 60


def _step_url(step: int) -> str:
    url = reverse("accounts:register")
    return url if step == 1 else f"{url}?step={step}"


def _requested_step(request: HttpRequest) -> int:
    value = request.GET.get("step", "1")
    return int(value) if value in {str(number) for number, _label in STEPS} else 1


def _draft(request: HttpRequest) -> dict[str, Any]:
    draft = request.session.get(DRAFT)
    return draft if isinstance(draft, dict) else {}


def _keep(request: HttpRequest, draft: dict[str, Any]) -> None:
    request.session[DRAFT] = draft


def _render_step(request: HttpRequest, step: int, context: dict[str, Any]) -> HttpResponse:
    templates = {1: "form.html", 2: "channels.html", 3: "confirm.html"}
    return render(
        request,
        f"accounts/registration/{templates[step]}",
        {
            **context,
            "nav": "register",
            "step": step,
            "steps": STEPS,
            "step_label": dict(STEPS)[step],
            "last_step": LAST_STEP,
        },
    )


def _organization_of(profile: dict[str, str]) -> Organization | None:
    """Where the applicant works, as the suggestions need it: their organisation, or for 一部事務組合
    the prefecture they chose. None when it has gone since (the last step checks everything again)."""
    try:
        if profile.get("organization_kind") == OrganizationKindChoice.OTHER_BODY:
            return prefectures().get(pk=int(profile.get("other_body_prefecture") or 0))
        return organization_by_code(profile.get("organization_code", ""))
    except (DirectoryError, Organization.DoesNotExist, ValueError):
        return None


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """参加登録 in three steps on one address (?step=2, ?step=3), each kept in the session.

    Each step is a plain form, so it works without JavaScript; 戻る keeps what was entered on the
    page, and a step whose predecessors are not done yet sends the applicant back to them.
    """
    if request.user.is_authenticated:
        return redirect("web:home")
    draft = _draft(request)
    reachable = 1 if "profile" not in draft else 2 if "channels" not in draft else LAST_STEP
    step = _requested_step(request)
    if step > reachable:
        return redirect(_step_url(reachable))
    if step == 1:
        return _profile_step(request, draft)
    if step == 2:
        return _channels_step(request, draft)
    return _confirm_step(request, draft)


def _profile_step(request: HttpRequest, draft: dict[str, Any]) -> HttpResponse:
    if request.method == "POST":
        form = ProfileStepForm(request.POST)
        if form.is_valid():
            draft["profile"] = form.draft()
            _keep(request, draft)
            return redirect(_step_url(2))
    else:
        form = ProfileStepForm(initial=draft.get("profile"))
    inferred = bool(draft.get("profile", {}).get("organization_inferred")) and not form.is_bound
    return _render_step(request, 1, {"form": form, "organization_inferred": inferred})


def _channels_step(request: HttpRequest, draft: dict[str, Any]) -> HttpResponse:
    profile = draft["profile"]
    suggested = suggested_channels(
        registration_channels(),
        organization=_organization_of(profile),
        department=profile.get("department", ""),
    )
    if request.method == "POST":
        form = ChannelsStepForm(request.POST, suggested=suggested)
        if form.is_valid():
            draft["channels"] = [str(channel.pk) for channel in form.cleaned_data["channels"]]
            _keep(request, draft)
            return redirect(_step_url(1 if request.POST.get("go") == "back" else 3))
    else:
        chosen = draft.get("channels")
        initial = chosen if chosen is not None else [str(channel.pk) for channel in suggested]
        form = ChannelsStepForm(initial={"channels": initial}, suggested=suggested)
    suggested_choices, other_choices = form.choice_groups()
    return _render_step(
        request,
        2,
        {
            "form": form,
            "profile": profile,
            "suggested_choices": suggested_choices,
            "other_choices": other_choices,
            "others_open": any(choice.data["selected"] for choice in other_choices) or not suggested_choices,
        },
    )


def _confirm_step(request: HttpRequest, draft: dict[str, Any]) -> HttpResponse:
    if request.method == "POST" and request.POST.get("go") == "back":
        return redirect(_step_url(2))
    form = ConfirmStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Everything again, as the directory or the channels may have changed since the first step.
        profile_form = ProfileStepForm(draft["profile"])
        if not profile_form.is_valid():
            return _render_step(request, 1, {"form": profile_form})
        data = profile_form.cleaned_data
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
                channels=registration_channels().filter(pk__in=draft["channels"]),
                client_ip=client_ip(request),
                language=translation.get_language(),
            )
        except RateLimited as error:
            form.add_error(None, str(error))
        except MemberFacingError as error:
            profile_form.add_error("organization", str(error))
            return _render_step(request, 1, {"form": profile_form})
        else:
            del request.session[DRAFT]
            # The same page whether or not the address already has an account.
            return redirect("accounts:registration_sent")
    profile = draft["profile"]
    return _render_step(
        request,
        3,
        {
            "form": form,
            "profile": profile,
            "other_body_prefecture": _organization_of(profile)
            if profile.get("organization_kind") == OrganizationKindChoice.OTHER_BODY
            else None,
            "channels": registration_channels().filter(pk__in=draft["channels"]),
            "terms_version": settings.KYOSO_TERMS_VERSION,
        },
    )


@require_GET
def registration_organization(request: HttpRequest) -> JsonResponse:
    """{"organization": {code, full_name, kind} | null, "candidates": n} for ?email=: the form's guess.

    The same inference the first step makes on the server when the field is left blank.
    """
    try:
        spend(
            "registration-infer",
            client_ip(request),
            limit=INFER_REQUESTS_PER_MINUTE,
            window=INFER_WINDOW_SECONDS,
        )
    except RateLimited as error:
        return error_response(error)
    try:
        email = EmailAddressField(max_length=254).clean(request.GET.get("email", "")[:254])
    except ValidationError:
        return JsonResponse({"organization": None, "candidates": 0})
    inference = infer_organization(email)
    found = inference.organization
    return JsonResponse(
        {
            "organization": {
                "code": found.code,
                "full_name": found.full_name,
                "kind": found.get_kind_display(),
            }
            if found
            else None,
            "candidates": inference.candidates,
        }
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
    path("register/organization/", registration_organization, name="registration_organization"),
    path("register/verify/<str:token>/", verify, name="verify_application"),
    path("terms/", terms, name="terms"),
    path("invitation/<str:token>/", accept_invitation, name="accept_invitation"),
]
