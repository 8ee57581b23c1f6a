"""The WebSocket endpoint ``/ws/``: thin, like a view. The protocol (kyoso/web/static/kyoso/js/live.js):

- The socket opens with the browser's session cookie; a socket that may not read is accepted and at
  once closed with 4401 (not signed in) or 4403 (suspended, or the second factor is not done), so the
  client knows not to retry.
- An open socket belongs to the session it opened with: when that session ends (sign-out, signed out
  from another browser, a password change elsewhere) it is closed with 4401. A member's socket past
  KYOSO_WS_MAX_SOCKETS_PER_MEMBER (on one process) closes their oldest one with 4429.
- Client ``{"type": "hello", "channels": {"<channel id>": {"cursor": <change number held>}, ...}}``:
  the server sends what changed since (the events heard live, each message as it is now, or ``resync``
  for a channel that missed too many: kyoso.realtime.catchup), then ``{"type": "ready", "data":
  {"cursors": {"<channel id>": <change number>}}}``, then live events as they happen. An older client's
  ``"<channel id>": <last message id held>`` gets the newer messages only.
- Client ``{"type": "typing", "channel_id": N}``: the channel hears ``member.typing``, at most once per
  KYOSO_WS_TYPING_INTERVAL seconds per socket and channel.
- Client ``{"type": "ping"}``: the server answers ``{"type": "pong"}`` (the client's heartbeat).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from channels.consumer import AsyncConsumer, get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kyoso.accounts.models import Member
from kyoso.core.errors import InvalidInput, error_frame
from kyoso.core.events import channel_audience, make_event, publish_now
from kyoso.realtime import catchup
from kyoso.realtime.auth import Refused, admit, session_key
from kyoso.realtime.hub import current_hub
from kyoso.realtime.pubsub import encode
from kyoso.realtime.sockets import CLOSE_TRY_LATER, Socket, wire_message

PONG = wire_message(encode({"type": "pong"}))
# How long a socket waits for its process's event feed (Redis) before it is told to come back later.
FEED_WAIT_SECONDS = 3.0


class InvalidFrame(InvalidInput):
    message = _("送られてきたデータを読み取れませんでした。JSON のオブジェクトで送ってください。")


class LiveConsumer(AsyncConsumer):
    def __init__(self) -> None:
        super().__init__()
        self.socket: Socket | None = None
        self.member: Member | None = None  # until hello: the queries of the setup need it
        self.greeted = False

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels' own dispatch closes stale database connections on every frame received (a thread
        # hop per heartbeat); this consumer reaches the database only through database_sync_to_async,
        # which does that itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        hub = current_hub()
        if not hub.online:
            # A process's first socket starts its event feed; give it a moment to come up.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(hub.came_online.wait(), FEED_WAIT_SECONDS)
        if not hub.online:
            await self._refuse(CLOSE_TRY_LATER)
            return
        admitted = await database_sync_to_async(admit)(session_key(self.scope.get("headers", [])))
        if isinstance(admitted, Refused):
            await self._refuse(admitted.code)
            return
        await self.send({"type": "websocket.accept"})
        self.member = admitted.member
        self.socket = hub.attach(
            admitted.member.pk, admitted.member.display_name, self.base_send, session=admitted.session
        )

    async def _refuse(self, code: int) -> None:
        await self.send({"type": "websocket.accept"})
        await self.send({"type": "websocket.close", "code": code})

    async def websocket_receive(self, message: dict[str, Any]) -> None:
        socket = self.socket
        if socket is None or socket.closed:
            return
        try:
            request = json.loads(message.get("text") or "")
        except (ValueError, RecursionError):
            request = None
        if not isinstance(request, dict):
            # Answered in the one error protocol's shape, not dropped, and counted against the send buffer:
            # a client that sends garbage and never reads is dropped like any slow one.
            socket.write(wire_message(encode(error_frame(InvalidFrame()))))
            return
        kind = request.get("type")
        if kind == "ping":
            socket.write(PONG, counted=False)
        elif kind == "hello" and not self.greeted:
            self.greeted = True
            await self._hello(socket, catchup.held_channels(request.get("channels")))
        elif kind == "typing":
            self._typing(socket, request.get("channel_id"))

    async def _hello(self, socket: Socket, held: dict[int, catchup.Held]) -> None:
        member, self.member = self.member, None
        if member is None:
            return
        loop = asyncio.get_running_loop()

        async def subscribe(channels: set[int]) -> set[int]:
            socket.hub.subscribe(socket, channels)
            return set(socket.channels)

        def set_up() -> catchup.CatchUp:
            # One trip to the database thread. The socket is indexed under its channels (on the loop)
            # before catch-up reads: whatever commits after that read arrives live, held until
            # catch-up is sent, its duplicates dropped.
            channels = catchup.listened_channels(member, held)
            heard = asyncio.run_coroutine_threadsafe(subscribe(channels), loop).result()
            return catchup.missed(member, held, heard)

        missed = await database_sync_to_async(set_up)()
        if not socket.closed:
            ready = make_event("ready", {"cursors": missed.cursors})
            socket.release(missed.frames, encode(ready), missed.message_ids)

    def _typing(self, socket: Socket, channel_id: Any) -> None:
        # A JSON true is a Python int equal to 1: not a channel id.
        if type(channel_id) is not int or channel_id not in socket.channels:
            return
        now = socket.hub.loop.time()
        typed_at = socket.typed_at if socket.typed_at is not None else {}
        if now - typed_at.get(channel_id, float("-inf")) < settings.KYOSO_WS_TYPING_INTERVAL:
            return
        typed_at[channel_id] = now
        socket.typed_at = typed_at
        data = {"channel_id": channel_id, "member": {"id": socket.member_id, "name": socket.name}}
        # Off the event loop: with Redis, publishing is a network round trip.
        socket.hub.loop.run_in_executor(
            None, publish_now, channel_audience(channel_id), "member.typing", data
        )

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        if self.socket is not None:
            self.socket.hub.detach(self.socket)
            self.socket = None
        raise StopConsumer()
