"""Faults of a scaled-out kyoso, with real processes: no acknowledged message is lost, and every client
catches up.

- ``kill -9`` of one of two server processes behind Redis while a poster posts through the API: the
  dead one's clients reconnect to the survivor, say hello with the last id they hold, and catch up.
- Redis restarts: posts meanwhile are refused cleanly (503, ``Retry-After``; the rate limits and the
  session cache live there), sockets are closed when their process loses its subscription, and the
  clients catch up once it is back.
- PostgreSQL restarts: requests answer ``database_unavailable`` (503) meanwhile, and succeed again
  afterwards without restarting kyoso.
- The cap of sockets per member holds across processes.

A post is acknowledged when the server answered 201 with its id. Every client must end up having seen
every stored post exactly once, in order, live or by catch-up; every acknowledged post is stored.

Everything runs on a PostgreSQL cluster and a redis-server of this module's own (free ports), which the
tests stop and start: nobody else's service is disturbed. The module runs in the PostgreSQL pass of the
suite (KYOSO_DATABASE_URL set) and is skipped in the SQLite pass, which runs the embedded mode's own
kill test (test_scale_out.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from conftest import service_unavailable
from kyoso.realtime.tests.processes import (
    Answer,
    Community,
    HttpPoster,
    LiveClient,
    PostgresCluster,
    RedisServer,
    Server,
    make_token,
    postgres_bin_dir,
    redis_server_path,
)
from kyoso.realtime.tests.support import run_loop

pytestmark = [pytest.mark.postgresql, pytest.mark.redis]

POST_INTERVAL_SECONDS = 0.05
CATCH_UP_SECONDS = 30.0
MEMBERS = 4
TEMPLATE = "kyoso_fault_template"


@dataclass
class Template:
    cluster: PostgresCluster
    var_dir: Path
    channel_id: int
    author_id: int
    cookies: list[str]
    token: str


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    """The cluster, and a migrated database with a channel, signed-in members and the author's token,
    which each test copies (CREATE DATABASE … TEMPLATE: a fraction of a second, not a migration)."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("fault tests run in the PostgreSQL pass (KYOSO_DATABASE_URL); this pass is SQLite")
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        service_unavailable("PostgreSQL server programs", "no initdb (Debian: apt-get install postgresql)")
    assert bin_dir is not None
    if redis_server_path() is None:
        service_unavailable("redis-server", "not on PATH (Debian: apt-get install redis-server)")
    cluster = PostgresCluster(bin_dir)
    try:
        cluster.init()
        cluster.start()
        cluster.execute(f'CREATE DATABASE "{TEMPLATE}"')
        var_dir = tmp_path_factory.mktemp("fault") / "var"
        community = Community(var_dir, cluster.url(TEMPLATE))
        community.setup(members=MEMBERS)
        token = make_token(community, community.author_id)
        yield Template(cluster, var_dir, community.channel_id, community.author_id, community.cookies, token)
    finally:
        cluster.remove()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


class Fault:
    """One test's copy of the community: its own database (from the template) and var/ (same secret key)."""

    def __init__(self, template: Template, tmp_path: Path, redis_url: str | None) -> None:
        self.cluster = template.cluster
        self.database = f"kyoso_fault_{uuid.uuid4().hex[:8]}"
        self.cluster.execute(f'CREATE DATABASE "{self.database}" TEMPLATE "{TEMPLATE}"')
        var_dir = tmp_path / "var"
        shutil.copytree(template.var_dir, var_dir, ignore=shutil.ignore_patterns("realtime"))
        self.community = Community(var_dir, self.cluster.url(self.database), redis_url)
        self.community.channel_id = template.channel_id
        self.community.author_id = template.author_id
        self.community.cookies = template.cookies
        self.token = template.token
        self.servers: list[Server] = []

    def server(self, **settings: str) -> Server:
        server = Server(self.community, **settings)
        server.start()
        self.servers.append(server)
        return server

    def poster(self, *servers: Server) -> HttpPoster:
        return HttpPoster([s.port for s in servers], self.community.channel_id, self.token)

    def stored(self) -> list[int]:
        """The sequence numbers of the posts in the database, in the order they were saved."""
        rows = self.cluster.execute(
            "SELECT text FROM chat_message WHERE text LIKE 'bench %' ORDER BY id", self.database
        )
        return [int(text.split()[1]) for (text,) in rows]

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        self.cluster.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


@pytest.fixture
def fault(template: Template, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Fault]:
    redis_url = None
    if "redis_server" in request.fixturenames:
        redis_url = request.getfixturevalue("redis_server").url
    made = Fault(template, tmp_path, redis_url)
    yield made
    made.close()


def stream(poster: HttpPoster, stop: threading.Event) -> threading.Thread:
    """Post one message after another until ``stop``."""

    def run() -> None:
        seq = 1
        while not stop.is_set():
            poster.post(seq)
            seq += 1
            time.sleep(POST_INTERVAL_SECONDS)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


