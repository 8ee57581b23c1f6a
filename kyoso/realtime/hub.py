"""The hub of one server process: its open sockets, indexed by audience.

An event arrives once per process (from this process's commits, the relay, or the one Redis
subscription), already encoded. The hub builds one ASGI message around that text and writes it to every
socket of the audience; there is no per-consumer queue and no task per delivery.

The index follows membership as it changes: a member's own ``channel.updated`` event with ``joined`` or
``created`` adds the channel to their sockets, ``left`` takes it away at once (nothing of that channel
reaches them after their own "left"), and ``member.status_changed`` to anything but active closes them.
``session.ended`` (kyoso.accounts.actions.security) closes the sockets of the sessions it names, with
4401; it is acted on here and never forwarded to a client. A member has at most
KYOSO_WS_MAX_SOCKETS_PER_MEMBER sockets on one process: one more closes their oldest, with 4429. With
Redis the cap holds across processes too (kyoso.realtime.registry): ``sockets.too_many`` names the
sockets to close, wherever they are, and is not forwarded either.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.conf import settings

from kyoso.core.events import channel_audience, community_audience, member_audience
from kyoso.realtime.sockets import (
    CLOSE_NOT_ALLOWED,
    CLOSE_RESTART,
    CLOSE_SIGNED_OUT,
    CLOSE_TOO_MANY,
    Send,
    Socket,
    direct_protocol,
    wire_message,
)

if TYPE_CHECKING:
    from kyoso.realtime.registry import SocketRegistry

logger = logging.getLogger("kyoso.realtime")

JOINED_CHANGES = frozenset({"created", "joined"})
# How often the backlogs of sockets with a full transport are tried again: frames to a slow reader
# wait at most this much longer, and are then written together, in one call.
FLUSH_SECONDS = 0.01
LEFT_CHANGES = frozenset({"left"})
ACTIVE = "active"
SESSION_ENDED = "session.ended"
SOCKETS_TOO_MANY = "sockets.too_many"  # kyoso.realtime.registry
CONTROL_EVENTS = frozenset({"channel.updated", "member.status_changed", SESSION_ENDED, SOCKETS_TOO_MANY})


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop, *, send_buffer: int) -> None:
        self.loop = loop
        self.send_buffer = send_buffer
        self.index: dict[str, set[Socket]] = {}
        # Each member's sockets, oldest first (a dict keeps the order of insertion).
        self.members: dict[int, dict[Socket, None]] = {}
        # False while the event feed is down (Redis): sockets are closed and new ones refused, so that
        # every client catches up after the outage instead of silently missing what was published.
        self.online = False
        self.came_online = asyncio.Event()
        # Direct sockets whose transport is full, and the timer that writes their backlog once it drains.
        self._stalled: set[Socket] = set()
        self._flusher: asyncio.TimerHandle | None = None
        self._thread = threading.get_ident()
        self._closers: list[Callable[[], object]] = []
        # Every process's sockets, when scaled out (set by the Redis transport).
        self.registry: SocketRegistry | None = None

    # --- sockets ------------------------------------------------------------------------------------

    def attach(self, member_id: int, name: str, send: Send, session: str = "") -> Socket:
        """A socket hearing its member's own events and the community's (channels come with ``subscribe``).

        ``session`` is the digest of the session it opened with. Past the member's cap of sockets, their
        oldest socket is closed.
        """
        socket = Socket(self, member_id, name, send, direct_protocol(send), session=session)
        same_member = self.members.setdefault(member_id, {})
        same_member[socket] = None
        self._add(member_audience(member_id), socket)
        self._add(community_audience(), socket)
        excess = len(same_member) - settings.KYOSO_WS_MAX_SOCKETS_PER_MEMBER
        for oldest in tuple(same_member)[: max(excess, 0)]:
            self._unindex(oldest)
            oldest.close(CLOSE_TOO_MANY)
        if self.registry is not None:
            socket.key = self.registry.key_for()
            self.registry.attached(socket)
        return socket

    def subscribe(self, socket: Socket, channel_ids: Iterable[int]) -> None:
        """Add the channels read from the database, corrected by joins and leaves heard since then."""
        if socket.closed:
            return
        joins = socket.joins or {}
        for channel_id in channel_ids:
            if joins.get(channel_id, True):
                self._join(socket, channel_id)
        socket.joins = None

    def detach(self, socket: Socket) -> None:
        """The connection is gone (closed by the peer, or a write failed)."""
        socket.closed = True
        self._unindex(socket)

    def drop(self, socket: Socket, code: int) -> None:
        """A socket that cannot keep up: out of the index, and its connection cut."""
        self._unindex(socket)
        socket.abort(code)

    def close_member(self, member_id: int, code: int) -> None:
        for socket in tuple(self.members.get(member_id, ())):
            self._unindex(socket)
            socket.close(code)

    def close_sockets(self, member_id: int, keys: object) -> None:
        """A ``sockets.too_many`` event: close the member's sockets it names that are held here."""
        named = {key for key in keys if isinstance(key, str)} if isinstance(keys, list) else set()
        for socket in tuple(self.members.get(member_id, ())):
            if socket.key and socket.key in named:
                self._unindex(socket)
                socket.close(CLOSE_TOO_MANY)

    def end_sessions(self, member_id: int, data: dict) -> None:
        """A ``session.ended`` event: close the member's sockets of the ended sessions (or of every session
        but the renewed ones), after moving the sockets of a renewed session to its new key."""
        renewed = data.get("renewed")
        renewed = renewed if isinstance(renewed, dict) else {}
        ended = data.get("sessions")
        ended = {key for key in ended if isinstance(key, str)} if isinstance(ended, list) else set()
        everything = data.get("all") is True
        kept = set(renewed.values())
        for socket in tuple(self.members.get(member_id, ())):
            if socket.session in renewed:
                socket.session = renewed[socket.session]
            if socket.session in ended or (everything and socket.session not in kept):
                self._unindex(socket)
                socket.close(CLOSE_SIGNED_OUT)

    def stalled(self, socket: Socket) -> None:
        """A direct socket's transport is full: write its backlog when the transport drains."""
        self._stalled.add(socket)
        if self._flusher is None:
            self._flusher = self.loop.call_later(FLUSH_SECONDS, self._flush)

    def _flush(self) -> None:
        self._flusher = None
        for socket in tuple(self._stalled):
            if socket.flush():
                self._stalled.discard(socket)
        if self._stalled:
            self._flusher = self.loop.call_later(FLUSH_SECONDS, self._flush)

    def _unindex(self, socket: Socket) -> None:
        self._stalled.discard(socket)
        self._remove(member_audience(socket.member_id), socket)
        self._remove(community_audience(), socket)
        for channel_id in socket.channels:
            self._remove(channel_audience(channel_id), socket)
        socket.channels = set()
        same_member = self.members.get(socket.member_id)
        if same_member is not None:
            if socket in same_member and self.registry is not None and socket.key:
                self.registry.detached(socket)
            same_member.pop(socket, None)
            if not same_member:
                del self.members[socket.member_id]

    def sockets(self) -> int:
        return sum(len(s) for s in self.members.values())

    def _add(self, audience: str, socket: Socket) -> None:
        self.index.setdefault(audience, set()).add(socket)

    def _remove(self, audience: str, socket: Socket) -> None:
        sockets = self.index.get(audience)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self.index[audience]

    def _join(self, socket: Socket, channel_id: int) -> None:
        socket.channels.add(channel_id)
        self._add(channel_audience(channel_id), socket)

    def _leave(self, socket: Socket, channel_id: int) -> None:
        socket.channels.discard(channel_id)
        self._remove(channel_audience(channel_id), socket)

    # --- events -------------------------------------------------------------------------------------

    def deliver(self, audience: str, key: str, frame: str) -> None:
        """Write one encoded event to every local socket of ``audience`` (on the hub's loop)."""
        if audience.startswith("member:"):
            self._deliver_to_member(audience, key, frame)
            return
        sockets = self.index.get(audience)
        if not sockets:
            return
        message = wire_message(frame)
        for socket in tuple(sockets):
            socket.push(message, key)

    def deliver_threadsafe(self, audience: str, key: str, frame: str) -> None:
        """``deliver`` from any thread, in the order of the calls."""
        try:
            if threading.get_ident() == self._thread:
                self.loop.call_soon(self.deliver, audience, key, frame)
            else:
                self.loop.call_soon_threadsafe(self.deliver, audience, key, frame)
        except RuntimeError:
            pass  # the loop has closed: its sockets are gone

    def _deliver_to_member(self, audience: str, key: str, frame: str) -> None:
        sockets = tuple(self.index.get(audience, ()))
        if not sockets:
            return
        event = _control_event(frame)
        if event is not None and event["type"] == SESSION_ENDED:
            self.end_sessions(int(audience.split(":", 1)[1]), event["data"])
            return  # for the hub only: it names sessions, which clients have no business hearing
        if event is not None and event["type"] == SOCKETS_TOO_MANY:
            self.close_sockets(int(audience.split(":", 1)[1]), event["data"].get("sockets"))
            return  # for the hub only, like session.ended
        if event is not None and event["type"] == "channel.updated":
            change, channel_id = event["data"].get("change"), event["data"].get("id")
            if change in JOINED_CHANGES and isinstance(channel_id, int):
                for socket in sockets:
                    self._join(socket, channel_id)
                    if socket.joins is not None:
                        socket.joins[channel_id] = True
        message = wire_message(frame)
        for socket in sockets:
            socket.push(message, key)
        if event is None:
            return
        if event["type"] == "channel.updated" and event["data"].get("change") in LEFT_CHANGES:
            channel_id = event["data"].get("id")
            for socket in sockets:
                self._leave(socket, channel_id)
                if socket.joins is not None:
                    socket.joins[channel_id] = False
        elif event["type"] == "member.status_changed" and event["data"].get("status") != ACTIVE:
            self.close_member(int(audience.split(":", 1)[1]), CLOSE_NOT_ALLOWED)

    # --- the event feed -----------------------------------------------------------------------------

    def set_online(self, online: bool) -> None:
        was_online, self.online = self.online, online
        if online and self.registry is not None:
            self.registry.online()  # before any socket is counted under the new name
        if online:
            self.came_online.set()
        else:
            self.came_online.clear()
        if was_online and not online:
            for member_id in tuple(self.members):
                self.close_member(member_id, CLOSE_RESTART)
        if not online and self.registry is not None:
            self.registry.offline()

    def on_close(self, closer: Callable[[], object]) -> None:
        self._closers.append(closer)

    def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
        for closer in self._closers:
            with contextlib.suppress(Exception):
                closer()
        self._closers.clear()


def _control_event(frame: str) -> dict | None:
    """The few events that change the index, parsed; any other frame is passed on unread."""
    # A cheap look first: member events are few, and a false match only costs a parse.
    if not any(kind in frame for kind in CONTROL_EVENTS):
        return None
    try:
        event = json.loads(frame)
    except ValueError:
        return None
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        return None
    if event.get("type") not in CONTROL_EVENTS:
        return None
    return event


_hub: Hub | None = None


def current_hub() -> Hub:
    """This process's hub, on the running event loop, started (with its transport) on first use."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop:
        if _hub is not None:
            _hub.close()
        from kyoso.realtime.pubsub import transport

        _hub = Hub(loop, send_buffer=settings.KYOSO_WS_SEND_BUFFER)
        transport().start(_hub)
    return _hub


def running_hub() -> Hub | None:
    """The hub if this process has one whose loop still runs (publishers on any thread ask)."""
    hub = _hub
    if hub is None or hub.loop.is_closed():
        return None
    return hub
