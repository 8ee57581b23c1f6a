"""``kyoso bench load``: a few members for a few seconds; every post stored and heard exactly once.

The benchmark starts a real ``kyoso serve`` on a scratch database of its own (a temporary SQLite file;
on a PostgreSQL test run, also a PostgreSQL database it creates and drops, behind two processes and a
Redis), so these tests need no test database.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from io import StringIO
from urllib.parse import urlparse

import pytest
from django.core.management import call_command

from kyoso.bench.fanout_client import Step
from kyoso.bench.load import missing_deliveries
from kyoso.bench.load_client import Crowd, Listener, Member, Server, Sockets
from kyoso.realtime.tests.support import in_thread

# About a hundred actions in all (each kind is drawn at least one time in ten), even on a slow machine.
SMALL = ["--members=20", "--seconds=5", "--think=0.3", "--teams=4"]
DATABASE_URL = os.environ.get("KYOSO_DATABASE_URL", "")
ON_POSTGRES = urlparse(DATABASE_URL).scheme in {"postgres", "postgresql"}


def _bench(*args: str) -> dict:
    # In a thread of its own: once a browser test ran, the main thread keeps Playwright's event loop, and
    # the benchmark runs its own.
    out = StringIO()
    in_thread(lambda: call_command("bench", "load", "--json", *args, stdout=out))
    return json.loads(out.getvalue())


def _assert_every_kind_ran_and_every_post_was_heard_once(figures: dict) -> None:
    assert figures["verification"] == {
        "lost": 0,
        "missing_deliveries": 0,
        "duplicated": 0,
        "sockets_not_ready": 0,
        "ok": True,
    }
    assert figures["sockets"]["ready"] == 20
    for kind in ("post", "read", "search", "stamp"):
        done = figures["operations"][kind]
        assert done["count"] > 0, kind
        assert done["errors"] == 0, done["errors_by_kind"]
        assert 0 < done["p50_ms"] <= done["p99_ms"]
    delivery = figures["delivery"]
    assert delivery["posts_acknowledged"] == figures["operations"]["post"]["count"]
    # Each post reaches every socket of its channel (the shared one, or a team of five), not one.
    assert delivery["expected"] >= 5 * delivery["posts_acknowledged"]
    assert delivery["latency"]["count"] == delivery["expected"]


def test_members_post_read_search_and_stamp_on_sqlite_and_every_post_is_heard_once() -> None:
    figures = _bench(*SMALL)

    assert (figures["database"], figures["processes"], figures["redis"]) == ("sqlite", 1, False)
    _assert_every_kind_ran_and_every_post_was_heard_once(figures)


@pytest.mark.skipif(not ON_POSTGRES, reason="the PostgreSQL run of the suite tests PostgreSQL + Redis")
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server on the PATH")
def test_members_on_postgresql_behind_two_processes_and_redis_hear_every_post_once() -> None:
    parsed = urlparse(DATABASE_URL)
    scratch = parsed._replace(path=f"{parsed.path.rstrip('/')}_load_bench").geturl()

    figures = _bench(*SMALL, "--processes=2", f"--database={scratch}")

    assert (figures["database"], figures["processes"], figures["redis"]) == ("postgresql", 2, True)
    _assert_every_kind_ran_and_every_post_was_heard_once(figures)


def _frame(kind: str, seq: int) -> bytes:
    # The shape the server sends: the event id, its type, then the data with the post's text.
    return json.dumps(
        {"id": "0" * 32, "type": kind, "at": "", "data": {"text": f"bench {seq} 1796416581.997416 予算"}},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def test_a_post_heard_twice_or_not_at_all_fails_the_check_and_a_stamp_event_is_no_delivery() -> None:
    async def hear() -> tuple[Step, list[Listener], Crowd]:
        step = Step(1, 10, 2)
        sockets = Sockets(Server("127.0.0.1", 1), {}, step)
        members = [Member(index=n, cookie="", channels=(1, 2)) for n in range(2)]
        listeners = [Listener(sockets, n, {}) for n in range(2)]  # type: ignore[arg-type]
        crowd = Crowd(
            [sockets.server], members, stamps=[1], first_posts={1: 1, 2: 2}, think=1, capacity=10, seed=1
        )
        crowd.acknowledged = {1: (101, 1), 2: (102, 2)}
        listeners[0]._text(_frame("message.created", 1))
        listeners[1]._text(_frame("message.created", 1))
        # A stamp on post 1 draws it again, marker and all: not a second delivery.
        listeners[0]._text(_frame("reaction.added", 1))
        listeners[0]._text(_frame("message.created", 2))
        return step, listeners, crowd

    heard: list[tuple[Step, list[Listener], Crowd]] = []
    in_thread(lambda: heard.append(asyncio.run(hear())))
    step, listeners, crowd = heard[0]

    assert step.duplicated == 0
    # Post 2 went to channel 2: socket 1 never heard it.
    assert missing_deliveries(crowd, step, listeners) == (4, 1)

    listeners[1]._text(_frame("message.created", 2))
    listeners[1]._text(_frame("message.created", 2))

    assert missing_deliveries(crowd, step, listeners) == (4, 0)
    assert step.duplicated == 1
