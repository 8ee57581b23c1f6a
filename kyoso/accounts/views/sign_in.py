"""Sign-in by e-mail link (the default) or password, the second factor, and sign-out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kyoso.accounts.actions import lockout, security
from kyoso.accounts.actions.reauth import REAUTH_NEXT
from kyoso.accounts.forms import SignInForm, SignInLinkForm
from kyoso.accounts.links import peek_link
from kyoso.accounts.models import LinkPurpose, Member
from kyoso.core.errors import MemberFacingError
from kyoso.core.ratelimit import client_ip

# The one answer to every link request, registered or not.
LINK_SENT = gettext_lazy("登録済みのアドレスであれば、サインイン用のリンクを送りました")


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    """A path on this site to go on to, else home.

    Only a path: redirect() would take a bare word ('inbox') for a URL name and fail with a 500.
    """
    if (
        candidate
        and candidate.startswith("/")
        and candidate.isprintable()
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return reverse("web:home")


def after_first_factor(request: HttpRequest, next_url: str) -> HttpResponse:
    """Where a member goes once the first factor is done: the second factor, or on."""
    member = request.user
    assert isinstance(member, Member), "called once the first factor signed the member in"
    if security.has_two_factor(member):
        return redirect(f"{reverse('accounts:two_factor_verify')}?{urlencode({'next': next_url})}")
    if security.must_enrol_two_factor(member):
        # The setup page says why, calmly (an information, not a warning): nothing went wrong.
        return redirect(reverse("accounts:two_factor_enrol"))
    # Without a second factor the sign-in is complete: this browser is now one the member uses, and
    # failures from elsewhere no longer hold it back (kyoso.accounts.actions.lockout).
    messages.success(request, _("サインインしました。"))
    return lockout.remember_device(request, HttpResponseRedirect(next_url), member)


class SignInView(auth_views.LoginView):
    """The sign-in page. It posts a password here; the link form posts to ``sign_in_link_request``."""

    template_name = "accounts/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True
    extra_context = {"nav": "sign_in"}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("link_form", SignInLinkForm())
        # A failed password attempt opens the password section again, so its error is seen.
        context["password_open"] = self.request.method == "POST"
        return context

    def form_valid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        security.start_session(self.request, form.get_user())
        return after_first_factor(self.request, self.get_success_url())


@require_POST
def sign_in_link_request(request: HttpRequest) -> HttpResponse:
    form = SignInLinkForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "accounts/sign_in.html",
            {"nav": "sign_in", "link_form": form, "form": SignInForm(request), "next": ""},
            status=400,
        )
    try:
        security.request_sign_in_link(email=form.cleaned_data["email"], ip=client_ip(request))
    except MemberFacingError as error:
        messages.error(request, error.message)
        return redirect("accounts:sign_in")
    return redirect("accounts:sign_in_link_sent")


def sign_in_link_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/sign_in_link_sent.html", {"nav": "sign_in", "message": LINK_SENT})


def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; POST signs in. Mail scanners that open links do not use them up."""
    try:
        if request.method == "POST":
            member = security.redeem_sign_in_link(token=token)
        else:
            peek_link(token, LinkPurpose.SIGN_IN)
            return render(request, "accounts/sign_in_link_confirm.html", {"nav": "sign_in"})
    except MemberFacingError as error:
        return render(
            request,
            "accounts/sign_in_link_invalid.html",
            {"nav": "sign_in", "error": error.message},
            status=error.status,
        )
    # A link sent from the re-authentication page, opened in the same browser, leads back to the change.
    next_url = _safe_next(request, request.session.pop(REAUTH_NEXT, None))
    security.start_session(request, member, by_link=True)
    return after_first_factor(request, next_url)


class SignOutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        security.end_session(request)
        messages.info(request, _("サインアウトしました。"))
        return HttpResponseRedirect(self.get_success_url())


urlpatterns = [
    path("sign-in/", SignInView.as_view(), name="sign_in"),
    path("sign-in/link/", sign_in_link_request, name="sign_in_link_request"),
    path("sign-in/link/sent/", sign_in_link_sent, name="sign_in_link_sent"),
    path("sign-in/link/<str:token>/", sign_in_link, name="sign_in_link"),
    path("sign-out/", SignOutView.as_view(), name="sign_out"),
]
