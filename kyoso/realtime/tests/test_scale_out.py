"""Real servers, real faults: events across processes through Redis, and nothing lost to a restart.

Each test starts its own ``kyoso serve`` processes on a database of their own (of this run's engine,
or SQLite for the embedded mode) and, where it needs one, its own redis-server on a free port: a
restarted Redis is never the one other tests use.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from conftest import service_unavailable
from kyoso.realtime.tests.processes import (
    Community,
    LiveClient,
    Poster,
    RedisServer,
    Server,
    redis_server_path,
    server_database,
)
from kyoso.realtime.tests.support import run_loop

POST_INTERVAL_SECONDS = 0.05
CATCH_UP_SECONDS = 30.0


@pytest.fixture
def redis_server(tmp_path: Path):
    if redis_server_path() is None:
        service_unavailable("redis-server", "not on PATH (Debian: apt-get install redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


async def _until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


def _stream(poster: Poster, first: int, stop: threading.Event) -> threading.Thread:
    """Post one message after another until ``stop``; acknowledged ones are in ``poster.acknowledged``."""

    def run() -> None:
        seq = first
        while not stop.is_set():
            poster.post(seq)
            seq += 1
            time.sleep(POST_INTERVAL_SECONDS)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.redis
def test_an_event_published_in_one_process_reaches_a_client_of_the_other(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    with server_database(tmp_path) as database_url:
        community = Community(tmp_path / "var", database_url, redis_server.url)
        community.setup(members=2)
        server_a, server_b = Server(community), Server(community)
        server_a.start()
        server_b.start()
        poster = Poster(community)
        try:

            async def scenario() -> None:
                on_a = LiveClient(server_a.port, community.cookies[0], community.channel_id)
                on_b = LiveClient(server_b.port, community.cookies[1], community.channel_id)
                for client in (on_a, on_b):
                    client.start()
                    await asyncio.wait_for(client.ready.wait(), 30)
                # Published by a third process, once, through Redis: both servers deliver it.
                await asyncio.to_thread(poster.post, 1)
                await _until(lambda: on_a.heard == [1] and on_b.heard == [1], 10, "the post on both servers")
                # Published by process A itself (a typing notice from its client) reaches B's client.
                await on_a_typing(on_a, community.channel_id)
                await _until(
                    lambda: any(e["type"] == "member.typing" for e in on_b.events), 10, "typing heard on B"
                )
                await on_a.stop()
                await on_b.stop()

            run_loop(scenario)
        finally:
            poster.close()
            server_a.stop()
            server_b.stop()


async def on_a_typing(client: LiveClient, channel_id: int) -> None:
    from websockets.asyncio.client import connect

    headers = {"Cookie": client.cookie, "Origin": f"http://127.0.0.1:{client.port}"}
    async with connect(f"ws://127.0.0.1:{client.port}/ws/", additional_headers=headers) as websocket:
        await websocket.send('{"type": "hello", "channels": {}}')
        while '"ready"' not in str(await websocket.recv()):
            pass
        await websocket.send(f'{{"type": "typing", "channel_id": {channel_id}}}')
        await asyncio.sleep(0.5)


@pytest.mark.redis
def test_after_redis_and_a_server_restart_every_client_has_every_acknowledged_post_once_in_order(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    with server_database(tmp_path) as database_url:
        community = Community(tmp_path / "var", database_url, redis_server.url)
        community.setup(members=2)
        server_a, server_b = Server(community), Server(community)
        server_a.start()
        server_b.start()
        poster = Poster(community)
        stop = threading.Event()
        try:

            async def scenario() -> None:
                on_a = LiveClient(server_a.port, community.cookies[0], community.channel_id)
                on_b = LiveClient(server_b.port, community.cookies[1], community.channel_id)
                for client in (on_a, on_b):
                    client.start()
                    await asyncio.wait_for(client.ready.wait(), 30)
                stream = _stream(poster, 1, stop)
                await asyncio.sleep(1.0)
                await asyncio.to_thread(redis_server.stop)
                await asyncio.sleep(1.0)
                await asyncio.to_thread(redis_server.start)
                await asyncio.sleep(1.5)
                await asyncio.to_thread(server_b.kill)
                await asyncio.sleep(0.5)
                await asyncio.to_thread(server_b.start)
                await asyncio.sleep(1.0)
                stop.set()
                await asyncio.to_thread(stream.join)
                acknowledged = list(poster.acknowledged)
                assert len(acknowledged) > 20
                for client in (on_a, on_b):
                    await _until(
                        lambda c=client: len(c.heard) >= len(acknowledged), CATCH_UP_SECONDS, "catch-up"
                    )
                    await asyncio.sleep(0.5)  # anything extra would show up now
                    assert client.heard == acknowledged
                # Both really lost their connection and came back.
                assert on_a.connections >= 2 and on_b.connections >= 2
                await on_a.stop()
                await on_b.stop()

            run_loop(scenario)
        finally:
            stop.set()
            poster.close()
            server_a.stop()
            server_b.stop()


def test_after_kill_9_of_the_embedded_server_every_acknowledged_post_is_kept_and_caught_up(
    tmp_path: Path,
) -> None:
    database = tmp_path / "embedded.sqlite3"
    community = Community(tmp_path / "var", f"sqlite:///{database.as_posix()}")
    community.setup(members=1)
    server = Server(community)
    server.start()
    poster = Poster(community)
    stop = threading.Event()
    try:

        async def scenario() -> None:
            client = LiveClient(server.port, community.cookies[0], community.channel_id)
            client.start()
            await asyncio.wait_for(client.ready.wait(), 30)
            stream = _stream(poster, 1, stop)
            await asyncio.sleep(1.0)
            await asyncio.to_thread(server.kill)  # SIGKILL: no shutdown, no cleanup
            await asyncio.sleep(0.5)
            await asyncio.to_thread(server.start)
            await asyncio.sleep(1.0)
            stop.set()
            await asyncio.to_thread(stream.join)
            acknowledged = list(poster.acknowledged)
            assert len(acknowledged) > 10
            await _until(lambda: len(client.heard) >= len(acknowledged), CATCH_UP_SECONDS, "catch-up")
            await asyncio.sleep(0.5)
            assert client.heard == acknowledged
            assert client.connections >= 2
            await client.stop()

        run_loop(scenario)
    finally:
        stop.set()
        poster.close()
        server.stop()
    with sqlite3.connect(database) as connection:
        texts = [row[0] for row in connection.execute("SELECT text FROM chat_message")]
    kept = sorted(int(text.split()[1]) for text in texts if text.startswith("bench "))
    assert kept == poster.acknowledged


def test_a_relay_socket_left_by_a_killed_server_does_not_hold_up_publishers(tmp_path: Path) -> None:
    community = Community(tmp_path / "var", f"sqlite:///{(tmp_path / 'relay.sqlite3').as_posix()}")
    community.setup(members=1)
    server = Server(community)
    server.start()

    async def connect_once() -> None:
        client = LiveClient(server.port, community.cookies[0], community.channel_id)
        client.start()
        await asyncio.wait_for(client.ready.wait(), 30)  # the hub, and its relay socket, are up
        await client.stop()

    run_loop(connect_once)
    server.kill()
    stale = list((tmp_path / "var" / "realtime").glob("*.sock"))
    assert stale, "the killed server left its relay socket behind"
    poster = Poster(community)
    try:
        started = time.monotonic()
        poster.post(1)
        assert poster.acknowledged == [1]
        assert time.monotonic() - started < 10
        assert not any(path.exists() for path in stale)
    finally:
        poster.close()
