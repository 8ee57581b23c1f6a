"""WebSocket fan-out: C clients in one channel hear R posts/s; kyoso beside a bare websockets server.

Both servers run as real subprocesses: ``kyoso serve`` on a temporary SQLite database with C signed-in
members in one channel, and the baseline (kyoso.bench.fanout_baseline). The same load generator
(kyoso.bench.fanout_client, in separate processes) holds the sockets; a poster process posts at the
rate with its send time in each text, so latency runs from the post to its receipt. ``kib_per_conn`` is
the server's memory growth per idle connection. ``--saturate`` raises the rate until delivery falls
behind (something lost, p99 over a second, or the poster cannot keep the rate) and reports the highest
complete rate; ``ratio`` is kyoso's saturation throughput over the baseline's (without ``--saturate``,
the ratio of the delivered frames per second at the given rate). ``--redis`` runs kyoso as two
processes sharing a Redis of its own, clients split between them, posts published through Redis.
``--deflate on`` lets the clients and both servers use permessage-deflate.

Beside the figures the issue asks for, each side reports the server's and the generator's CPU time per
frame (steadier than latency on a shared machine), the bytes per frame on the wire, the time and the
server CPU it took to connect the clients, and whether the step was complete.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from kyoso.bench.fanout_client import generator_main

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 120
SETTLE_SECONDS = 2.0
# Delivery has fallen behind when the 99th percentile passes this, or the poster cannot keep the rate.
FALLS_BEHIND_MS = 1000.0
POSTER_KEEPS_UP = 0.9
SATURATION_FACTOR = 1.5
SATURATION_STEPS = 12
CLIENTS_PER_GENERATOR = 2500
FILES_PER_CLIENT = 2  # the client's socket, and the server's when it runs here too

Progress = Callable[[str], None]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clients", type=int, default=1000, help="client sockets in the one channel")
    parser.add_argument("--rate", type=float, default=10.0, help="posts per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each measured step")
    parser.add_argument("--saturate", action="store_true", help="raise the rate until delivery falls behind")
    parser.add_argument("--redis", action="store_true", help="kyoso as two processes sharing a Redis")
    parser.add_argument("--deflate", choices=["on", "off"], default="off", help="permessage-deflate")
    parser.add_argument("--processes", type=int, default=0, help="load generator processes (0: automatic)")
    parser.add_argument("--drain", type=float, default=10.0, help="seconds to wait for late frames")
    parser.add_argument("--skip-baseline", action="store_true", help="measure kyoso only")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used (Linux), to compare the work done per frame."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_for_port(port: int, process: subprocess.Popen[Any], path: str | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            if path is None:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            else:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"server on port {port} did not start") from None
            time.sleep(0.2)


def _stop(process: subprocess.Popen[Any] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Side:
    """One system under test: its server processes, its clients' cookies and its poster."""

    name = ""

    def __init__(self, workdir: Path, options: dict[str, Any], progress: Progress) -> None:
        self.workdir, self.options, self.progress = workdir, options, progress
        self.servers: list[tuple[subprocess.Popen[Any], int]] = []
        self.helpers: list[subprocess.Popen[Any]] = []
        self.cookies: list[str | None] = []
        self.hello: dict[str, int] = {}

    def start(self) -> None:
        raise NotImplementedError

    def poster(self) -> subprocess.Popen[str]:
        raise NotImplementedError

    def stop(self) -> None:
        for process, _port in self.servers:
            _stop(process)
        for process in self.helpers:
            _stop(process)


class KyosoSide(Side):
    name = "kyoso"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KYOSO_")}
        env.update(
            {
                "KYOSO_VAR_DIR": str(self.workdir / "var"),
                "KYOSO_DATABASE_URL": f"sqlite:///{(self.workdir / 'bench.sqlite3').as_posix()}",
                "KYOSO_DEBUG": "off",
                "KYOSO_LOG_LEVEL": "WARNING",
                "KYOSO_WS_COMPRESSION": self.options["deflate"],
            }
        )
        if self.options["redis"]:
            env["KYOSO_REDIS_URL"] = self.redis_url
        return env

    def start(self) -> None:
        if self.options["redis"]:
            port = _free_port()
            redis = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                stdout=subprocess.DEVNULL,
            )
            self.helpers.append(redis)
            _wait_for_port(port, redis)
            self.redis_url = f"redis://127.0.0.1:{port}/0"
        self.progress(f"kyoso: making {self.options['clients']} signed-in members")
        setup = subprocess.run(
            [
                sys.executable,
                "-m",
                "kyoso.bench.fanout_kyoso",
                "setup",
                "--clients",
                str(self.options["clients"]),
            ],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            check=True,
        )
        made = json.loads(setup.stdout.strip().splitlines()[-1])
        self.channel_id, self.author_id = made["channel_id"], made["author_id"]
        self.cookies = [f"{made['cookie_name']}={key}" for key in made["sessions"]]
        self.hello = {str(self.channel_id): 0}
        for _ in range(2 if self.options["redis"] else 1):
            port = _free_port()
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "kyoso.cli",
                    "serve",
                    "--port",
                    str(port),
                    "--no-migrate",
                    "--no-worker",
                ],
                cwd=ROOT,
                env=self.env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.servers.append((server, port))
            _wait_for_port(port, server, "/healthz")

    def poster(self) -> subprocess.Popen[str]:
        command = ["post", "--channel", str(self.channel_id), "--author", str(self.author_id)]
        return subprocess.Popen(
            [sys.executable, "-m", "kyoso.bench.fanout_kyoso", *command],
            cwd=ROOT,
            env=self.env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )


