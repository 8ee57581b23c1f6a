"""Events between kyoso's processes on one machine, without Redis: a datagram socket per listening hub.

In the embedded mode an event can be published outside the server process that holds the sockets:
``kyoso worker`` suspends a member, a management command posts, ``kyoso serve --workers 2`` runs two
hubs. Each process with a hub binds ``var/realtime/<pid>.sock`` (a Unix datagram socket); a publisher
sends the envelope to every socket in that folder but its own. Datagrams on a Unix socket are
reliable and ordered; a socket left behind by a killed process refuses the datagram and is removed.

Where Unix sockets are missing (Windows), events stay in the process that published them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import struct
import threading
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger("kyoso.realtime")

# A Unix socket path must fit in sockaddr_un (108 bytes on Linux, 104 on macOS).
MAX_PATH_BYTES = 100
# The largest envelope: a message of 10,000 characters with its HTML is well under this.
MAX_DATAGRAM_BYTES = 1024 * 1024
# A publisher waits at most this long for a busy hub to take its datagram, then drops it (logged);
# the sockets of that hub catch up when they reconnect.
SEND_TIMEOUT_SECONDS = 1.0
# Buffers asked of the kernel (it caps them at net.core.[rw]mem_max).
BUFFER_BYTES = 4 * 1024 * 1024
SUFFIX = ".sock"


class Relay:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._listener: socket.socket | None = None
        self._listener_path: Path | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sender: socket.socket | None = None
        self._sender_lock = threading.Lock()

    @staticmethod
    def available() -> bool:
        return hasattr(socket, "AF_UNIX")

    def listen(self, loop: asyncio.AbstractEventLoop, on_envelope: Callable[[str], None]) -> None:
        """Receive what other processes publish, on ``loop``, until ``close``."""
        self.close()
        if not self.available():
            return
        path = self.directory / f"{os.getpid()}{SUFFIX}"
        if len(os.fsencode(path)) > MAX_PATH_BYTES:
            logger.warning("real time: %s is too long for a Unix socket; events stay in-process", path)
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # left by an earlier process with the same id
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        with contextlib.suppress(OSError):
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER_BYTES)
        listener.bind(os.fsdecode(path))
        listener.setblocking(False)
        loop.add_reader(listener.fileno(), self._readable, listener, on_envelope)
        self._listener, self._listener_path, self._loop = listener, path, loop

    @staticmethod
    def _readable(listener: socket.socket, on_envelope: Callable[[str], None]) -> None:
        while True:
            try:
                data = listener.recv(MAX_DATAGRAM_BYTES)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            try:
                on_envelope(data.decode())
            except Exception:
                logger.exception("real time: a relayed event could not be delivered")

    def close(self) -> None:
        listener, path, loop = self._listener, self._listener_path, self._loop
        self._listener = self._listener_path = self._loop = None
        if listener is None:
            return
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(Exception):
                loop.remove_reader(listener.fileno())
        listener.close()
        if path is not None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def _peers(self) -> list[Path]:
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        own = self._listener_path.name if self._listener_path is not None else None
        return [self.directory / n for n in names if n.endswith(SUFFIX) and n != own]

    def _sending_socket(self) -> socket.socket:
        if self._sender is None:
            sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            with contextlib.suppress(OSError):
                sender.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER_BYTES)
            # A kernel timeout, so a blocked send waits without spinning and gives up in time.
            seconds = int(SEND_TIMEOUT_SECONDS)
            micros = int((SEND_TIMEOUT_SECONDS - seconds) * 1_000_000)
            sender.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", seconds, micros))
            self._sender = sender
        return self._sender

    def send(self, text: str) -> None:
        """Send an envelope to every other listening process; never raises."""
        if not self.available():
            return
        peers = self._peers()
        if not peers:
            return
        data = text.encode()
        # On an event loop's own thread (a typing notice) a full peer is skipped rather than waited for.
        flags: int
        try:
            asyncio.get_running_loop()
            flags = socket.MSG_DONTWAIT
        except RuntimeError:
            flags = 0
        with self._sender_lock:
            sender = self._sending_socket()
            for peer in peers:
                try:
                    sender.sendto(data, flags, os.fsdecode(peer))
                except (ConnectionRefusedError, FileNotFoundError):
                    # Its process is gone (killed without cleaning up): forget it.
                    with contextlib.suppress(FileNotFoundError):
                        peer.unlink()
                except OSError as error:
                    logger.warning("real time: event not relayed to %s: %s", peer.name, error)