async def until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def assert_every_client_has_every_stored_post_once(
    clients: list[LiveClient], stored: list[int]
) -> None:
    for client in clients:
        await until(lambda c=client: len(c.heard) >= len(stored), CATCH_UP_SECONDS, "catch-up")
    await asyncio.sleep(0.5)  # a duplicate would arrive now
    for client in clients:
        assert client.heard == stored


def assert_refused_in_the_error_protocol(answer: Answer, code: str) -> None:
    assert answer.status == 503, answer
    assert answer.retry_after is not None and int(answer.retry_after) > 0, answer
    error = answer.body["error"]
    assert error["code"] == code, answer
    assert "しばらく待って" in error["message"], answer  # Japanese, for people


def test_kill_9_of_one_of_two_servers_mid_load_loses_no_acknowledged_post(
    fault: Fault, redis_server: RedisServer
) -> None:
    server_a, server_b = fault.server(), fault.server()
    poster = fault.poster(server_a, server_b)
    cookies, channel = fault.community.cookies, fault.community.channel_id
    stop = threading.Event()

    async def scenario() -> None:
        on_a = [LiveClient(server_a.port, c, channel, also=(server_b.port,)) for c in cookies[:2]]
        on_b = [LiveClient(server_b.port, c, channel, also=(server_a.port,)) for c in cookies[2:]]
        for client in on_a + on_b:
            client.start()
            await asyncio.wait_for(client.ready.wait(), 30)
        posting = stream(poster, stop)
        # Counted, not timed: on a busy machine posts come slower, and the test waits for them.
        await until(lambda: len(poster.acknowledged) >= 6, 60, "posts before the kill")
        killed_at = time.monotonic()
        await asyncio.to_thread(server_a.kill)  # SIGKILL: no shutdown, sockets cut, a post maybe mid-way
        await until(
            lambda: sum(a.acknowledged and a.at > killed_at + 0.5 for a in poster.answers) >= 5,
            60,
            "posts after the kill",
        )
        stop.set()
        await asyncio.to_thread(posting.join)

        stored = fault.stored()
        acknowledged = poster.acknowledged
        assert len(acknowledged) > 10, poster.answers
        assert set(acknowledged) <= set(stored)
        # A post cut by the kill may be stored without its answer: at most the one in flight.
        assert len(set(stored) - set(acknowledged)) <= 1
        # After the kill, the survivor took every post sent to it; the dead one answered none.
        after_kill = [a for a in poster.answers if a.at > killed_at + 0.5]
        assert {a.port for a in after_kill if a.acknowledged} == {server_b.port}
        assert all(a.status is None for a in after_kill if a.port == server_a.port)
        await assert_every_client_has_every_stored_post_once(on_a + on_b, stored)
        for client in on_a:  # the dead server's clients went on on the survivor
            assert client.ports_used[0] == server_a.port and client.ports_used[-1] == server_b.port
        for client in on_a + on_b:
            await client.stop()

    try:
        run_loop(scenario)
    finally:
        stop.set()


def test_a_redis_restart_refuses_posts_cleanly_and_clients_catch_up(
    fault: Fault, redis_server: RedisServer
) -> None:
    server_a, server_b = fault.server(), fault.server()
    poster = fault.poster(server_a, server_b)
    cookies, channel = fault.community.cookies, fault.community.channel_id
    stop = threading.Event()

    async def scenario() -> None:
        clients = [
            LiveClient(server_a.port, cookies[0], channel),
            LiveClient(server_b.port, cookies[1], channel),
        ]
        for client in clients:
            client.start()
            await asyncio.wait_for(client.ready.wait(), 30)
        posting = stream(poster, stop)
        await asyncio.sleep(1.0)
        await asyncio.to_thread(redis_server.stop)
        await asyncio.sleep(1.5)
        await asyncio.to_thread(redis_server.start)
        back_at = time.monotonic()
        await until(lambda: any(a.acknowledged and a.at > back_at for a in poster.answers), 15, "a post")
        await asyncio.sleep(1.0)
        stop.set()
        await asyncio.to_thread(posting.join)

        stored = fault.stored()
        answers = poster.answers
        refused = [a for a in answers if not a.acknowledged]
        # Every post was taken or refused cleanly: never a 500, never no answer.
        assert refused, "no post met the outage"
        for answer in refused:
            assert_refused_in_the_error_protocol(answer, "service_unavailable")
        assert set(poster.acknowledged) == set(stored)  # refused ones were not stored
        assert sum(a.acknowledged and a.at > back_at for a in answers) >= 5
        await assert_every_client_has_every_stored_post_once(clients, stored)
        # Both servers lost their subscription, closed their sockets, and their clients came back.
        assert all(client.connections >= 2 for client in clients)
        for client in clients:
            await client.stop()

    try:
        run_loop(scenario)
    finally:
        stop.set()


