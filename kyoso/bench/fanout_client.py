"""The load generator and the poster of ``kyoso bench fanout``, the same for kyoso and the baseline.

A generator is a process holding many client sockets on one asyncio loop. Each socket speaks the
WebSocket protocol through ``websockets``' sans-I/O ``ClientProtocol`` (handshake, frames, pings and,
when negotiated, permessage-deflate) under a plain ``asyncio.Protocol``: no task per socket, so the
generator's own cost stays small beside the server's. It says hello as live.js does, waits for
``ready``, then records every post it hears: ``bench <seq> <sent at>`` in the text of the event.

The poster reads steps from stdin (``step <rate> <seconds> <first seq>``), posts at that rate with the
send time in each text, and answers ``posted <count> <first sent> <last sent>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import threading
import time
from array import array
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

MARK = b"bench "
SENT_AT_WIDTH = len(f"{0:.6f}") + 9  # the send time, as post_text writes it: 10 digits, a dot, 6 digits
OPCODE_TEXT, OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG = 0x1, 0x8, 0x9, 0xA
READY = b'"type":"ready"'
CONNECT_TIMEOUT_SECONDS = 60.0
CONNECTING_AT_ONCE = 100


def masked_frame(opcode: int, payload: bytes) -> bytes:
    """A short control frame from a client, masked as RFC 6455 requires."""
    mask = os.urandom(4)
    body = bytes(byte ^ mask[n % 4] for n, byte in enumerate(payload))
    return bytes((0x80 | opcode, 0x80 | len(payload))) + mask + body


def post_text(seq: int) -> str:
    return f"bench {seq} {time.time():.6f}"


def run_poster(post: Callable[[str], None]) -> None:
    """Serve steps from stdin until ``quit``; each step posts ``rate × seconds`` texts on schedule."""
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            return
        rate, seconds, first = float(words[1]), float(words[2]), int(words[3])
        count = max(1, round(rate * seconds))
        start = time.perf_counter()
        sent_first = sent_last = 0.0
        for n in range(count):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            text = post_text(first + n)
            if n == 0:
                sent_first = time.time()
            post(text)
            sent_last = time.time()
        sys.stdout.write(f"posted {count} {sent_first:.6f} {sent_last:.6f}\n")
        sys.stdout.flush()


class Step:
    """What one generator heard during one step."""

    def __init__(self, first: int, count: int, sockets: int) -> None:
        self.first, self.count = first, count
        self.seen = [bytearray(count) for _ in range(sockets)]
        self.last = [-1] * sockets
        self.received = self.duplicated = self.out_of_order = self.stale = self.wire_bytes = 0
        self.latencies = array("f")
        self.first_at = self.last_at = 0.0
        self.cpu_at_start = time.process_time()

    def heard(self, index: int, seq: int, sent_at: float, now: float) -> None:
        offset = seq - self.first
        if offset < 0 or offset >= self.count:
            self.stale += 1
            return
        self.received += 1
        if self.seen[index][offset]:
            self.duplicated += 1
            return
        self.seen[index][offset] = 1
        if seq < self.last[index]:
            self.out_of_order += 1
        else:
            self.last[index] = seq
        self.latencies.append((now - sent_at) * 1000.0)
        if not self.first_at:
            self.first_at = now
        self.last_at = now

    def unique(self) -> int:
        return self.received - self.duplicated

    def report(self) -> dict[str, Any]:
        expected = self.count * len(self.seen)
        return {
            "expected": expected,
            "unique": self.unique(),
            "lost": expected - self.unique(),
            "duplicated": self.duplicated,
            "out_of_order": self.out_of_order,
            "stale": self.stale,
            "wire_bytes": self.wire_bytes,
            "cpu_seconds": time.process_time() - self.cpu_at_start,
            "first_at": self.first_at,
            "last_at": self.last_at,
            "latencies": self.latencies.tobytes(),
        }


class Client(asyncio.Protocol):
    """One client socket. ``websockets`` does the handshake, and every frame when compression was
    negotiated; an uncompressed stream is then read by ``_read_frames``, a few lines that cost the
    generator a fraction of what a general parser does, so that it keeps up with the server."""

    def __init__(self, generator: Generator, index: int, headers: dict[str, str]) -> None:
        self.generator, self.index = generator, index
        extensions = [ClientPerMessageDeflateFactory()] if generator.deflate else []
        self.protocol = ClientProtocol(parse_uri(generator.url), extensions=extensions, max_size=None)
        self.headers = headers
        self.transport: asyncio.Transport | None = None
        self.ready: asyncio.Future[bool] = generator.loop.create_future()
        self.open = False
        self.plain = False  # open, and no extension: frames are read by _read_frames
        self.pending = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        request = self.protocol.connect()
        for name, value in self.headers.items():
            request.headers[name] = value
        self.protocol.send_request(request)
        self._flush()

    def _flush(self) -> None:
        data = b"".join(self.protocol.data_to_send())
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        step = self.generator.step
        if step is not None:
            step.wire_bytes += len(data)
        if self.plain:
            self._read_frames(data)
            return
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Frame):
                if event.opcode is Opcode.TEXT:
                    self._text(bytes(event.data))
            elif isinstance(event, Response) and self.protocol.state is State.OPEN:
                self.open = True
                hello = {"type": "hello", "channels": self.generator.hello}
                self.protocol.send_text(json.dumps(hello).encode())
        self._flush()
        if self.open and not self.protocol.extensions:
            self.plain = True

    def _read_frames(self, data: bytes) -> None:
        """Server frames (RFC 6455 5.2, never masked): text is heard, a ping answered, a close ends it."""
        buffer = self.pending + data if self.pending else data
        position, size = 0, len(buffer)
        while size - position >= 2:
            length, head = buffer[position + 1] & 0x7F, 2
            if length == 126:
                length, head = int.from_bytes(buffer[position + 2 : position + 4], "big"), 4
            elif length == 127:
                length, head = int.from_bytes(buffer[position + 2 : position + 10], "big"), 10
            end = position + head + length
            if end > size or size - position < head:
                break
            opcode = buffer[position] & 0x0F
            if opcode == OPCODE_TEXT:
                self._text(buffer[position + head : end])
            elif opcode == OPCODE_PING and self.transport is not None:
                self.transport.write(masked_frame(OPCODE_PONG, buffer[position + head : end]))
            elif opcode == OPCODE_CLOSE and self.transport is not None:
                self.transport.close()
            position = end
        self.pending = buffer[position:] if position < size else b""

    def _text(self, payload: bytes) -> None:
        at = payload.find(MARK)
        if at < 0:
            if READY in payload and not self.ready.done():
                self.ready.set_result(True)
            return
        start = at + len(MARK)
        space = payload.find(b" ", start)
        sent_at = payload[space + 1 : space + 1 + SENT_AT_WIDTH]
        self.generator.heard(self.index, int(payload[start:space]), float(sent_at))

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        if not self.ready.done():
            self.ready.set_result(False)
        self.generator.lost += 1


class Generator:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.url: str = spec["url"]
        self.host, self.port = spec["host"], spec["port"]
        self.origin: str = spec["origin"]
        self.cookies: list[str | None] = spec["cookies"]
        self.hello: dict[str, int] = spec.get("hello", {})
        self.deflate: bool = spec.get("deflate", False)
        self.loop = asyncio.get_running_loop()
        self.clients: list[Client] = []
        self.step: Step | None = None
        self.lost = 0

    def heard(self, index: int, seq: int, sent_at: float) -> None:
        if self.step is not None:
            self.step.heard(index, seq, sent_at, time.time())

    async def connect(self) -> dict[str, Any]:
        gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
        failures: list[str] = []

        async def one(index: int, cookie: str | None) -> None:
            headers = {"Origin": self.origin}
            if cookie is not None:
                headers["Cookie"] = cookie
            async with gate:
                try:
                    _, client = await asyncio.wait_for(
                        self.loop.create_connection(
                            lambda: Client(self, index, headers), self.host, self.port
                        ),
                        CONNECT_TIMEOUT_SECONDS,
                    )
                    self.clients.append(client)
                    if not await asyncio.wait_for(client.ready, CONNECT_TIMEOUT_SECONDS):
                        failures.append("closed before ready")
                except (OSError, TimeoutError) as error:
                    failures.append(repr(error))

        await asyncio.gather(*(one(n, cookie) for n, cookie in enumerate(self.cookies)))
        self.clients.sort(key=lambda c: c.index)
        ready = sum(1 for c in self.clients if c.open and c.ready.done() and c.ready.result())
        return {"connected": ready, "failures": failures[:5]}

    def close(self) -> None:
        for client in self.clients:
            if client.transport is not None:
                client.transport.abort()


def _serve_commands(conn: Connection, generator: Generator, done: asyncio.Future[None]) -> None:
    """Answer the parent's commands, read on a thread and handled on the generator's loop."""
    loop = generator.loop

    def handle(command: tuple[Any, ...]) -> None:
        kind = command[0]
        if kind == "connect":
            task = loop.create_task(generator.connect())
            task.add_done_callback(lambda t: conn.send(("connected", t.result())))
        elif kind == "step":
            generator.step = Step(command[1], command[2], len(generator.cookies))
            conn.send(("armed",))
        elif kind == "progress":
            step = generator.step
            conn.send(("progress", step.unique() if step else 0, generator.lost))
        elif kind == "collect":
            conn.send(("stats", generator.step.report() if generator.step else {}))
        elif kind == "quit":
            generator.close()
            if not done.done():
                done.set_result(None)

    def read() -> None:
        while True:
            try:
                command = conn.recv()
            except (EOFError, OSError):
                command = ("quit",)
            loop.call_soon_threadsafe(handle, command)
            if command[0] == "quit":
                return

    threading.Thread(target=read, daemon=True).start()


def generator_main(conn: Connection, spec: dict[str, Any]) -> None:
    """The entry point of one generator process (multiprocessing, spawn)."""
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())

    async def main() -> None:
        generator = Generator(spec)
        done: asyncio.Future[None] = generator.loop.create_future()
        _serve_commands(conn, generator, done)
        await done

    asyncio.run(main())
