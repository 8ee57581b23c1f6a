"""セキュリティ: password, two-factor authentication and the list of signed-in browsers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kyoso.accounts import totp
from kyoso.accounts.actions import lockout, security
from kyoso.accounts.actions.recovery_download import (
    DOWNLOAD_WINDOW_SECONDS,
    FILE_NAME,
    offer_recovery_codes_download,
    recovery_codes_text,
    take_recovery_codes_download,
)
from kyoso.accounts.forms import CodeForm, PasswordForm
from kyoso.accounts.requests import MemberRequest
from kyoso.accounts.views.reauth import ask_again, recent_authentication_required
from kyoso.accounts.views.sign_in import _safe_next
from kyoso.core.errors import MemberFacingError

SETUP_KEY_GROUP = 4


def _render_codes(request: MemberRequest, codes: list[str]) -> HttpResponse:
    # Shown once, then downloadable once from this session; the page itself is never cached.
    offer_recovery_codes_download(request, request.user, codes)
    context = {"nav": "security", "codes": codes, "download_minutes": DOWNLOAD_WINDOW_SECONDS // 60}
    response = render(request, "accounts/security/recovery_codes.html", context)
    add_never_cache_headers(response)
    return response


@login_required
def overview(request: MemberRequest) -> HttpResponse:
    member = request.user
    sessions = security.sessions_of(member)
    context = {
        "nav": "security",
        "has_password": member.has_usable_password(),
        "has_two_factor": security.has_two_factor(member),
        "two_factor_required": member.role in security.ROLES_REQUIRING_TWO_FACTOR,
        "recovery_codes_left": security.recovery_codes_left(member),
        "sessions": sessions,
        "current_key": request.session.session_key,
    }
    return render(request, "accounts/security/overview.html", context)


@login_required
def password(request: MemberRequest) -> HttpResponse:
    # With a password, the form asks for it (a re-authentication of its own), unless a sign-in link
    # was just opened here (a forgotten password); without one, the session must have proved its
    # member lately.
    has_password = request.user.has_usable_password()
    if not has_password and not security.recently_authenticated(request):
        return ask_again(request, request.get_full_path())
    ask_current = has_password and not security.recently_signed_in_by_link(request)
    form = PasswordForm(request.user, request.POST or None, request=request, ask_current=ask_current)
    if request.method == "POST" and form.is_valid():
        security.set_password(
            member=request.user, password=form.cleaned_data["new_password1"], request=request
        )
        messages.success(request, _("パスワードを設定しました。"))
        return redirect("accounts:security")
    context = {"nav": "security", "form": form, "ask_current": ask_current}
    return render(request, "accounts/security/password.html", context)


@login_required
@recent_authentication_required()
@never_cache
def two_factor_enrol(request: MemberRequest) -> HttpResponse:
    if security.has_two_factor(request.user):
        return redirect("accounts:security")
    secret = security.pending_totp_secret(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = security.confirm_two_factor(
                request=request, member=request.user, code=form.cleaned_data["code"]
            )
        except MemberFacingError as error:
            form.add_error("code", error.message)
        else:
            messages.success(request, _("二段階認証を有効にしました。"))
            return _render_codes(request, codes)
    uri = totp.provisioning_uri(secret, request.user.email)
    context = {
        "nav": "security",
        "form": form,
        "secret": secret,
        # Blocks of four, as authenticator apps show and accept them (spaces are ignored there).
        "secret_groups": [secret[i : i + SETUP_KEY_GROUP] for i in range(0, len(secret), SETUP_KEY_GROUP)],
        "two_factor_required": request.user.role in security.ROLES_REQUIRING_TWO_FACTOR,
        "qr_svg": totp.qr_svg(uri),
    }
    return render(request, "accounts/security/two_factor_enrol.html", context)


@login_required
def two_factor_verify(request: MemberRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if security.second_factor_verified(request) or not security.has_two_factor(request.user):
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            security.verify_second_factor(
                request=request, member=request.user, code=form.cleaned_data["code"]
            )
        except MemberFacingError as error:
            form.add_error("code", error.message)
        else:
            messages.success(request, _("サインインしました。"))
            return lockout.remember_device(request, redirect(next_url), request.user)
    context = {"nav": "sign_in", "form": form, "next": next_url}
    return render(request, "accounts/security/two_factor_verify.html", context)


@login_required
@require_POST
@recent_authentication_required(return_to="accounts:security")
def two_factor_disable(request: MemberRequest) -> HttpResponse:
    try:
        security.disable_two_factor(request=request, member=request.user)
    except MemberFacingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("二段階認証を無効にしました。"))
    return redirect("accounts:security")


@login_required
@require_POST
@recent_authentication_required(return_to="accounts:security")
def recovery_codes(request: MemberRequest) -> HttpResponse:
    try:
        codes = security.regenerate_recovery_codes(member=request.user)
    except MemberFacingError as error:
        messages.error(request, error.message)
        return redirect("accounts:security")
    messages.success(request, _("新しい回復コードを作りました。前のコードは使えなくなりました。"))
    return _render_codes(request, codes)


@login_required
@require_POST
@never_cache
def recovery_codes_download(request: MemberRequest) -> HttpResponse:
    """The codes just shown, as a .txt file: once, from the session that made them (no store anywhere)."""
    try:
        codes = take_recovery_codes_download(request, request.user)
    except MemberFacingError as error:
        messages.error(request, error.message)
        return redirect("accounts:security")
    response = HttpResponse(
        recovery_codes_text(request.user, codes), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{FILE_NAME}"'
    return response


@login_required
@require_POST
def session_sign_out(request: MemberRequest, session_id: int) -> HttpResponse:
    security.end_member_session(member=request.user, session_id=session_id)
    messages.success(request, _("選んだ端末からサインアウトしました。"))
    return redirect("accounts:security")


@login_required
@require_POST
def sessions_sign_out_others(request: MemberRequest) -> HttpResponse:
    security.end_other_sessions(member=request.user, keep_session_key=request.session.session_key)
    messages.success(request, _("この端末以外のすべての端末からサインアウトしました。"))
    return redirect("accounts:security")


urlpatterns = [
    path("security/", overview, name="security"),
    path("security/password/", password, name="password"),
    path("security/two-factor/", two_factor_enrol, name="two_factor_enrol"),
    path("security/two-factor/verify/", two_factor_verify, name="two_factor_verify"),
    path("security/two-factor/disable/", two_factor_disable, name="two_factor_disable"),
    path("security/two-factor/recovery-codes/", recovery_codes, name="recovery_codes"),
    path(
        "security/two-factor/recovery-codes/download/",
        recovery_codes_download,
        name="recovery_codes_download",
    ),
    path("security/sessions/<id:session_id>/sign-out/", session_sign_out, name="session_sign_out"),
    path("security/sessions/sign-out-others/", sessions_sign_out_others, name="sessions_sign_out_others"),
]
