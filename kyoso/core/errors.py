"""The one error protocol: every error a member can cause has a code, a status and a message.

- ``code``: a stable machine name in snake case, derived from the class name (``MessageTooLong`` →
  ``message_too_long``) unless a class sets its own. Clients branch on it; it never changes with the
  language.
- ``status``: the HTTP status a page or the API answers with. A WebSocket close uses ``4000 + status``
  (4401 not signed in, 4403 not allowed), so the three edges speak one table: this one.
- ``message``: for people, lazy, rendered in the language active where it is shown.

What a member may not read is "not found" (404), never "forbidden": existence does not leak.

Rendering lives here too, one function per edge: ``error_body`` (the JSON shape of the API and of
forms sent by scripts), ``error_response`` (that shape as a response), ``refusal_response`` (a form
sent by a script), ``error_page`` (a page), ``error_frame`` (a WebSocket frame) and ``close_code``.
A form shows ``str(error)`` beside its fields; anything a page view does not catch is answered by
kyoso.core.middleware with ``error_page`` (or ``refusal_response`` for a script).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    # The stubs' name for what gettext_lazy returns; it does not exist at run time.
    from django.utils.functional import _StrPromise as StrPromise

BAD_REQUEST = 400
ERROR_TEMPLATE = "core/error.html"
FRAGMENT_HEADER = "X-Kyoso-Fragment"
WEBSOCKET_CLOSE_BASE = 4000


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class MemberFacingError(Exception):
    """The base of every error a member can cause: the edge shows its message in the member's language."""

    code: ClassVar[str] = "member_facing_error"
    status: ClassVar[int] = BAD_REQUEST
    message: str | StrPromise = _("操作を完了できませんでした。")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            cls.code = snake_case(cls.__name__)

    def __init__(self, message: str | StrPromise | None = None) -> None:
        # Kept lazy: the message is rendered in the language active where it is shown.
        if message is not None:
            self.message = message
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)


# The kinds of refusal every app shares. An app's own error subclasses one of these (or the base,
# for a plain 400), so its status comes with it and no table elsewhere has to know it.


class NotFound(MemberFacingError):
    status = 404
    message = _("見つかりません。")


class NotAllowed(MemberFacingError):
    status = 403
    message = _("この操作をする権限がありません。")


class NotAuthenticated(MemberFacingError):
    status = 401
    message = _("サインインしてください。")


class Conflict(MemberFacingError):
    status = 409
    message = _("今の状態ではこの操作はできません。ページを更新してください。")


class TooLarge(MemberFacingError):
    status = 413
    message = _("大きすぎます。")


class RateLimited(MemberFacingError):
    status = 429
    message = _("短時間に操作が集中しました。しばらく待ってからもう一度お試しください。")


class InvalidInput(MemberFacingError):
    message = _("入力の内容が正しくありません。")


class RequestTooLarge(TooLarge):
    message = _("送信する内容が大きすぎます。添付ファイルは上限以内の大きさにしてください。")


class MethodNotAllowed(MemberFacingError):
    status = 405
    message = _("この URL はこのメソッドでは使えません。")


class InsufficientStorage(MemberFacingError):
    """The server's disk is full: nothing of the file was kept (kyoso.core.storage)."""

    status = 507
    message = _(
        "サーバーの保存領域が足りないため、ファイルを保存できませんでした。時間をおいてもう一度お試しいただくか、運営にお知らせください。"
    )


class ServiceUnavailable(MemberFacingError):
    """A service kyoso depends on (the database, Redis) does not answer for now: answered with
    ``Retry-After`` instead of a 500 (kyoso.core.outage)."""

    status = 503
    message = _("ただいま一時的に利用できません。しばらく待ってからもう一度お試しください。")


class DatabaseUnavailable(ServiceUnavailable):
    message = _(
        "データベースに接続できないため、今は処理できません。しばらく待ってからもう一度お試しください。"
    )


def error_body(error: MemberFacingError, **extra: Any) -> dict[str, Any]:
    """``{"error": {"code", "message", ...}}``: the API, scripted forms and WebSocket frames alike."""
    return {"error": {"code": error.code, "message": str(error), **extra}}


def error_response(error: MemberFacingError, *, status: int | None = None, **extra: Any) -> JsonResponse:
    return JsonResponse(
        error_body(error, **extra),
        status=status or error.status,
        json_dumps_params={"ensure_ascii": False},
    )


def error_page(request: HttpRequest, error: MemberFacingError) -> HttpResponse:
    """A page that could not be shown: the error's message in the site's frame, with its status."""
    html = render_to_string(ERROR_TEMPLATE, {"error": error}, request=request)
    return HttpResponse(html, status=error.status)


def refusal_response(error: MemberFacingError) -> JsonResponse:
    """A form sent by a script and refused: ``{"ok": false, "error": {...}}`` with the error's status."""
    return JsonResponse(
        {"ok": False, **error_body(error)}, status=error.status, json_dumps_params={"ensure_ascii": False}
    )


def error_frame(error: MemberFacingError, **extra: Any) -> dict[str, Any]:
    """What a socket is sent when a frame it sent is refused: an ``error`` event with the same body."""
    return {"type": "error", "data": error_body(error, status=error.status, **extra)}


def close_code(error: MemberFacingError) -> int:
    """The WebSocket close code for an error that ends a socket: 4000 + its HTTP status."""
    return WEBSOCKET_CLOSE_BASE + error.status
