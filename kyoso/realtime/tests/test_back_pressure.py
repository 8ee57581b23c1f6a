"""A client that stops reading, on a real server: it is dropped, and the others hear everything in time."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import time
from pathlib import Path

from kyoso.realtime.tests.processes import Community, LiveClient, Poster, Server
from kyoso.realtime.tests.support import run_loop

SEND_BUFFER = "8"
POSTS = 120
# Each post is about 60 KB on the wire: enough of them fill the kernel's buffers of a socket no one reads.
PAD = 9000
HEARD_IN_TIME_SECONDS = 15.0


def stuck_client(port: int, cookie: str) -> socket.socket:
    """A socket that opens /ws/, says hello, and never reads again."""
    sock = socket.socket()
    # Set before connecting, so that the window it offers stays small.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /ws/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: http://127.0.0.1:{port}\r\nCookie: {cookie}\r\n\r\n"
    )
    sock.sendall(request.encode())
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(1)
    assert response.startswith(b"HTTP/1.1 101"), response
    payload = json.dumps({"type": "hello", "channels": {}}).encode()
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
    return sock


def dropped(sock: socket.socket, timeout: float) -> bool:
    """Whether the server has cut the connection: reading now ends in a reset or end of stream."""
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not sock.recv(1 << 20):
                return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return False


def test_a_client_that_stops_reading_is_dropped_and_the_others_hear_every_post_in_time(
    tmp_path: Path,
) -> None:
    community = Community(tmp_path / "var", f"sqlite:///{(tmp_path / 'pressure.sqlite3').as_posix()}")
    community.setup(members=2)
    server = Server(community, KYOSO_WS_SEND_BUFFER=SEND_BUFFER)
    server.start()
    poster = Poster(community, pad=PAD)
    stuck = None
    try:

        async def scenario() -> None:
            nonlocal stuck
            reader = LiveClient(server.port, community.cookies[0], community.channel_id)
            reader.start()
            await asyncio.wait_for(reader.ready.wait(), 30)
            stuck = await asyncio.to_thread(stuck_client, server.port, community.cookies[1])
            started = time.monotonic()
            for seq in range(1, POSTS + 1):
                await asyncio.to_thread(poster.post, seq)
            deadline = started + HEARD_IN_TIME_SECONDS
            while len(reader.heard) < POSTS and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert reader.heard == list(range(1, POSTS + 1))
            assert reader.connections == 1  # never dropped itself
            await reader.stop()

        run_loop(scenario)
        assert stuck is not None
        assert dropped(stuck, timeout=10)
    finally:
        if stuck is not None:
            stuck.close()
        poster.close()
        server.stop()
