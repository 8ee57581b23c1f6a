"""Errors of the JSON API, and how every error becomes the same JSON shape.

Every refusal answers ``{"error": {"code": "<machine code>", "message": "<in the member's language>"}}``.
The code is the error's class name in snake case (``MessageTooLong`` → ``message_too_long``), so a
client can branch on it; the message is for people. What a member may not read answers 404, never
403: the actions and queries already raise the same "not found" for "missing" and "hidden".
"""

from __future__ import annotations

import re
from typing import Any

import pydantic
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from kyoso.accounts.errors import NotAllowed as AccountNotAllowed
from kyoso.accounts.errors import RateLimited
from kyoso.chat.errors import (
    AttachmentNotFound,
    ChannelArchived,
    ChannelMentionNotAllowed,
    ChannelNotFound,
    FileTooLarge,
    MessageDeleted,
    MessageNotFound,
    NotAllowed,
    NotAllowedToPost,
    StampExists,
)
from kyoso.errors import MemberFacingError

BAD_REQUEST = 400


class ApiError(MemberFacingError):
    pass


class NotAuthenticated(ApiError):
    message = _("サインインするか、アクセストークンを送ってください。")


class InvalidToken(ApiError):
    # The same words for a wrong, revoked or expired token: a guesser learns nothing.
    message = _("アクセストークンが正しくないか、無効になっています。")


class AccountUnavailable(ApiError):
    message = _("このアカウントは現在利用できません。")


class SessionEnded(ApiError):
    message = _("このアカウントは現在利用できません。サインアウトしました。")


class SecondFactorRequired(ApiError):
    message = _("二段階認証を済ませてから、もう一度お試しください。")


class CsrfFailed(ApiError):
    message = _("CSRF トークンがないか、正しくありません。X-CSRFToken ヘッダーで送ってください。")


class InvalidInput(ApiError):
    message = _("入力の内容が正しくありません。")


class UnreadableBody(ApiError):
    message = _("リクエストの本文を読み取れませんでした。UTF-8 の JSON で送ってください。")


class RequestTooLarge(ApiError):
    message = _("リクエストが大きすぎます。")


class NotFound(ApiError):
    message = _("見つかりません。")


class MethodNotAllowed(ApiError):
    message = _("この URL はこのメソッドでは使えません。")


class MemberNotFound(ApiError):
    message = _("メンバーが見つかりません。")


class StampNotFound(ApiError):
    message = _("スタンプが見つかりません。")


class TokenNotFound(ApiError):
    message = _("アクセストークンが見つかりません。")


class InvalidTokenName(ApiError):
    message = _("アクセストークンの名前を入力してください（100文字まで）。")


class InvalidTokenExpiry(ApiError):
    message = _("有効期限の日数が正しくありません。")


class CursorConflict(ApiError):
    message = _("before と after は同時に指定できません。")


# The most specific class wins: they are tried in this order. Anything else a member caused is 400.
STATUS_OF: tuple[tuple[type[MemberFacingError], int], ...] = (
    (NotAuthenticated, 401),
    (InvalidToken, 401),
    (SessionEnded, 401),
    (AccountUnavailable, 403),
    (SecondFactorRequired, 403),
    (CsrfFailed, 403),
    (ChannelNotFound, 404),
    (MessageNotFound, 404),
    (AttachmentNotFound, 404),
    (MemberNotFound, 404),
    (StampNotFound, 404),
    (TokenNotFound, 404),
    (NotFound, 404),
    (MethodNotAllowed, 405),
    (NotAllowed, 403),
    (NotAllowedToPost, 403),
    (ChannelMentionNotAllowed, 403),
    (AccountNotAllowed, 403),
    (ChannelArchived, 409),
    (MessageDeleted, 409),
    (StampExists, 409),
    (FileTooLarge, 413),
    (RequestTooLarge, 413),
    (RateLimited, 429),
)


def error_code(error: MemberFacingError) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()


def status_of(error: MemberFacingError) -> int:
    return next((status for cls, status in STATUS_OF if isinstance(error, cls)), BAD_REQUEST)


def error_body(error: MemberFacingError, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": error_code(error), "message": str(error), **extra}}


def error_response(error: MemberFacingError, **extra: Any) -> JsonResponse:
    """For code outside ninja (the middleware): the same JSON as every API error."""
    return JsonResponse(
        error_body(error, **extra), status=status_of(error), json_dumps_params={"ensure_ascii": False}
    )


def _problems(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Which field, and what pydantic found wrong with it (in English: it names the rule broken)."""
    return [
        {"field": ".".join(str(part) for part in e.get("loc", ())), "problem": str(e.get("msg", ""))}
        for e in errors
    ]


def install_handlers(api: NinjaAPI) -> None:
    """Every error the API can meet answers the JSON shape above, never an HTML page."""

    def respond(request: HttpRequest, error: MemberFacingError, **extra: Any) -> HttpResponse:
        return api.create_response(request, error_body(error, **extra), status=status_of(error))

    def member_facing(request: HttpRequest, exc: MemberFacingError) -> HttpResponse:
        return respond(request, exc)

    def ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return respond(request, InvalidInput(), fields=_problems(list(exc.errors)))

    def pydantic_validation(request: HttpRequest, exc: pydantic.ValidationError) -> HttpResponse:
        return respond(request, InvalidInput(), fields=_problems(list(exc.errors(include_url=False))))

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc, AuthenticationError) or exc.status_code == 401:
            return respond(request, NotAuthenticated())
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

    api.add_exception_handler(MemberFacingError, member_facing)
    api.add_exception_handler(NinjaValidationError, ninja_validation)
    api.add_exception_handler(pydantic.ValidationError, pydantic_validation)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(RequestDataTooBig, too_large)
