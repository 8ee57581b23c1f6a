"""Who may use a signed-in session: active members only, with the second factor where it is due."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from kyoso.accounts.actions import security


class MemberAccessMiddleware:
    """Runs after authentication and messages.

    - A member who is no longer active (suspended, deactivated, back to pending) is signed out at
      the next request, not when the session expires.
    - A member who enrolled two-factor, and every operator and moderator, reach nothing but the
      second-factor pages and sign-out until the second factor is done.
    - The session's 最終利用 time is noted, at most once a minute.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        member = request.user
        if not member.is_authenticated and SESSION_KEY in request.session:
            # Django's backend already refuses a member who is not active (the session reads as
            # signed out); end the session for good and say why, rather than leave it half alive.
            security.end_session(request)
            messages.error(request, _("このアカウントは現在利用できません。サインアウトしました。"))
            return redirect(settings.LOGIN_URL)
        if member.is_authenticated:
            security.touch_session(request, member)
            if not security.second_factor_verified(request) and not self._exempt(request.path):
                if security.has_two_factor(member):
                    next_query = urlencode({"next": request.get_full_path()})
                    return redirect(f"{reverse('accounts:two_factor_verify')}?{next_query}")
                if security.must_enrol_two_factor(member) and not self._asking_again(request.path):
                    return redirect("accounts:two_factor_enrol")
        return self.get_response(request)

    @staticmethod
    def _asking_again(path: str) -> bool:
        """Setting two-factor up may first ask the member again who they are (their session may be days
        old): the re-authentication page, and the sign-in link it can send, stay open."""
        return path == reverse("accounts:reauthenticate") or path.startswith(
            reverse("accounts:sign_in_link_request")
        )

    @staticmethod
    def _exempt(path: str) -> bool:
        allowed = (
            reverse("accounts:two_factor_enrol"),
            reverse("accounts:two_factor_verify"),
            reverse("accounts:sign_out"),
        )
        prefixes = (settings.STATIC_URL, "/i18n/", "/healthz", "/readyz")
        return path in allowed or any(path.startswith(p) for p in prefixes if p)
