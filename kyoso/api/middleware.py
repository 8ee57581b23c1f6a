"""The API answers in JSON where the web would redirect or show a page: 401, 403, 404, 405.

kyoso.accounts.middleware.MemberAccessMiddleware ends the session of a member who is no longer
active and sends members who owe a second factor to the two-factor pages, both by redirecting. A
script calling the API cannot follow those redirects, so under ``API_PREFIX`` this middleware, placed
just before it, applies the same rules (the same functions) and answers in the API's error shape.
A path no route knows (``/api/v1/nothing``) and a method a route does not take get the same
shape instead of Django's HTML page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse

from kyoso.accounts.actions import security
from kyoso.api.errors import (
    MethodNotAllowed,
    NotFound,
    SecondFactorRequired,
    SessionEnded,
    error_response,
)

API_PREFIX = "/api/v1/"
NOT_FOUND = 404
NOT_ALLOWED = 405


class ApiSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        member = request.user
        if not member.is_authenticated and SESSION_KEY in request.session:
            # Django's backend refused the member (suspended, deactivated, pending): end it for good.
            security.end_session(request)
            return error_response(SessionEnded())
        if (
            member.is_authenticated
            and not security.second_factor_verified(request)
            and (security.has_two_factor(member) or security.must_enrol_two_factor(member))
        ):
            return error_response(SecondFactorRequired())
        return self._as_json(self.get_response(request))

    @staticmethod
    def _as_json(response: HttpResponse) -> HttpResponse:
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        if response.status_code == NOT_FOUND:
            return error_response(NotFound())
        if response.status_code == NOT_ALLOWED:
            answer = error_response(MethodNotAllowed())
            answer["Allow"] = response.get("Allow", "")
            return answer
        return response
