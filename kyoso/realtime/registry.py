"""Every server process's sockets of each member, in Redis: the cap of sockets per member holds across
processes.

Scaled out, a member's sockets may sit on several processes. Each process keeps, per member, a sorted
set in Redis of the member's socket keys (``<process>/<n>``) in the order they opened, and beats for
itself every HEARTBEAT_SECONDS in a set of processes. When a socket opens, one script adds it, drops the
keys of processes that stopped beating (killed with ``kill -9``: their sockets are gone), and takes out
the oldest keys past KYOSO_WS_MAX_SOCKETS_PER_MEMBER. Those are named in a ``sockets.too_many`` event to
the member's audience: every hub closes the ones it holds with 4429, and no client hears the event.

A process's work on Redis happens in order, on its hub's loop, one operation after another, so a
socket closed here is out of the set before the next one is counted. Each time the process's
subscription comes (back) up it takes a new name, and the old one stops counting at once: the sockets it
held were all closed when the subscription went down, whether or not Redis heard of it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket as sockets_module
from collections import deque
from typing import TYPE_CHECKING, Any

from django.conf import settings

from kyoso.core.events import make_event, member_audience

if TYPE_CHECKING:
    from kyoso.realtime.hub import Hub
    from kyoso.realtime.sockets import Socket

logger = logging.getLogger("kyoso.realtime")

SOCKETS_TOO_MANY = "sockets.too_many"
HEARTBEAT_SECONDS = 10.0
# A process silent for this long is gone (three beats missed): its sockets no longer count.
STALE_SECONDS = 3 * HEARTBEAT_SECONDS
REDIS_TIMEOUT_SECONDS = 2.0

# KEYS: the member's sockets, the processes, the order counter. ARGV: the socket's key, its process,
# the cap, how old a beat may be. Returns the keys to close, oldest first.
_ATTACH_SCRIPT = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[3]), ARGV[1])
local live = {}
for _, key in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local process = string.match(key, '^(.*)/[^/]*$')
  local beat = process and redis.call('ZSCORE', KEYS[2], process)
  if beat and tonumber(beat) > now - tonumber(ARGV[4]) then
    live[#live + 1] = key
  else
    redis.call('ZREM', KEYS[1], key)
  end
end
local excess = {}
for i = 1, #live - tonumber(ARGV[3]) do
  excess[#excess + 1] = live[i]
  redis.call('ZREM', KEYS[1], live[i])
end
return excess
"""

# KEYS: the processes. ARGV: this process, its previous name (or ""), how old a beat may be.
_BEAT_SCRIPT = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZADD', KEYS[1], now, ARGV[1])
if ARGV[2] ~= '' then redis.call('ZREM', KEYS[1], ARGV[2]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 10 * tonumber(ARGV[3]))
return now
"""


class SocketRegistry:
    def __init__(self, url: str, prefix: str, channel: str, hub: Hub) -> None:
        self.url, self.prefix, self.channel, self.hub = url, prefix, channel, hub
        self.process = ""
        self._previous = ""
        self._counter = 0
        self._operations: deque[tuple[str, Any]] = deque()
        self._pending = asyncio.Event()
        self._client: Any = None
        self._tasks = [hub.loop.create_task(self._work()), hub.loop.create_task(self._beat())]

    # --- called by the hub, on its loop -------------------------------------------------------------

    def online(self) -> None:
        """The subscription is (back) up: a new name, and the old one's sockets stop counting."""
        self._operations.clear()
        self._previous = self.process
        host = sockets_module.gethostname()
        self.process = f"{host}:{os.getpid()}:{secrets.token_hex(4)}"
        self._push("beat", None)

    def offline(self) -> None:
        """The subscription is down: every socket was closed; what is queued cannot reach Redis anyway."""
        self._operations.clear()

    def key_for(self) -> str:
        self._counter += 1
        return f"{self.process}/{self._counter}"

    def attached(self, socket: Socket) -> None:
        self._push("attach", socket)

    def detached(self, socket: Socket) -> None:
        self._push("detach", socket)

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        # The client's connections belong to the hub's loop, which is closing: they go with it.
        self._client = None

    # --- on Redis, one operation after another ------------------------------------------------------

    def _push(self, kind: str, subject: Any) -> None:
        self._operations.append((kind, subject))
        self._pending.set()

    def _redis(self) -> Any:
        if self._client is None:
            import redis.asyncio

            self._client = redis.asyncio.Redis.from_url(
                self.url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
            )
        return self._client

    def _key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    async def _work(self) -> None:
        import redis

        while True:
            await self._pending.wait()
            while self._operations:
                kind, subject = self._operations.popleft()
                try:
                    await self._run(kind, subject)
                except (redis.RedisError, OSError) as error:
                    # The subscription fails too, and closes every socket: the next name starts afresh.
                    logger.warning("real time: socket registry: %s failed: %s", kind, error)
                # redis-py may turn a cancellation in the middle of a command into its own error: the
                # task was asked to stop all the same (its loop is closing), so it stops.
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise asyncio.CancelledError
            self._pending.clear()

    async def _run(self, kind: str, subject: Any) -> None:
        client = self._redis()
        if kind == "beat":
            previous, self._previous = self._previous, ""
            await client.eval(_BEAT_SCRIPT, 1, self._key("processes"), self.process, previous, STALE_SECONDS)
            return
        socket: Socket = subject
        sockets_key = self._key(f"sockets:{socket.member_id}")
        if kind == "detach":
            await client.zrem(sockets_key, socket.key)
            return
        if socket.closed:
            return  # closed before it was counted: nothing to add
        excess = await client.eval(
            _ATTACH_SCRIPT,
            3,
            sockets_key,
            self._key("processes"),
            self._key("socket-order"),
            socket.key,
            self.process,
            settings.KYOSO_WS_MAX_SOCKETS_PER_MEMBER,
            STALE_SECONDS,
        )
        if excess:
            from kyoso.realtime.pubsub import encode, envelope

            keys = [key.decode() if isinstance(key, bytes) else str(key) for key in excess]
            event = make_event(SOCKETS_TOO_MANY, {"sockets": keys})
            await client.publish(self.channel, envelope(member_audience(socket.member_id), "", encode(event)))

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            if self.process and self.hub.online:
                self._push("beat", None)