def test_a_postgresql_restart_answers_503_then_recovers_without_restarting_kyoso(
    fault: Fault, capsys: pytest.CaptureFixture[str]
) -> None:
    server = fault.server()
    poster = fault.poster(server)
    pid = server.process.pid if server.process else None
    cookies, channel = fault.community.cookies, fault.community.channel_id
    stop = threading.Event()
    figures: dict[str, float] = {}

    async def scenario() -> None:
        client = LiveClient(server.port, cookies[0], channel)
        client.start()
        await asyncio.wait_for(client.ready.wait(), 30)
        posting = stream(poster, stop)
        await asyncio.sleep(1.0)
        stopped_at = time.monotonic()
        await asyncio.to_thread(fault.cluster.stop)
        await until(lambda: any(a.status == 503 and a.at > stopped_at for a in poster.answers), 10, "a 503")
        page = await asyncio.to_thread(page_status, server.port)
        await asyncio.sleep(1.0)
        started = time.monotonic()
        await asyncio.to_thread(fault.cluster.start)
        restarted = time.monotonic()
        await until(lambda: any(a.acknowledged and a.at > restarted for a in poster.answers), 15, "a post")
        recovered = min(a.at for a in poster.answers if a.acknowledged and a.at > restarted)
        figures.update(
            outage_seconds=restarted - stopped_at,
            start_seconds=restarted - started,
            recovery_after_start_seconds=recovered - restarted,
        )
        await until(
            lambda: sum(a.acknowledged and a.at > restarted for a in poster.answers) >= 5, 60, "posts after"
        )
        stop.set()
        await asyncio.to_thread(posting.join)

        assert page == (503, True)
        stored = fault.stored()
        answers = poster.answers
        refused = [a for a in answers if not a.acknowledged]
        assert refused, "no post met the outage"
        for answer in refused:
            assert_refused_in_the_error_protocol(answer, "database_unavailable")
        acknowledged = poster.acknowledged
        assert set(acknowledged) <= set(stored)
        # A post whose commit raced the shutdown may be stored though it was answered 503: at most one.
        assert len(set(stored) - set(acknowledged)) <= 1
        assert sum(a.acknowledged and a.at > restarted for a in answers) >= 5
        await assert_every_client_has_every_stored_post_once([client], stored)
        await client.stop()

    try:
        run_loop(scenario)
    finally:
        stop.set()
    # The same process served before, during and after the outage.
    assert server.process is not None and server.process.poll() is None and server.process.pid == pid
    with capsys.disabled():
        print("\npostgresql restart: " + ", ".join(f"{k}={v:.2f}" for k, v in figures.items()))


def page_status(port: int) -> tuple[int, bool]:
    """A page during the outage: its status, and whether it is the error page in Japanese (no traceback)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            return response.status, False
    except urllib.error.HTTPError as error:
        html = error.read().decode()
        shown = "データベースに接続できない" in html and "Traceback" not in html
        return error.code, shown and error.headers.get("Retry-After") is not None


async def open_socket(port: int, cookie: str):
    from websockets.asyncio.client import connect

    headers = {"Cookie": cookie, "Origin": f"http://127.0.0.1:{port}"}
    websocket = await connect(f"ws://127.0.0.1:{port}/ws/", additional_headers=headers, open_timeout=10)
    await websocket.send(json.dumps({"type": "hello", "channels": {}}))
    while json.loads(await asyncio.wait_for(websocket.recv(), 10))["type"] != "ready":
        pass
    return websocket


async def close_code(websocket, timeout: float = 5.0) -> int | None:
    """The code the server closed the socket with, or None if it stayed open that long."""
    from websockets.exceptions import ConnectionClosed

    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(websocket.recv(), max(deadline - time.monotonic(), 0.01))
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None
    return None


async def answers_ping(websocket) -> bool:
    await websocket.send('{"type": "ping"}')
    while True:
        if json.loads(await asyncio.wait_for(websocket.recv(), 5))["type"] == "pong":
            return True


def test_the_cap_of_sockets_per_member_holds_across_processes(
    fault: Fault, redis_server: RedisServer
) -> None:
    from kyoso.realtime.sockets import CLOSE_TOO_MANY

    cap = {"KYOSO_WS_MAX_SOCKETS_PER_MEMBER": "2"}
    server_a, server_b = fault.server(**cap), fault.server(**cap)
    cookie = fault.community.cookies[0]

    async def scenario() -> None:
        first = await open_socket(server_a.port, cookie)
        second = await open_socket(server_b.port, cookie)
        third = await open_socket(server_b.port, cookie)
        # The member's oldest socket anywhere is closed: on A, by an opening on B.
        assert await close_code(first) == CLOSE_TOO_MANY
        fourth = await open_socket(server_a.port, cookie)
        assert await close_code(second) == CLOSE_TOO_MANY
        assert await answers_ping(third) and await answers_ping(fourth)
        assert await close_code(third, timeout=0.5) is None and await close_code(fourth, timeout=0.5) is None
        # Another member's sockets count apart.
        other = await open_socket(server_b.port, fault.community.cookies[1])
        assert await answers_ping(other) and await answers_ping(third) and await answers_ping(fourth)
        for websocket in (third, fourth, other):
            await websocket.close()

    run_loop(scenario)
