"""Errors of the JSON API, and how every error becomes the same JSON shape.

Every refusal answers ``{"error": {"code": "<machine code>", "message": "<in the member's language>"}}``.
The code is the error's class name in snake case (``MessageTooLong`` → ``message_too_long``), so a
client can branch on it; the message is for people. What a member may not read answers 404, never
403: the actions and queries already raise the same "not found" for "missing" and "hidden".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, cast

import pydantic
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from kyoso.core.errors import (
    BAD_REQUEST,
    InvalidInput,
    MemberFacingError,
    MethodNotAllowed,
    NotAuthenticated,
    NotFound,
    RequestTooLarge,
    error_body,
    error_response,
)
from kyoso.core.validation import InvalidId, TooDeeplyNested, UnreadableUpload

__all__ = [
    "AccountUnavailable",
    "ApiError",
    "CsrfFailed",
    "InvalidId",
    "InvalidInput",
    "InvalidToken",
    "MethodNotAllowed",
    "NotAuthenticated",
    "NotFound",
    "RequestTooLarge",
    "SecondFactorRequired",
    "SessionEnded",
    "TooDeeplyNested",
    "UnreadableUpload",
    "error_response",
]


class ApiError(MemberFacingError):
    pass


class ApiNotAuthenticated(NotAuthenticated):
    code = "not_authenticated"
    message = _("サインインするか、アクセストークンを送ってください。")


class InvalidToken(ApiError):
    # The same words for a wrong, revoked or expired token: a guesser learns nothing.
    status = 401
    message = _("アクセストークンが正しくないか、無効になっています。")


class AccountUnavailable(ApiError):
    status = 403
    message = _("このアカウントは現在利用できません。")


class SessionEnded(ApiError):
    status = 401
    message = _("このアカウントは現在利用できません。サインアウトしました。")


class SecondFactorRequired(ApiError):
    status = 403
    message = _("二段階認証を済ませてから、もう一度お試しください。")


class CsrfFailed(ApiError):
    status = 403
    message = _("CSRF トークンがないか、正しくありません。X-CSRFToken ヘッダーで送ってください。")


class UnreadableBody(ApiError):
    message = _("リクエストの本文を読み取れませんでした。UTF-8 の JSON で送ってください。")


class MemberNotFound(NotFound):
    message = _("メンバーが見つかりません。")


class StampNotFound(NotFound):
    message = _("スタンプが見つかりません。")


class TokenNotFound(NotFound):
    message = _("アクセストークンが見つかりません。")


class InvalidTokenName(ApiError):
    message = _("アクセストークンの名前を入力してください（100文字まで）。")


class InvalidTokenExpiry(ApiError):
    message = _("有効期限の日数が正しくありません。")


class CursorConflict(ApiError):
    message = _("before と after は同時に指定できません。")


def _problems(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Which field, and what pydantic found wrong with it (in English: it names the rule broken)."""
    return [
        {"field": ".".join(str(part) for part in e.get("loc", ())), "problem": str(e.get("msg", ""))}
        for e in errors
    ]


E = TypeVar("E", bound=Exception)


def _handle(api: NinjaAPI, error: type[E], handler: Callable[[HttpRequest, E], HttpResponse]) -> None:
    # ninja annotates a handler as taking the exception or its class; it is only ever given the
    # exception itself.
    api.add_exception_handler(error, cast(Any, handler))


def install_handlers(api: NinjaAPI) -> None:
    """Every error the API can meet answers the JSON shape above, never an HTML page."""

    def respond(request: HttpRequest, error: MemberFacingError, **extra: Any) -> HttpResponse:
        return api.create_response(request, error_body(error, **extra), status=error.status)

    def member_facing(request: HttpRequest, exc: MemberFacingError) -> HttpResponse:
        return respond(request, exc)

    def ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return respond(request, InvalidInput(), fields=_problems(list(exc.errors)))

    def pydantic_validation(request: HttpRequest, exc: pydantic.ValidationError) -> HttpResponse:
        return respond(request, InvalidInput(), fields=_problems(list(exc.errors(include_url=False))))

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc, AuthenticationError) or exc.status_code == 401:
            return respond(request, ApiNotAuthenticated())
        if isinstance(exc.__cause__, MemberFacingError):
            # ninja wraps what the body parser raised (e.g. TooDeeplyNested): answer that error.
            return respond(request, exc.__cause__)
        if exc.status_code == BAD_REQUEST:
            return respond(request, UnreadableBody())
        if exc.status_code == 404:
            return respond(request, NotFound())
        # Anything else ninja raises (e.g. 403 for CSRF) keeps its status, with a generic message.
        error = CsrfFailed() if exc.status_code == 403 else ApiError()
        return api.create_response(request, error_body(error), status=exc.status_code)

    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, NotFound())

    def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return respond(request, RequestTooLarge())

    def unreadable_upload(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        # A multipart body Django cannot read (e.g. a file-name header past its limit): 400, not 500.
        return respond(request, UnreadableUpload())

    _handle(api, MemberFacingError, member_facing)
    _handle(api, NinjaValidationError, ninja_validation)
    _handle(api, pydantic.ValidationError, pydantic_validation)
    _handle(api, HttpError, http_error)
    _handle(api, Http404, not_found)
    _handle(api, RequestDataTooBig, too_large)
    _handle(api, MultiPartParserError, unreadable_upload)
