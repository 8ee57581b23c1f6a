"""再認証: the page that asks a signed-in member again, and the guard of the pages that need it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from kyoso.accounts.actions import reauth, security
from kyoso.accounts.forms import ReauthenticationForm
from kyoso.accounts.requests import MemberRequest
from kyoso.accounts.views.sign_in import _safe_next
from kyoso.core.errors import MemberFacingError

View = Callable[..., HttpResponse]


def reauth_url(next_url: str) -> str:
    return f"{reverse('accounts:reauthenticate')}?{urlencode({'next': next_url})}"


def ask_again(request: HttpRequest, next_url: str) -> HttpResponse:
    messages.info(request, _("安全のため、続ける前にもう一度本人確認をしてください。"))
    return redirect(reauth_url(next_url))


def recent_authentication_required(return_to: str | None = None) -> Callable[[View], View]:
    """Send a member whose session has not proved them lately to the re-authentication page first.

    A GET comes back to the same page; a POST (its data is not kept) to ``return_to`` (a URL name), or
    to the page it was posted to.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if security.recently_authenticated(request):
                return view(request, *args, **kwargs)
            if request.method in ("GET", "HEAD"):
                next_url = request.get_full_path()
            else:
                next_url = reverse(return_to) if return_to else request.path
            return ask_again(request, next_url)

        return guarded

    return decorate


@login_required
def reauthenticate(request: MemberRequest) -> HttpResponse:
    member = request.user
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    has_two_factor = security.has_two_factor(member)
    form = ReauthenticationForm(
        request.POST if request.method == "POST" and "send_link" not in request.POST else None,
        member=member,
        has_two_factor=has_two_factor,
    )
    if request.method == "POST":
        try:
            if "send_link" in request.POST:
                reauth.send_reauth_link(request=request, member=member, next_url=next_url)
                messages.success(
                    request,
                    _("サインイン用のリンクを %(email)s に送りました。このブラウザで開いてください。")
                    % {"email": member.email},
                )
                return redirect(reauth_url(next_url))
            if form.is_valid():
                reauth.reauthenticate(
                    request=request,
                    member=member,
                    password=form.cleaned_data.get("password") or "",
                    code=form.cleaned_data.get("code") or "",
                )
                return redirect(next_url)
        except MemberFacingError as error:
            if "send_link" in request.POST:
                messages.error(request, error.message)
                return redirect(reauth_url(next_url))
            # Shown on the form, as the sign-in page shows a wrong password.
            form.add_error(None, error.message)
    context = {
        "nav": "security",
        "form": form,
        "next": next_url,
        "has_password": member.has_usable_password(),
        "has_two_factor": has_two_factor,
    }
    return render(request, "accounts/security/reauthenticate.html", context)


urlpatterns = [
    path("security/confirm/", reauthenticate, name="reauthenticate"),
]
