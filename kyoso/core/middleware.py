"""An error a member caused that a page view did not catch is answered, never a 500.

Forms catch their errors and show them beside the fields. Whatever else escapes a view as a
``MemberFacingError`` (a channel that is not there, an action not allowed) is answered here with the
error's own status: a page for a browser, the JSON refusal for a form sent by a script. The API
answers its own errors (kyoso.api.errors) before they reach this middleware.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from kyoso.core.errors import FRAGMENT_HEADER, MemberFacingError, error_page, refusal_response


class MemberFacingErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, MemberFacingError):
            return None
        if request.headers.get(FRAGMENT_HEADER) == "1":
            return refusal_response(exception)
        return error_page(request, exception)