class BaselineSide(Side):
    name = "baseline"

    def start(self) -> None:
        port = _free_port()
        command = [sys.executable, "-m", "kyoso.bench.fanout_baseline", "serve", "--port", str(port)]
        if self.options["deflate"] == "on":
            command.append("--deflate")
        if self.options.get("frame_bytes"):
            command += ["--frame-bytes", str(self.options["frame_bytes"])]
        server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
        self.servers.append((server, port))
        _wait_for_port(port, server)
        self.cookies = [None] * self.options["clients"]

    def poster(self) -> subprocess.Popen[str]:
        port = self.servers[0][1]
        return subprocess.Popen(
            [sys.executable, "-m", "kyoso.bench.fanout_baseline", "post", "--port", str(port)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )


@contextmanager
def _generators(side: Side, processes: int) -> Iterator[list[Any]]:
    context = multiprocessing.get_context("spawn")
    pipes, workers = [], []
    for n in range(processes):
        _process, port = side.servers[n % len(side.servers)]
        spec = {
            "url": f"ws://127.0.0.1:{port}/ws/",
            "host": "127.0.0.1",
            "port": port,
            "origin": f"http://127.0.0.1:{port}",
            "cookies": side.cookies[n::processes],
            "hello": side.hello,
            "deflate": side.options["deflate"] == "on",
        }
        parent, child = context.Pipe()
        worker = context.Process(target=generator_main, args=(child, spec), daemon=True)
        worker.start()
        pipes.append(parent)
        workers.append(worker)
    try:
        yield pipes
    finally:
        for pipe in pipes:
            with suppress(OSError):
                pipe.send(("quit",))
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()


def _ask(pipes: list[Any], command: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    for pipe in pipes:
        pipe.send(command)
    return [pipe.recv() for pipe in pipes]


def _percentile(ordered: array, fraction: float) -> float:
    if not ordered:
        return 0.0
    return float(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))])


def _step(
    pipes: list[Any],
    servers: list[int],
    poster: subprocess.Popen[str],
    rate: float,
    seconds: float,
    first: int,
    drain: float,
    clients: int,
) -> dict[str, Any]:
    count = max(1, round(rate * seconds))
    _ask(pipes, ("step", first, count))
    cpu_before = sum(_cpu_seconds(pid) for pid in servers)
    assert poster.stdin is not None and poster.stdout is not None
    poster.stdin.write(f"step {rate} {seconds} {first}\n")
    poster.stdin.flush()
    words = poster.stdout.readline().split()
    sent_first, sent_last = float(words[2]), float(words[3])
    deadline = time.monotonic() + drain
    while time.monotonic() < deadline:
        if sum(answer[1] for answer in _ask(pipes, ("progress",))) >= count * clients:
            break
        time.sleep(0.1)
    cpu = sum(_cpu_seconds(pid) for pid in servers) - cpu_before
    reports = [answer[1] for answer in _ask(pipes, ("collect",))]
    latencies = array("f")
    for report in reports:
        latencies.frombytes(report["latencies"])
    ordered = array("f", sorted(latencies))
    unique = sum(r["unique"] for r in reports)
    last_at = max((r["last_at"] for r in reports), default=0.0)
    achieved = (count - 1) / (sent_last - sent_first) if count > 1 and sent_last > sent_first else rate
    figures = {
        "rate": rate,
        "delivered_fps": round(unique / (last_at - sent_first), 1) if last_at > sent_first else 0.0,
        "p50_ms": round(_percentile(ordered, 0.50), 2),
        "p99_ms": round(_percentile(ordered, 0.99), 2),
        "max_ms": round(float(ordered[-1]) if ordered else 0.0, 2),
        "lost": count * clients - unique,
        "duplicated": sum(r["duplicated"] for r in reports),
        "out_of_order": sum(r["out_of_order"] for r in reports),
        "posted_rate": round(achieved, 1),
        # The server's CPU time per frame delivered: steadier than latency on a shared machine.
        "server_cpu_us_per_frame": round(cpu / unique * 1e6, 2) if unique else None,
        "generator_cpu_us_per_frame": round(sum(r["cpu_seconds"] for r in reports) / unique * 1e6, 2)
        if unique
        else None,
        # Bytes on the wire per frame (what permessage-deflate would save).
        "wire_bytes_per_frame": round(sum(r["wire_bytes"] for r in reports) / unique, 1) if unique else None,
    }
    figures["complete"] = (
        figures["lost"] == 0 and figures["p99_ms"] <= FALLS_BEHIND_MS and achieved >= POSTER_KEEPS_UP * rate
    )
    return figures


