"""Load: N members post, read, search and stamp for S seconds; every post stored and heard exactly once.

How it measures:
- A real ``kyoso serve --no-worker`` (one process, or ``--processes 2`` sharing a Redis of its own, as
  ``kyoso bench fanout --redis`` runs them) on a scratch database: a temporary SQLite file, or a
  PostgreSQL database that the benchmark creates and drops (``--database postgres://…/name``; it
  refuses a name that exists, so it never writes into a database it did not make).
- N members are made in bulk with their sessions (``kyoso.bench.fanout_kyoso setup``), all in one
  channel, and each in one of ``--teams`` team channels (``kyoso.bench.load_kyoso``).
- Each member holds a WebSocket and, every ``--think`` seconds on average (evenly between half and one
  and a half times it), does one API request with their session cookie and CSRF token:
  post 30 %, read 40 %, search 10 %, stamp 20 % (kyoso.bench.load_client). Sockets and requests are
  spread over the server processes, so a post answered by one process reaches sockets on the other.
- Per operation: successes, their throughput, p50 and p99 of the time to the answer, and errors by kind
  (the error code or page title of the answer, or no answer in time). Then the check: every
  acknowledged post must be in the database (``lost`` counts those that are not), and every socket of
  its channel must have heard its ``message.created`` once (``missing_deliveries``, ``duplicated``).
  The command exits non-zero when any of them is not 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from django.core.management.base import CommandError

from kyoso.bench.fanout import ROOT, KyosoSide, Progress, _cpu_seconds, _percentile, _raise_file_limit
from kyoso.bench.fanout_client import Step
from kyoso.bench.load_client import (
    OPERATIONS,
    WEIGHTS,
    Crowd,
    Listener,
    Member,
    Server,
    Sockets,
    open_sockets,
)

DEFAULT_MEMBERS = 1000
DEFAULT_SECONDS = 60.0
DEFAULT_THINK_SECONDS = 7.5
DEFAULT_TEAMS = 10
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/kyoso_bench_load"
# After the last answer, how long the sockets may take to hear the last posts, and how long to listen
# on for a duplicate.
DRAIN_SECONDS = 15.0
SETTLE_SECONDS = 1.0
POLL_SECONDS = 0.2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--members", type=int, default=DEFAULT_MEMBERS, help="simulated members")
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, help="how long they act")
    parser.add_argument(
        "--processes", type=int, choices=(1, 2), default=1, help="server processes (2: behind a Redis)"
    )
    parser.add_argument(
        "--database",
        default="sqlite",
        help="sqlite (a temporary file), postgres, or a postgres:// URL naming a database to create",
    )
    parser.add_argument(
        "--think", type=float, default=DEFAULT_THINK_SECONDS, help="mean seconds between a member's actions"
    )
    parser.add_argument("--teams", type=int, default=DEFAULT_TEAMS, help="team channels")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the members' choices")


class LoadSide(KyosoSide):
    """``kyoso bench fanout``'s kyoso side, on the database this benchmark was given."""

    def env(self) -> dict[str, str]:
        env = super().env()
        if self.options["database_url"]:
            env["KYOSO_DATABASE_URL"] = self.options["database_url"]
        return env

    def kyoso(self, *args: str, given: Any = None) -> Any:
        """``python -m kyoso.bench.load_kyoso ARGS`` on this side's database; its JSON answer."""
        done = subprocess.run(
            [sys.executable, "-m", "kyoso.bench.load_kyoso", *args],
            cwd=ROOT,
            env=self.env(),
            input=None if given is None else json.dumps(given),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"load_kyoso {args[0]} failed:\n{done.stderr[-2000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def _postgres_url(database: str) -> str | None:
    if database == "sqlite":
        return None
    url = DEFAULT_POSTGRES_URL if database == "postgres" else database
    if urlparse(url).scheme not in {"postgres", "postgresql"} or not urlparse(url).path.strip("/"):
        raise CommandError(
            f"--database must be sqlite, postgres or a postgres://…/name URL, not {database!r}"
        )
    return url


@contextlib.contextmanager
def _scratch_postgres(url: str | None, progress: Progress) -> Iterator[None]:
    """Create the named database for the run and drop it afterwards; refuse one that exists."""
    if url is None:
        yield
        return
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.strip("/")
    server = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            raise CommandError(
                f"the database {name!r} exists: the benchmark makes its own; drop it or name another"
            )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    progress(f"created the PostgreSQL database {name}")
    try:
        yield
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _timings(values: list[float] | array, seconds: float) -> dict[str, Any]:
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "per_second": round(len(ordered) / seconds, 2) if seconds else 0.0,
        "p50_ms": round(_percentile(ordered, 0.50), 1),  # type: ignore[arg-type]
        "p99_ms": round(_percentile(ordered, 0.99), 1),  # type: ignore[arg-type]
    }


