"""An error a member caused that a page view did not catch is answered, never a 500.

Forms catch their errors and show them beside the fields. Whatever else escapes a view as a
``MemberFacingError`` (a channel that is not there, an action not allowed) is answered here with the
error's own status: a page for a browser, the JSON refusal for a form sent by a script. The API
answers its own errors (kyoso.api.errors) before they reach this middleware. A multipart body
Django cannot read (``MultiPartParserError``) is answered 400 too, both here and where the CSRF
check reads the form before any view (``CsrfViewMiddleware``, used in place of Django's). A database or
Redis that does not answer is 503 with ``Retry-After`` (kyoso.core.outage).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import CsrfViewMiddleware as DjangoCsrfViewMiddleware

from kyoso.core.errors import FRAGMENT_HEADER, MemberFacingError, error_page, refusal_response
from kyoso.core.outage import answer_outage
from kyoso.core.validation import UnreadableUpload


class MemberFacingErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, MultiPartParserError):
            # A multipart body Django cannot read (a file-name header past its limit): 400, not 500.
            return answer_error(request, UnreadableUpload())
        if not isinstance(exception, MemberFacingError):
            # The database or Redis went away under the view: 503, not 500.
            return answer_outage(request, exception)
        return answer_error(request, exception)


def answer_error(request: HttpRequest, error: MemberFacingError) -> HttpResponse:
    """The JSON refusal for a form sent by a script, else the error page."""
    if request.headers.get(FRAGMENT_HEADER) == "1":
        return refusal_response(error)
    return error_page(request, error)


class CsrfViewMiddleware(DjangoCsrfViewMiddleware):
    """Django's CSRF check, which reads ``request.POST`` before any view runs: a multipart body it
    cannot read is answered 400 (``unreadable_upload``) instead of escaping as a 500."""

    def process_view(  # type: ignore[override]  # also answers 400, not only 403
        self,
        request: HttpRequest,
        callback: Callable[..., Any],
        callback_args: tuple[Any, ...],
        callback_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        try:
            return super().process_view(request, callback, callback_args, callback_kwargs)
        except MultiPartParserError:
            return answer_error(request, UnreadableUpload())
