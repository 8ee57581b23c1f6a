"""One open WebSocket as the hub sees it: who it is, what it hears, and its bounded send buffer.

Two ways to write, both without a task per frame and without ever making the hub wait:

- Direct (uvicorn's sans-I/O protocol, no compression: see ``direct_protocol``): the event's ready
  frame is written to the connection's transport. While the transport is full, frames wait in the
  socket's backlog; the hub's flusher writes them in one go when the transport drains.
- Otherwise, one call into the ASGI server's ``send``, which finishes at once unless the transport is
  full; then a task finishes it and later frames wait in the backlog.

A backlog holds at most ``limit`` frames (KYOSO_WS_SEND_BUFFER). A socket whose backlog overflows is
dropped, aborted without waiting on a peer that does not read; its client catches up from the database
when it reconnects. Frames are shared between sockets: a backlog holds references, not copies.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import TYPE_CHECKING, Any

from websockets.frames import Frame, Opcode

from kyoso.core.errors import NotAllowed, NotAuthenticated, close_code

if TYPE_CHECKING:
    from kyoso.realtime.hub import Hub

Message = dict[str, Any]
Send = Callable[[Message], Awaitable[None]]

# Close codes the client understands (kyoso/web/static/kyoso/js/live.js).
CLOSE_TOO_SLOW = 4008  # the send buffer overflowed: reconnect and catch up
# The member opened more sockets than KYOSO_WS_MAX_SOCKETS_PER_MEMBER: their oldest one is closed
# (4000 + 429, as for RateLimited).
CLOSE_TOO_MANY = 4429
# Refusals speak the one error protocol: 4000 + the HTTP status of the error (kyoso.core.errors).
CLOSE_SIGNED_OUT = close_code(NotAuthenticated())  # 4401, no signed-in session: do not retry
CLOSE_NOT_ALLOWED = close_code(NotAllowed())  # 4403, suspended, deactivated, or no second factor yet
CLOSE_RESTART = 1012  # this process lost its event feed (Redis) or is restarting: reconnect
CLOSE_TRY_LATER = 1013  # not ready to serve yet: reconnect after a while
# How long a close may wait on a transport that is not the ASGI server's own.
CLOSE_TIMEOUT_SECONDS = 5.0
# The key, in an ASGI "websocket.send" message, of the same text as a ready WebSocket frame (bytes).
WIRE = "kyoso.wire"


def wire_message(text: str) -> Message:
    """The ASGI message for ``text``, with its WebSocket frame made once for every socket that gets it."""
    return {
        "type": "websocket.send",
        "text": text,
        WIRE: Frame(Opcode.TEXT, text.encode()).serialize(mask=False),
    }


def direct_protocol(send: Send) -> Any:
    """uvicorn's sans-I/O WebSocket protocol behind ``send``, when a ready frame may go straight to its
    transport: no compression was negotiated, so the frame is the same bytes for every socket.

    That is how ``websockets``' own broadcast works, and it is what makes fan-out cheap: one frame made
    per event instead of one per socket. Anything else (another ASGI server, a compressed connection,
    a full transport, a closing one) goes through the ASGI ``send`` as usual.
    """
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    except ImportError:
        return None
    protocol = getattr(send, "__self__", None)
    if not isinstance(protocol, WebSocketsSansIOProtocol) or protocol.conn.extensions:
        return None
    return protocol


class _Resume:
    """Hand a coroutine that already ran up to its first suspension over to a task."""

    __slots__ = ("coro", "waiting")

    def __init__(self, coro: Coroutine[Any, Any, None], waiting: Any) -> None:
        self.coro, self.waiting = coro, waiting

    def __await__(self) -> Generator[Any, Any, None]:
        waiting = self.waiting
        while True:
            try:
                sent = yield waiting
            except GeneratorExit:
                self.coro.close()
                raise
            except BaseException as error:  # a cancellation goes on into the coroutine
                try:
                    waiting = self.coro.throw(error)
                except StopIteration:
                    return
            else:
                try:
                    waiting = self.coro.send(sent)
                except StopIteration:
                    return


async def _awaited(awaitable: Awaitable[None]) -> None:
    await awaitable


class Socket:
    __slots__ = (
        "backlog",
        "channels",
        "closed",
        "direct",
        "held",
        "hub",
        "joins",
        "key",
        "limit",
        "member_id",
        "name",
        "send",
        "session",
        "typed_at",
        "writer",
    )

    def __init__(
        self, hub: Hub, member_id: int, name: str, send: Send, direct: Any = None, session: str = ""
    ) -> None:
        self.hub = hub
        self.member_id = member_id
        self.name = name
        # The digest of the session the socket opened with (kyoso.accounts.actions.security.session_digest):
        # when that session ends, the socket closes.
        self.session = session
        # Its name in the registry of every process's sockets (kyoso.realtime.registry), with Redis.
        self.key = ""
        self.send = send
        self.direct = direct
        self.limit = hub.send_buffer
        self.channels: set[int] = set()
        # Until catch-up is done, live frames wait here with their message key (to drop duplicates),
        # and joins and leaves of channels are noted to correct what catch-up read.
        self.held: list[tuple[Message, str]] | None = []
        self.joins: dict[int, bool] | None = {}
        # Frames waiting for a full transport: ready frames (bytes) when direct, else ASGI messages.
        self.backlog: deque[Any] | None = None
        self.writer: asyncio.Task[None] | None = None
        self.typed_at: dict[int, float] | None = None
        self.closed = False

    # --- writing ------------------------------------------------------------------------------------

    def push(self, message: Message, key: str = "") -> None:
        """Queue a live frame for this socket (the hub calls this once per socket per event)."""
        if self.closed:
            return
        if self.held is not None:
            self.held.append((message, key))
            if len(self.held) > self.limit:
                self.hub.drop(self, CLOSE_TOO_SLOW)
            return
        self.write(message)

    def write(self, message: Message, *, counted: bool = True) -> None:
        if self.closed:
            return
        wire = message.get(WIRE)
        if self.direct is not None and wire is not None:
            self._write_direct(wire, counted)
            return
        if self.backlog is not None:
            self.backlog.append(message)
            if counted and len(self.backlog) > self.limit:
                self.hub.drop(self, CLOSE_TOO_SLOW)
            return
        coro = self.send(message)
        if not asyncio.iscoroutine(coro):
            coro = _awaited(coro)
        try:
            waiting = coro.send(None)
        except StopIteration:
            return
        except Exception:
            # The peer is gone; the consumer hears of it too and detaches.
            self.hub.detach(self)
            return
        self.backlog = deque()
        self.writer = self.hub.loop.create_task(self._finish(coro, waiting))

    def _write_direct(self, wire: bytes, counted: bool) -> None:
        protocol = self.direct
        if protocol.close_sent or protocol.disconnected or protocol.transport.is_closing():
            return  # going away: the consumer hears of it and detaches
        if self.backlog is None:
            if protocol.writable.is_set():
                protocol.transport.write(wire)
                return
            self.backlog = deque()
            self.hub.stalled(self)
        self.backlog.append(wire)
        if counted and len(self.backlog) > self.limit:
            self.hub.drop(self, CLOSE_TOO_SLOW)

    def flush(self) -> bool:
        """Write a direct socket's backlog if its transport has drained; whether nothing is left."""
        protocol, backlog = self.direct, self.backlog
        if self.closed or backlog is None or protocol is None:
            return True
        if protocol.close_sent or protocol.disconnected or protocol.transport.is_closing():
            self.backlog = None
            return True
        if not protocol.writable.is_set():
            return False
        self.backlog = None
        self.limit = self.hub.send_buffer
        protocol.transport.write(b"".join(backlog))
        return True

    async def _finish(self, coro: Coroutine[Any, Any, None], waiting: Any) -> None:
        try:
            await _Resume(coro, waiting)
            while self.backlog:
                await self.send(self.backlog.popleft())
        except asyncio.CancelledError:
            raise
        except Exception:
            self.hub.detach(self)
        finally:
            self.backlog = None
            self.writer = None
            self.limit = self.hub.send_buffer

    def release(self, catch_up: list[str], ready: str, sent_ids: set[str]) -> None:
        """Catch-up is done: send it, then ``ready``, then the live frames held meanwhile."""
        held, self.held = self.held or [], None
        # Catch-up is bounded by its own limit; only what comes after it counts against the buffer.
        self.limit = self.hub.send_buffer + len(catch_up) + 1
        for frame in catch_up:
            self.write(wire_message(frame), counted=False)
        self.write(wire_message(ready), counted=False)
        if self.backlog is None:
            self.limit = self.hub.send_buffer  # all of it is written already
        for message, key in held:
            if not key or key not in sent_ids:
                self.write(message)

    # --- closing ------------------------------------------------------------------------------------

    def close(self, code: int) -> None:
        """Close after the frames already queued (e.g. the event that says why)."""
        if self.closed:
            return
        if self.direct is not None and self.backlog is not None:
            # Frames still wait for a full transport: this peer reads too slowly to wait for.
            self.abort(code)
            return
        self.write({"type": "websocket.close", "code": code}, counted=False)
        self.closed = True

    def abort(self, code: int) -> None:
        """Close now, whatever is queued: the peer is not reading, so nothing more is written to it."""
        if self.closed:
            return
        self.closed = True
        writer, self.writer = self.writer, None
        self.backlog = None
        if writer is not None:
            writer.cancel()
        # uvicorn's send is a method of its protocol, whose transport can be aborted: a graceful close
        # would wait behind the very buffer that is full.
        protocol = self.direct if self.direct is not None else getattr(self.send, "__self__", None)
        transport = getattr(protocol, "transport", None)
        if transport is not None and hasattr(transport, "abort"):
            transport.abort()
            return
        self.hub.loop.create_task(self._close_within_timeout(code))

    async def _close_within_timeout(self, code: int) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                self.send({"type": "websocket.close", "code": code}), CLOSE_TIMEOUT_SECONDS
            )
