"""Who is calling the API: a personal access token, or the browser's signed-in session.

- ``Authorization: Bearer kyoso_pat_...``: a wrong, revoked or expired token answers 401 and
  spends the client address's failure budget; once it is spent, every token attempt from there
  answers 429 until the window ends, so secrets cannot be guessed. A token of a member who is not
  active (suspended, deactivated, not yet approved) answers 403.
- The session cookie, as the web UI uses it. Unsafe methods need the CSRF token in ``X-CSRFToken``
  (the browser sends the cookie by itself, so the cookie alone proves nothing). A session whose
  member is no longer active is ended by kyoso.api.middleware before it gets here.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from kyoso.accounts.models import Member
from kyoso.api import actions, queries
from kyoso.api.errors import AccountUnavailable, CsrfFailed, InvalidToken
from kyoso.core.errors import RateLimited
from kyoso.core.ratelimit import client_ip, spend, spent

FAILURE_SCOPE = "api_token_failure"


def _failure_window() -> int:
    # The same window as sign-in lockouts: one idea of "for a while" across kyoso.
    return settings.KYOSO_SIGN_IN_LOCKOUT_MINUTES * 60


class TokenAuth(HttpBearer):
    """Personal access tokens. Without an Authorization header the next method (the session) is tried."""

    def authenticate(self, request: HttpRequest, token: str) -> Member:
        ip = client_ip(request)
        limit = settings.KYOSO_API_TOKEN_FAILURES_PER_IP
        if spent(FAILURE_SCOPE, ip, window=_failure_window()) >= limit:
            raise RateLimited()
        found = queries.usable_token(token.strip())
        if found is None:
            with contextlib.suppress(RateLimited):  # over budget: the next attempt is refused above
                spend(FAILURE_SCOPE, ip, limit=limit, window=_failure_window())
            raise InvalidToken()
        member = found.member
        if not member.is_active:
            raise AccountUnavailable()
        actions.note_token_use(found)
        # Code below the API (actions, templates) reads request.user, as it does for the web.
        request.user = member
        return member

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header, "")
        if header and not header.lower().startswith(f"{self.openapi_scheme} "):
            # Another scheme (Basic, a bare token): refused, not mistaken for "no credentials".
            raise InvalidToken()
        return super().__call__(request)


class SessionAuth(APIKeyCookie):
    """The browser's session, with Django's CSRF check for every unsafe method."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        # CSRF is checked in authenticate, and only for a signed-in member: an anonymous request
        # answers "not signed in" (401), not a confusing CSRF failure.
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Member | None:
        member = request.user
        if not member.is_authenticated or not member.is_active:
            return None
        if check_csrf(request) is not None:
            raise CsrfFailed()
        return member


token_auth = TokenAuth()
session_auth = SessionAuth()
