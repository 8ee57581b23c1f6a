"""From a published event to the hubs of every server process: each event is encoded to JSON once.

Two transports share one interface (``publish`` from any thread, ``start`` on a hub's event loop):

- ``LocalTransport`` (no ``KYOSO_REDIS_URL``): the hub of this process, plus kyoso's other processes on
  this machine that share ``var/`` (``kyoso worker``, ``--workers N``, a management command) through
  kyoso.realtime.relay.
- ``RedisTransport``: a process publishes once to one Redis channel; every server process holds one
  subscription and hands what arrives to its hub. While that subscription is down, the hub closes its
  sockets and refuses new ones: its clients catch up from the database once it is back, so nothing
  published during the outage is lost to them. The subscription comes back by itself, retried with a
  growing delay. The sockets of every process are counted in Redis too (kyoso.realtime.registry).

On the wire an event travels as an envelope, ``audience\\nkey\\nframe``: the frame is the JSON text the
sockets receive, and the key is the message id of a ``message.created`` (the hub uses it to drop what
catch-up already sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlparse

from django.conf import settings

from kyoso.realtime.relay import Relay

if TYPE_CHECKING:
    from kyoso.realtime.hub import Hub

logger = logging.getLogger("kyoso.realtime")

# How long a publisher waits for Redis before it gives up on one event (the change itself is saved:
# clients get it on their next catch-up). Reconnecting the subscription backs off up to the maximum.
REDIS_TIMEOUT_SECONDS = 2.0
REDIS_HEALTH_CHECK_SECONDS = 10
RESUBSCRIBE_FIRST_DELAY_SECONDS = 0.2
RESUBSCRIBE_MAX_DELAY_SECONDS = 5.0


def encode(value: dict[str, Any]) -> str:
    """The JSON text a socket receives; compact, and Japanese as UTF-8 rather than \\u escapes."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def message_key(event: dict[str, Any]) -> str:
    if event.get("type") == "message.created":
        return str(event.get("data", {}).get("id", ""))
    return ""


def envelope(audience: str, key: str, frame: str) -> str:
    return f"{audience}\n{key}\n{frame}"


def open_envelope(text: str) -> tuple[str, str, str]:
    audience, key, frame = text.split("\n", 2)
    return audience, key, frame


class Transport(Protocol):
    def publish(self, audience: str, event: dict[str, Any]) -> None: ...

    def start(self, hub: Hub) -> None: ...


class LocalTransport:
    def __init__(self) -> None:
        self.relay = Relay(settings.VAR_DIR / "realtime")

    def publish(self, audience: str, event: dict[str, Any]) -> None:
        from kyoso.realtime.hub import running_hub

        frame = encode(event)
        key = message_key(event)
        hub = running_hub()
        if hub is not None:
            hub.deliver_threadsafe(audience, key, frame)
        self.relay.send(envelope(audience, key, frame))

    def start(self, hub: Hub) -> None:
        hub.set_online(True)
        self.relay.listen(hub.loop, lambda text: hub.deliver(*open_envelope(text)))
        hub.on_close(self.relay.close)


class RedisTransport:
    def __init__(self, url: str) -> None:
        self.url = url
        # Pub/sub ignores the database number, so it is part of the channel name: two kyoso instances
        # (or test runs) on one Redis with different database numbers do not hear each other.
        database = (urlparse(url).path or "/0").lstrip("/") or "0"
        self.prefix = f"kyoso:{database}"
        self.channel = f"{self.prefix}:events"
        self._client: Any = None
        self._lock = threading.Lock()

    def _publisher(self) -> Any:
        with self._lock:
            if self._client is None:
                import redis

                self._client = redis.Redis.from_url(
                    self.url,
                    socket_timeout=REDIS_TIMEOUT_SECONDS,
                    socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                )
            return self._client

    def publish(self, audience: str, event: dict[str, Any]) -> None:
        import redis

        text = envelope(audience, message_key(event), encode(event))
        try:
            self._publisher().publish(self.channel, text.encode())
        except redis.RedisError as error:
            # The change is committed; sockets that missed this event catch up when they reconnect.
            logger.warning("real time: could not publish %s to Redis: %s", event.get("type"), error)

    def start(self, hub: Hub) -> None:
        from kyoso.realtime.registry import SocketRegistry

        # Every process's sockets: the cap per member holds across processes.
        hub.registry = SocketRegistry(self.url, self.prefix, self.channel, hub)
        hub.on_close(hub.registry.close)
        task = hub.loop.create_task(self._listen(hub))
        hub.on_close(task.cancel)

    async def _listen(self, hub: Hub) -> None:
        import redis
        import redis.asyncio

        delay = RESUBSCRIBE_FIRST_DELAY_SECONDS
        while True:
            client = redis.asyncio.Redis.from_url(
                self.url,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                health_check_interval=REDIS_HEALTH_CHECK_SECONDS,
            )
            pubsub = client.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                # Online only once Redis confirms: from then on nothing published is missed here.
                while (await pubsub.get_message(timeout=None) or {}).get("type") != "subscribe":
                    pass
                hub.set_online(True)
                delay = RESUBSCRIBE_FIRST_DELAY_SECONDS
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=None)
                    if message is not None and message.get("type") == "message":
                        hub.deliver(*open_envelope(message["data"].decode()))
            except (redis.RedisError, OSError) as error:
                logger.warning("real time: Redis subscription lost (%s); retrying", error)
            finally:
                hub.set_online(False)
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                    await client.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RESUBSCRIBE_MAX_DELAY_SECONDS)


_transport: Transport | None = None
_transport_url: str | None = None


def transport() -> Transport:
    """The transport for the current settings (tests switch ``REDIS_URL`` with override_settings)."""
    global _transport, _transport_url
    url = settings.REDIS_URL or ""
    if _transport is None or url != _transport_url:
        _transport = RedisTransport(url) if url else LocalTransport()
        _transport_url = url
    return _transport