def measure(side: Side, options: dict[str, Any], progress: Progress) -> dict[str, Any]:
    clients = options["clients"]
    processes = options["processes"] or max(1, -(-clients // CLIENTS_PER_GENERATOR))
    if options["redis"] and side.name == "kyoso":
        processes = max(2, processes + processes % 2)
    side.start()
    poster = None
    try:
        idle_before = sum(_rss_kib(process.pid) for process, _port in side.servers)
        with _generators(side, processes) as pipes:
            progress(f"{side.name}: connecting {clients} clients from {processes} processes")
            connecting = time.monotonic()
            pids = [process.pid for process, _port in side.servers]
            connect_cpu = sum(_cpu_seconds(pid) for pid in pids)
            answers = _ask(pipes, ("connect",))
            connect_seconds = time.monotonic() - connecting
            connect_cpu = sum(_cpu_seconds(pid) for pid in pids) - connect_cpu
            connected = sum(answer[1]["connected"] for answer in answers)
            failures = [f for answer in answers for f in answer[1]["failures"]]
            if connected < clients:
                progress(f"{side.name}: only {connected} of {clients} connected: {failures[:3]}")
            time.sleep(SETTLE_SECONDS)
            idle_after = sum(_rss_kib(process.pid) for process, _port in side.servers)
            poster = side.poster()
            progress(f"{side.name}: {options['rate']} posts/s for {options['seconds']} s")
            first = 1
            result = _step(
                pipes, pids, poster, options["rate"], options["seconds"], first, options["drain"], clients
            )
            first += round(options["rate"] * options["seconds"]) + 1
            figures = {"clients": connected, **result}
            figures["kib_per_conn"] = round((idle_after - idle_before) / max(connected, 1), 1)
            figures["connect_seconds"] = round(connect_seconds, 1)
            figures["connect_cpu_ms_per_conn"] = round(connect_cpu / max(connected, 1) * 1000, 2)
            if options["saturate"]:
                best = result if result["complete"] else None
                rate = options["rate"]
                for _ in range(SATURATION_STEPS):
                    rate = rate * SATURATION_FACTOR if best is not None else rate / 2
                    progress(f"{side.name}: saturating, {rate:.1f} posts/s")
                    step = _step(
                        pipes, pids, poster, rate, options["seconds"], first, options["drain"], clients
                    )
                    first += round(rate * options["seconds"]) + 1
                    if step["complete"]:
                        best = step
                    elif best is not None:
                        figures["fell_behind_at"] = step
                        break
                figures["saturation"] = best
    finally:
        if poster is not None and poster.stdin is not None:
            with suppress(OSError):
                poster.stdin.write("quit\n")
                poster.stdin.close()
            _stop(poster)
        side.stop()
    figures["servers"] = len(side.servers)
    figures["deflate"] = options["deflate"]
    return figures


def _throughput(figures: dict[str, Any]) -> float:
    saturation = figures.get("saturation")
    if saturation is not None:
        return float(saturation["delivered_fps"])
    return float(figures["delivered_fps"])


def _raise_file_limit(clients: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = clients * FILES_PER_CLIENT + 1024
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def run(options: dict[str, Any], progress: Progress) -> dict[str, Any]:
    if options["redis"] and shutil.which("redis-server") is None:
        raise RuntimeError("--redis needs redis-server on the PATH")
    _raise_file_limit(options["clients"])
    with tempfile.TemporaryDirectory(prefix="kyoso-fanout-") as workdir:
        kyoso = measure(KyosoSide(Path(workdir), options, progress), options, progress)
        if options["skip_baseline"]:
            return {"kyoso": kyoso, "baseline": None, "ratio": None}
        # The baseline sends frames as large as kyoso's were in this run (kyoso's carry the drawn message).
        sized = {**options, "frame_bytes": round(kyoso.get("wire_bytes_per_frame") or 0)}
        baseline = measure(BaselineSide(Path(workdir), sized, progress), sized, progress)
    ratio = _throughput(kyoso) / _throughput(baseline) if _throughput(baseline) else 0.0
    return {"kyoso": kyoso, "baseline": baseline, "ratio": round(ratio, 3)}
