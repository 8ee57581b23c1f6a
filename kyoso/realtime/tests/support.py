"""Helpers for real-time tests: signed-in sockets on the ASGI application, and reading what they hear."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections
from django.test import Client

from kyoso.accounts.models import Member
from kyoso.testing.auth import force_login_verified

ORIGIN = b"http://testserver"
# How long a test waits for a frame it expects, and listens for one it must not get.
EXPECT_SECONDS = 5.0
SILENCE_SECONDS = 0.3


def session_cookie(member: Member, *, verified: bool = True) -> str:
    """A real session for ``member``, as the browser's cookie would carry it."""
    client = Client()
    if verified:
        force_login_verified(client, member)
    else:
        client.force_login(member)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


class Live:
    """One socket on /ws/, as live.js would hold it."""

    def __init__(self, cookie: str | None) -> None:
        from kyoso.asgi import application

        headers = [(b"origin", ORIGIN), (b"host", b"testserver")]
        if cookie is not None:
            headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
        self.communicator = WebsocketCommunicator(application, "/ws/", headers=headers)
        self.heard: list[dict[str, Any]] = []

    @classmethod
    async def signed_in(cls, member: Member, channels: dict[int, int] | None = None) -> Live:
        """A socket of ``member`` (its session made in the test's database thread), opened."""
        return await cls(await db(session_cookie)(member)).open(channels)

    async def open(self, channels: dict[int, int] | None = None) -> Live:
        connected, _ = await self.communicator.connect(timeout=EXPECT_SECONDS)
        assert connected
        if channels is not None:
            await self.hello(channels)
        return self

    async def hello(self, channels: dict[int, int]) -> list[dict[str, Any]]:
        """Say hello and return what came before ``ready`` (the catch-up)."""
        await self.communicator.send_to(text_data=json.dumps({"type": "hello", "channels": channels}))
        before_ready: list[dict[str, Any]] = []
        while True:
            event = await self.next()
            if event["type"] == "ready":
                return before_ready
            before_ready.append(event)

    async def send(self, value: dict[str, Any]) -> None:
        await self.communicator.send_to(text_data=json.dumps(value))

    async def next(self, timeout: float = EXPECT_SECONDS) -> dict[str, Any]:
        output = await self.communicator.receive_output(timeout)
        if output["type"] == "websocket.close":
            raise Closed(output.get("code", 1000))
        event = json.loads(output["text"])
        self.heard.append(event)
        return event

    async def next_of(self, kind: str, timeout: float = EXPECT_SECONDS) -> dict[str, Any]:
        """The next event of ``kind``, skipping others."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            event = await self.next(max(left, 0.01))
            if event["type"] == kind:
                return event

    async def drain(self, seconds: float = SILENCE_SECONDS) -> list[dict[str, Any]]:
        """Everything heard until the socket has been quiet for ``seconds``."""
        heard = []
        while not await self.communicator.receive_nothing(seconds):
            heard.append(await self.next())
        return heard

    async def silent(self, seconds: float = SILENCE_SECONDS) -> bool:
        return await self.communicator.receive_nothing(seconds)

    async def closed_with(self, timeout: float = EXPECT_SECONDS) -> int:
        """The close code the server ends with, skipping the events before it."""
        while True:
            try:
                await self.next(timeout)
            except Closed as closed:
                return closed.code

    async def close(self) -> None:
        await self.communicator.disconnect()


class Closed(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def db(function: Any) -> Any:
    """Run an action or query from a test coroutine, in the thread that owns the test's database."""
    return database_sync_to_async(function)


def in_thread(function: Callable[[], object]) -> None:
    """Run ``function`` in a thread of its own, re-raising what it raised.

    Once a browser test has started Playwright's sync API, the main thread keeps an event loop for the
    rest of the session, and no other loop may run there. The thread closes its database connections.
    """
    errors: list[BaseException] = []

    def target() -> None:
        try:
            function()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a test scenario that uses the database, with actions and queries through ``db``."""
    in_thread(async_to_sync(scenario))


def run_loop(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a test scenario that needs an event loop and no database."""
    in_thread(lambda: asyncio.run(scenario()))