def _operations(crowd: Crowd, elapsed: float) -> dict[str, Any]:
    return {
        kind: {
            **_timings(outcome.latencies_ms, elapsed),
            "errors": sum(outcome.failures.values()),
            "errors_by_kind": dict(outcome.failures.most_common()),
        }
        for kind, outcome in crowd.outcomes.items()
    }


def missing_deliveries(crowd: Crowd, step: Step, ready: list[Listener]) -> tuple[int, int]:
    """(expected, missing): each acknowledged post, against every ready socket of its channel."""
    everyone = crowd.members[0].channels[0] if crowd.members else 0
    audience: dict[int, list[int]] = {everyone: []}
    for client in ready:
        member = crowd.members[client.index]
        audience[everyone].append(client.index)
        audience.setdefault(member.channels[-1], []).append(client.index)
    expected = missing = 0
    for seq, (_message, channel) in crowd.acknowledged.items():
        offset = seq - step.first
        for index in audience.get(channel, []):
            expected += 1
            if not step.seen[index][offset]:
                missing += 1
    return expected, missing


async def _run_members(
    side: LoadSide, made: dict[str, Any], options: dict[str, Any], progress: Progress
) -> dict:
    everyone, teams = made["everyone"], made["teams"]
    members = [
        Member(index=n, cookie=cookie or "", channels=(everyone, teams[n % len(teams)]))
        for n, cookie in enumerate(side.cookies)
    ]
    servers = [Server("127.0.0.1", port) for _process, port in side.servers]
    # Each member acts at most once at first and then every half think time: the posts cannot outnumber that.
    capacity = len(members) * (1 + int(2 * options["seconds"] / options["think"])) + 1
    step = Step(1, capacity, len(members))
    # A socket hears every channel its member is in; the page it says hello from shows the shared one.
    hello = {str(everyone): made["first_posts"][str(everyone)]}
    groups = [Sockets(server, hello, step) for server in servers]
    progress(f"connecting {len(members)} sockets to {len(servers)} server process(es)")
    connecting = time.monotonic()
    ready, failures = await open_sockets(groups, members)
    connect_seconds = time.monotonic() - connecting
    crowd = Crowd(
        servers,
        members,
        stamps=made["stamps"],
        first_posts={int(k): v for k, v in made["first_posts"].items()},
        think=options["think"],
        capacity=capacity,
        seed=options["seed"],
    )
    pids = [process.pid for process, _port in side.servers]
    cpu_before, client_cpu_before = sum(_cpu_seconds(pid) for pid in pids), time.process_time()
    progress(f"{len(members)} members acting for {options['seconds']} s (think {options['think']} s)")
    # The machine's 1-minute load average before and after: other work on it shows in the figures.
    load_before = os.getloadavg()[0]
    elapsed = await crowd.run(options["seconds"])
    load_after = os.getloadavg()[0]
    server_cpu = sum(_cpu_seconds(pid) for pid in pids) - cpu_before
    client_cpu = time.process_time() - client_cpu_before
    drain_until = time.monotonic() + DRAIN_SECONDS
    while missing_deliveries(crowd, step, ready)[1] and time.monotonic() < drain_until:
        await asyncio.sleep(POLL_SECONDS)
    await asyncio.sleep(SETTLE_SECONDS)
    expected, missing = missing_deliveries(crowd, step, ready)
    closed = sum(group.lost for group in groups)
    for client in ready:
        if client.transport is not None:
            client.transport.abort()
    operations = _operations(crowd, elapsed)
    return {
        "sockets": {
            "ready": len(ready),
            "failed": len(members) - len(ready),
            "closed_during_run": closed,
            "connect_seconds": round(connect_seconds, 1),
            "failures": failures[:5],
        },
        "elapsed_seconds": round(elapsed, 1),
        "operations": operations,
        "all_operations": {
            "count": sum(o["count"] for o in operations.values()),
            "per_second": round(sum(o["count"] for o in operations.values()) / elapsed, 2),
            "errors": sum(o["errors"] for o in operations.values()),
        },
        "cpu_percent": {
            "servers": round(server_cpu / elapsed * 100, 1),
            "load_generator": round(client_cpu / elapsed * 100, 1),
        },
        # Steadier than latency on a shared machine: the servers' CPU time per request sent (a request
        # the member gave up on was mostly served all the same).
        "server_cpu_ms_per_request": round(server_cpu * 1000 / max(1, crowd.requests), 1),
        "load_average": {"before": round(load_before, 2), "after": round(load_after, 2)},
        "delivery": {
            "posts_acknowledged": len(crowd.acknowledged),
            "expected": expected,
            "missing": missing,
            "duplicated": step.duplicated,
            "latency": _timings(step.latencies, elapsed),
        },
        "_acknowledged": [message for message, _channel in crowd.acknowledged.values()],
    }


