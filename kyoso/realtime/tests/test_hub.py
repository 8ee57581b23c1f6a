"""The hub: one encoded event to every socket of its audience, a bounded buffer for the slow ones."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from kyoso.realtime.hub import FLUSH_SECONDS, Hub
from kyoso.realtime.pubsub import encode
from kyoso.realtime.sockets import CLOSE_TOO_SLOW, Message
from kyoso.realtime.tests.support import run_loop as run

BUFFER = 8


class Peer:
    """The ASGI server's side of one socket: it takes frames at once, or, when stuck, never."""

    def __init__(self, *, stuck: bool = False) -> None:
        self.frames: list[str] = []
        self.closed_with: int | None = None
        self.stuck = stuck
        self.unstuck = asyncio.Event()

    async def send(self, message: Message) -> None:
        if self.stuck:
            await self.unstuck.wait()  # a peer that does not read: its transport stays full
        if message["type"] == "websocket.send":
            self.frames.append(message["text"])
        elif message["type"] == "websocket.close":
            self.closed_with = message["code"]


def event(kind: str, **data: Any) -> str:
    return encode({"id": kind + str(data), "type": kind, "at": "", "data": data})


def ready(hub: Hub, member_id: int, peer: Peer, channels: set[int]) -> Any:
    socket = hub.attach(member_id, f"職員{member_id}", peer.send)
    hub.subscribe(socket, channels)
    socket.release([], event("ready"), set())
    return socket


def test_an_event_is_written_to_every_socket_of_its_audience_as_one_shared_text() -> None:
    async def scenario() -> None:
        hub = Hub(asyncio.get_running_loop(), send_buffer=BUFFER)
        peers = [Peer() for _ in range(3)]
        for n, peer in enumerate(peers):
            ready(hub, n + 1, peer, {10} if n < 2 else {11})
        frame = event("message.created", id=1, channel_id=10)
        hub.deliver("channel:10", "1", frame)
        assert [p.frames[1:] for p in peers] == [[frame], [frame], []]
        assert peers[0].frames[1] is peers[1].frames[1]  # encoded once, not per socket

    run(scenario)


def test_a_stuck_client_is_dropped_when_its_buffer_is_full_without_slowing_the_others() -> None:
    async def scenario() -> None:
        hub = Hub(asyncio.get_running_loop(), send_buffer=BUFFER)
        stuck = Peer(stuck=True)
        stuck_socket = ready(hub, 1, stuck, {10})
        others = [Peer() for _ in range(50)]
        for n, peer in enumerate(others):
            ready(hub, n + 2, peer, {10})
        frames = [event("message.created", id=n, channel_id=10) for n in range(BUFFER * 3)]
        started = time.perf_counter()
        for n, frame in enumerate(frames):
            hub.deliver("channel:10", str(n), frame)
        elapsed = time.perf_counter() - started
        # Delivery never waited on the stuck socket: everything was written in one pass.
        assert elapsed < 1.0
        assert all(p.frames[1:] == frames for p in others)
        assert stuck_socket.closed
        assert stuck_socket not in hub.index.get("channel:10", set())
        assert hub.sockets() == len(others)
        await asyncio.sleep(0)  # the stuck writer is cancelled, the close is attempted
        assert stuck.frames == []

    run(scenario)


def test_a_slow_client_that_catches_up_within_its_buffer_keeps_every_frame_in_order() -> None:
    async def scenario() -> None:
        hub = Hub(asyncio.get_running_loop(), send_buffer=BUFFER)
        slow = Peer(stuck=True)
        socket = ready(hub, 1, slow, {10})
        frames = [event("message.created", id=n, channel_id=10) for n in range(BUFFER)]
        for n, frame in enumerate(frames):
            hub.deliver("channel:10", str(n), frame)
        slow.unstuck.set()
        for _ in range(BUFFER * 2):
            await asyncio.sleep(0)
        assert slow.frames[1:] == frames
        assert not socket.closed
        assert socket.backlog is None  # back to writing at once

    run(scenario)


def test_a_socket_overflowing_before_catch_up_is_done_is_dropped() -> None:
    async def scenario() -> None:
        hub = Hub(asyncio.get_running_loop(), send_buffer=BUFFER)
        peer = Peer()
        socket = hub.attach(1, "職員1", peer.send)  # never says hello
        for n in range(BUFFER + 1):
            hub.deliver("community", "", event("stamp.created", id=n))
        assert socket.closed
        assert hub.sockets() == 0

    run(scenario)


def test_events_held_during_catch_up_follow_it_without_the_messages_it_already_sent() -> None:
    async def scenario() -> None:
        hub = Hub(asyncio.get_running_loop(), send_buffer=BUFFER)
        peer = Peer()
        socket = hub.attach(1, "職員1", peer.send)
        hub.subscribe(socket, {10})
        live_5, live_6 = (
            event("message.created", id=5, channel_id=10),
            event("message.created", id=6, channel_id=10),
        )
        hub.deliver("channel:10", "5", live_5)
        hub.deliver("channel:10", "6", live_6)
        assert peer.frames == []  # held until catch-up is sent
        caught_4, caught_5 = event("message.created", id=4), event("message.created", id=5)
        socket.release([caught_4, caught_5], event("ready"), {"4", "5"})
        assert peer.frames == [caught_4, caught_5, event("ready"), live_6]

    run(scenario)


