"""A request body over the upload limit is refused before Django reads it (ASGI)."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest

from kyoso.core.limits import Message, RequestBodyLimit, Scope, max_request_bytes


def run_in_fresh_loop(coroutine: object) -> None:
    """Run a coroutine on a new loop in its own thread: a browser test may leave a loop running here."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coroutine)  # type: ignore[arg-type]
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def http_scope(content_length: int | None) -> dict[str, Any]:
    headers = [(b"content-type", b"multipart/form-data; boundary=x")]
    if content_length is not None:
        headers.append((b"content-length", str(content_length).encode()))
    return {"type": "http", "method": "POST", "path": "/channels/files/messages/1/", "headers": headers}


def run(app: RequestBodyLimit, scope: dict[str, Any], chunks: list[bytes]) -> list[Message]:
    sent: list[Message] = []
    pending = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)
    ]

    async def receive() -> Message:
        return pending.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    run_in_fresh_loop(app(scope, receive, send))
    return sent


async def reading_app(scope: Scope, receive: Any, send: Any) -> None:
    """Stands in for Django: reads the body to the end, then answers how much it got."""
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            size = -1
            break
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


def test_declared_2gb_body_is_answered_413_without_reading_a_byte() -> None:
    async def inner(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("the application must not see this request")

    sent = run(RequestBodyLimit(inner), http_scope(2 * 1024**3), [])
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"]["code"] == "request_too_large"


def test_body_within_the_limit_reaches_the_application() -> None:
    sent = run(RequestBodyLimit(reading_app), http_scope(10), [b"12345", b"67890"])
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b"10"


def test_body_without_a_length_is_cut_off_when_it_passes_the_limit(settings: object) -> None:
    settings.KYOSO_UPLOAD_MAX_BYTES = 10  # type: ignore[attr-defined]
    settings.KYOSO_UPLOAD_MAX_FILES = 1  # type: ignore[attr-defined]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 0  # type: ignore[attr-defined]
    assert max_request_bytes() == 10
    sent = run(RequestBodyLimit(reading_app), http_scope(None), [b"x" * 8, b"x" * 8, b"x" * 8])
    assert sent[1]["body"] == b"-1"  # the application saw the client go away


@pytest.mark.parametrize("kind", ["websocket", "lifespan"])
def test_other_connections_pass_through(kind: str) -> None:
    seen: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    run_in_fresh_loop(RequestBodyLimit(inner)({"type": kind}, None, None))  # type: ignore[arg-type]
    assert seen == [kind]
