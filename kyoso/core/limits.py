"""The largest request body kyoso accepts, enforced before Django reads any of it.

Django's ASGI handler reads a whole request body into a temporary file before a view runs, so a view
can refuse a 2 GB upload only after it has been received. This middleware wraps the ASGI application
and answers 413 from the declared Content-Length, or stops a body sent without one as soon as it
passes the limit.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings

from kyoso.core.errors import RequestTooLarge, error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def max_request_bytes() -> int:
    """The largest body a request may have: every file of one message at the limit, plus the form."""
    return (
        settings.KYOSO_UPLOAD_MAX_BYTES * settings.KYOSO_UPLOAD_MAX_FILES
        + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class RequestBodyLimit:
    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = max_request_bytes()
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Django treats this as the client going away and stops reading.
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, limited_receive, send)

    async def _refuse(self, send: Send) -> None:
        error = RequestTooLarge()
        body = json.dumps(error_body(error), ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": error.status,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