def test_joins_and_leaves_heard_during_setup_correct_what_the_database_said() -> None:
    async def scenario() -> None:
        hub = Hub(asyncio.get_running_loop(), send_buffer=BUFFER)
        socket = hub.attach(1, "職員1", Peer().send)
        # Read from the database: channels 10 and 11. Heard meanwhile: left 11, joined 12.
        hub.deliver("member:1", "", event("channel.updated", id=11, change="left"))
        hub.deliver("member:1", "", event("channel.updated", id=12, change="joined"))
        hub.subscribe(socket, {10, 11})
        assert socket.channels == {10, 12}
        assert set(hub.index) == {"member:1", "community", "channel:10", "channel:12"}

    run(scenario)


def test_a_members_own_left_event_reaches_them_and_then_the_channel_is_silent() -> None:
    async def scenario() -> None:
        hub = Hub(asyncio.get_running_loop(), send_buffer=BUFFER)
        peer = Peer()
        ready(hub, 1, peer, {10})
        left = event("channel.updated", id=10, change="left")
        hub.deliver("member:1", "", left)
        hub.deliver("channel:10", "7", event("message.created", id=7, channel_id=10))
        assert peer.frames[1:] == [left]

    run(scenario)


def test_losing_the_event_feed_closes_every_socket_so_that_clients_catch_up() -> None:
    async def scenario() -> None:
        hub = Hub(asyncio.get_running_loop(), send_buffer=BUFFER)
        hub.set_online(True)
        peers = [Peer() for _ in range(3)]
        for n, peer in enumerate(peers):
            ready(hub, n + 1, peer, {10})
        hub.set_online(False)
        for _ in range(3):
            await asyncio.sleep(0)
        assert [p.closed_with for p in peers] == [1012, 1012, 1012]
        assert hub.sockets() == 0

    run(scenario)


def test_a_dropped_socket_is_closed_with_the_too_slow_code() -> None:
    async def scenario() -> None:
        hub = Hub(asyncio.get_running_loop(), send_buffer=BUFFER)
        peer = Peer()
        socket = ready(hub, 1, peer, {10})
        hub.drop(socket, CLOSE_TOO_SLOW)
        for _ in range(3):
            await asyncio.sleep(0)
        assert peer.closed_with == CLOSE_TOO_SLOW

    run(scenario)


class Transport:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.aborted = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return self.aborted

    def abort(self) -> None:
        self.aborted = True


class Protocol:
    """What the hub reads of uvicorn's WebSocket protocol when it writes ready frames to the transport."""

    def __init__(self) -> None:
        self.transport = Transport()
        self.writable = asyncio.Event()
        self.writable.set()
        self.close_sent = self.disconnected = False


def direct(hub: Hub, member_id: int, channels: set[int]) -> tuple[Any, Protocol, Peer]:
    peer, protocol = Peer(), Protocol()
    socket = hub.attach(member_id, f"職員{member_id}", peer.send)
    socket.direct = protocol
    hub.subscribe(socket, channels)
    socket.release([], event("ready"), set())
    protocol.transport.written.clear()
    return socket, protocol, peer


def test_a_direct_socket_gets_the_one_ready_frame_written_to_its_transport() -> None:
    async def scenario() -> None:
        hub = Hub(asyncio.get_running_loop(), send_buffer=BUFFER)
        (_, first, peer), (_, second, _) = direct(hub, 1, {10}), direct(hub, 2, {10})
        hub.deliver("channel:10", "1", event("message.created", id=1))
        assert first.transport.written == second.transport.written
        assert first.transport.written[0] is second.transport.written[0]  # made once for both
        assert first.transport.written[0].endswith(event("message.created", id=1).encode())
        assert peer.frames == []  # not through the ASGI send

    run(scenario)


def test_a_full_transport_keeps_frames_in_the_backlog_and_writes_them_in_order_once_it_drains() -> None:
    async def scenario() -> None:
        hub = Hub(asyncio.get_running_loop(), send_buffer=BUFFER)
        socket, protocol, _ = direct(hub, 1, {10})
        protocol.writable.clear()
        frames = [event("message.created", id=n) for n in range(BUFFER)]
        for n, frame in enumerate(frames):
            hub.deliver("channel:10", str(n), frame)
        assert protocol.transport.written == []
        protocol.writable.set()
        await asyncio.sleep(FLUSH_SECONDS * 3)
        assert b"".join(protocol.transport.written).count(b'"type":"message.created"') == BUFFER
        assert len(protocol.transport.written) == 1  # one write for the whole backlog
        written = protocol.transport.written[0]
        assert [written.index(f.encode()) for f in frames] == sorted(
            written.index(f.encode()) for f in frames
        )
        assert not socket.closed and socket.backlog is None

    run(scenario)


def test_a_direct_socket_whose_backlog_overflows_is_aborted() -> None:
    async def scenario() -> None:
        hub = Hub(asyncio.get_running_loop(), send_buffer=BUFFER)
        socket, protocol, _ = direct(hub, 1, {10})
        _, healthy, _ = direct(hub, 2, {10})
        protocol.writable.clear()
        for n in range(BUFFER + 1):
            hub.deliver("channel:10", str(n), event("message.created", id=n))
        assert protocol.transport.aborted
        assert socket.closed
        assert hub.sockets() == 1
        assert len(healthy.transport.written) == BUFFER + 1

    run(scenario)
