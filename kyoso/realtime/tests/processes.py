"""Real processes for the integration tests: ``kyoso serve``, a Redis of the test's own, a poster, and a
Python client that behaves like live.js (reconnects, says hello with its last id, records what it hears).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
START_TIMEOUT_SECONDS = 60
RECONNECT_FIRST_SECONDS = 0.1
RECONNECT_MAX_SECONDS = 1.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


class RedisServer:
    """A redis-server of the test's own on a free port: stopping it never disturbs anyone else's."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.directory)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_until(lambda: port_open(self.port), START_TIMEOUT_SECONDS, "redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        wait_until(lambda: not port_open(self.port), START_TIMEOUT_SECONDS, "redis-server to stop")


def redis_server_path() -> str | None:
    return shutil.which("redis-server")


@contextlib.contextmanager
def server_database(tmp_path: Path) -> Iterator[str]:
    """A database of the servers' own, of the engine this test run uses (like kyoso/tests/test_serve)."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{(tmp_path / 'live.sqlite3').as_posix()}"
        return
    import psycopg

    db = settings.DATABASES["default"]
    name = f"kyoso_live_{uuid.uuid4().hex[:8]}"
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    admin = f"host={host} port={port} user={db['USER']} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{db['USER']}@{host}:{port}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Community:
    """The servers' database made ready: members signed in, all in one channel (kyoso.bench.fanout_kyoso)."""

    def __init__(self, var_dir: Path, database_url: str, redis_url: str | None = None) -> None:
        self.var_dir, self.database_url, self.redis_url = var_dir, database_url, redis_url

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KYOSO_")}
        env.update({"KYOSO_VAR_DIR": str(self.var_dir), "KYOSO_DATABASE_URL": self.database_url})
        if self.redis_url:
            env["KYOSO_REDIS_URL"] = self.redis_url
        return env

    def setup(self, members: int) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "kyoso.bench.fanout_kyoso", "setup", "--clients", str(members)],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        made = json.loads(done.stdout.strip().splitlines()[-1])
        self.channel_id: int = made["channel_id"]
        self.author_id: int = made["author_id"]
        self.cookies = [f"{made['cookie_name']}={key}" for key in made["sessions"]]


class Server:
    """One ``kyoso serve`` process, which can be killed and started again on the same port."""

    def __init__(self, community: Community, **settings: str) -> None:
        self.community = community
        self.settings = settings  # KYOSO_* settings of this server only
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = community.var_dir / f"serve-{self.port}.log"

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "kyoso.cli",
            "serve",
            "--port",
            str(self.port),
            "--no-migrate",
            "--no-worker",
        ]
        with self.log.open("ab") as log:
            env = {**self.community.env(), **self.settings}
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        url = f"http://127.0.0.1:{self.port}/healthz"

        def answers() -> bool:
            assert self.process is not None and self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                urllib.request.urlopen(url, timeout=2).close()
                return True
            except OSError:
                return False

        wait_until(answers, START_TIMEOUT_SECONDS, f"kyoso serve on {self.port}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


class Poster:
    """A process posting through ``kyoso.chat.actions.post_message``; a post is acknowledged once the
    action has returned (saved and committed)."""

    def __init__(self, community: Community, *, pad: int = 0) -> None:
        command = ["post", "--channel", str(community.channel_id), "--author", str(community.author_id)]
        command += ["--pad", str(pad)]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kyoso.bench.fanout_kyoso", *command],
            cwd=ROOT,
            env=community.env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.acknowledged: list[int] = []

    def post(self, seq: int) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"step 1000 0.001 {seq}\n")
        self.process.stdin.flush()
        if self.process.stdout.readline().startswith("posted 1 "):
            self.acknowledged.append(seq)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            assert self.process.stdin is not None
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
        self.process.wait(timeout=30)


class LiveClient:
    """What a page does with live.js, in Python: every ``message.created`` heard, in order, raw."""

    def __init__(self, port: int, cookie: str, channel_id: int) -> None:
        self.port, self.cookie, self.channel_id = port, cookie, channel_id
        self.heard: list[int] = []  # the bench sequence number in each message's text
        self.events: list[dict[str, Any]] = []
        self.last_id = 0
        self.connections = 0
        self.ready = asyncio.Event()
        self.stopped = False
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self.run())

    async def run(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import WebSocketException

        delay = RECONNECT_FIRST_SECONDS
        headers = {"Cookie": self.cookie, "Origin": f"http://127.0.0.1:{self.port}"}
        while not self.stopped:
            try:
                async with connect(
                    f"ws://127.0.0.1:{self.port}/ws/", additional_headers=headers, open_timeout=5
                ) as websocket:
                    self.connections += 1
                    hello = {"type": "hello", "channels": {str(self.channel_id): self.last_id}}
                    await websocket.send(json.dumps(hello))
                    async for text in websocket:
                        self._heard(json.loads(text))
                        if self.ready.is_set():
                            delay = RECONNECT_FIRST_SECONDS
            except (OSError, TimeoutError, WebSocketException):
                pass
            self.ready.clear()
            await asyncio.sleep(random.uniform(delay / 2, delay))
            delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    def _heard(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        if event["type"] == "ready":
            self.ready.set()
        elif event["type"] == "message.created":
            self.heard.append(int(event["data"]["text"].split()[1]))
            self.last_id = max(self.last_id, event["data"]["id"])

    async def stop(self) -> None:
        self.stopped = True
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
