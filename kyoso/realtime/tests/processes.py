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
    """What a page does with live.js, in Python: every ``message.created`` heard, in order, raw.

    With ``also``, ports to try in turn when the current one refuses to connect (a killed server behind
    a load balancer): ``ports_used`` lists the port of each connection.
    """

    def __init__(self, port: int, cookie: str, channel_id: int, *, also: tuple[int, ...] = ()) -> None:
        self.port, self.cookie, self.channel_id = port, cookie, channel_id
        self.ports = [port, *also]
        self.ports_used: list[int] = []
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
        while not self.stopped:
            headers = {"Cookie": self.cookie, "Origin": f"http://127.0.0.1:{self.port}"}
            connected = False
            try:
                async with connect(
                    f"ws://127.0.0.1:{self.port}/ws/", additional_headers=headers, open_timeout=5
                ) as websocket:
                    connected = True
                    self.connections += 1
                    self.ports_used.append(self.port)
                    hello = {"type": "hello", "channels": {str(self.channel_id): self.last_id}}
                    await websocket.send(json.dumps(hello))
                    async for text in websocket:
                        self._heard(json.loads(text))
                        if self.ready.is_set():
                            delay = RECONNECT_FIRST_SECONDS
            except (OSError, TimeoutError, WebSocketException):
                if not connected and len(self.ports) > 1:
                    self.port = self.ports[(self.ports.index(self.port) + 1) % len(self.ports)]
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


# --- fault tests (kyoso/realtime/tests/test_faults.py) -----------------------------------------------

POSTGRES_USER = "postgres"
HTTP_TIMEOUT_SECONDS = 10


def postgres_bin_dir() -> Path | None:
    """The newest PostgreSQL server's programs (initdb, pg_ctl) on this machine, if any."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresCluster:
    """A PostgreSQL cluster of the test's own (initdb into a temporary folder, on a free port), which
    the test stops and starts at will: the machine's shared cluster is never touched.

    initdb and the server refuse to run as root: as root (CI), they run as the ``postgres`` user,
    which owns the folder.
    """

    def __init__(self, bin_dir: Path) -> None:
        import tempfile

        self.bin_dir = bin_dir
        self.port = free_port()
        # Not under pytest's tmp_path: its folders are root's alone, and the server must reach its own.
        self.directory = Path(tempfile.mkdtemp(prefix="kyoso-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        if os.geteuid() == 0:
            shutil.chown(self.directory, user=POSTGRES_USER)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", POSTGRES_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT_SECONDS)
        assert done.returncode == 0, f"{program}: {done.stdout}{done.stderr}"

    def init(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", POSTGRES_USER, "-E", "UTF8", "--no-sync"
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")

    def stop(self) -> None:
        """A fast shutdown, as an operator's restart does: open sessions are ended at once."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(AssertionError):
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def url(self, name: str) -> str:
        return f"postgres://{POSTGRES_USER}@127.0.0.1:{self.port}/{name}"

    def execute(self, sql: str, database: str = "postgres") -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as connection:
            cursor = connection.execute(sql)
            return cursor.fetchall() if cursor.description else []


def make_token(community: Community, member_id: int) -> str:
    """A personal access token of the member, made in the servers' database; its secret."""
    script = (
        "import django; django.setup()\n"
        "from kyoso.accounts.models import Member\n"
        "from kyoso.api.actions import create_personal_token\n"
        f"print(create_personal_token(member=Member.objects.get(pk={member_id}), name='fault')[1])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**community.env(), "DJANGO_SETTINGS_MODULE": "kyoso.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


class Answer:
    """What the server said to one post: its status, JSON body and Retry-After (None: no answer)."""

    def __init__(self, seq: int, port: int, status: int | None, body: Any, retry_after: str | None) -> None:
        self.seq, self.port, self.status, self.body, self.retry_after = seq, port, status, body, retry_after
        self.at = time.monotonic()

    @property
    def acknowledged(self) -> bool:
        return self.status == 201 and isinstance(self.body, dict) and isinstance(self.body.get("id"), int)

    def __repr__(self) -> str:
        return f"Answer(seq={self.seq}, port={self.port}, status={self.status}, body={self.body!r})"


class HttpPoster:
    """Posts ``bench <seq>`` through the JSON API with a personal token, taking the ports in turn. A post
    is acknowledged when the server answered 201 with the message's id."""

    def __init__(self, ports: list[int], channel_id: int, token: str) -> None:
        self.ports, self.channel_id, self.token = ports, channel_id, token
        self.answers: list[Answer] = []

    @property
    def acknowledged(self) -> list[int]:
        return [a.seq for a in self.answers if a.acknowledged]

    def post(self, seq: int) -> Answer:
        import urllib.error

        port = self.ports[seq % len(self.ports)]
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/channels/{self.channel_id}/messages",
            data=json.dumps({"text": f"bench {seq}"}).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
                answer = Answer(seq, port, response.status, _json(response.read()), None)
        except urllib.error.HTTPError as error:
            answer = Answer(seq, port, error.code, _json(error.read()), error.headers.get("Retry-After"))
        except (OSError, TimeoutError):
            answer = Answer(seq, port, None, None, None)  # no answer: refused or cut by a killed server
        self.answers.append(answer)
        return answer


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")[:500]