def _machine() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo")
    memory = None
    if meminfo.exists():
        total_kib = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = round(total_kib / 1024 / 1024, 1)
    return {"cpus": os.cpu_count(), "memory_gib": memory, "python": platform.python_version()}


def run(options: dict[str, Any], progress: Progress) -> dict[str, Any]:
    for name, least in (("members", 1), ("seconds", 1), ("think", 0.1), ("teams", 1)):
        if options[name] < least:
            raise CommandError(f"--{name} must be at least {least}")
    url = _postgres_url(options["database"])
    _raise_file_limit(2 * options["members"])
    redis = options["processes"] > 1
    side_options = {"clients": options["members"], "redis": redis, "deflate": "off", "database_url": url}
    with tempfile.TemporaryDirectory(prefix="kyoso-load-") as workdir, _scratch_postgres(url, progress):
        side = LoadSide(Path(workdir), side_options, progress)
        try:
            side.start()
            made = side.kyoso("teams", "--teams", str(options["teams"]))
            with contextlib.suppress(ImportError):
                import uvloop

                asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
            measured = asyncio.run(_run_members(side, made, options, progress))
            acknowledged = measured.pop("_acknowledged")
            progress(f"checking that the {len(acknowledged)} acknowledged posts are stored")
            not_stored = side.kyoso("check", given=acknowledged)["missing"]
        finally:
            side.stop()
    verification = {
        "lost": len(not_stored),
        "missing_deliveries": measured["delivery"]["missing"],
        "duplicated": measured["delivery"]["duplicated"],
        "sockets_not_ready": measured["sockets"]["failed"],
    }
    figures = {
        "members": options["members"],
        "seconds": options["seconds"],
        "processes": options["processes"],
        "database": "postgresql" if url else "sqlite",
        "redis": redis,
        "think_seconds": {
            "mean": options["think"],
            "between": [options["think"] / 2, options["think"] * 1.5],
        },
        "mix": dict(zip(OPERATIONS, WEIGHTS, strict=True)),
        "channels": {"everyone": 1, "teams": options["teams"]},
        **measured,
        "verification": {**verification, "ok": not any(verification.values())},
        "machine": _machine(),
    }
    if not figures["verification"]["ok"]:
        figures["failure"] = (
            f"delivery check failed: {verification} (lost: acknowledged posts not in the database; "
            "missing_deliveries and duplicated: message.created frames per subscribed socket)"
        )
    return figures
