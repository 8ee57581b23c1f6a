"""`kyoso serve` applies pending migrations, then answers /healthz and /readyz over real HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A database of its own for the server under test, of the same engine as this test run."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{(tmp_path / 'serve.sqlite3').as_posix()}"
        return
    import psycopg

    db = settings.DATABASES["default"]
    name = f"kyoso_serve_{uuid.uuid4().hex[:8]}"
    admin = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def get_json(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@contextmanager
def serving(env: dict[str, str], port: int) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """`kyoso serve` on ``port`` with ``env``, once it answers /healthz; its output when it stopped."""
    server = subprocess.Popen(
        [sys.executable, "-m", "kyoso.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                get_json(f"http://127.0.0.1:{port}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, "kyoso serve exited early"
                assert time.monotonic() < deadline, "kyoso serve did not answer in time"
                time.sleep(0.3)
        yield server, output
    finally:
        server.terminate()
        # Up to a minute: the worker beside the server finishes the task at hand first.
        output.append(server.communicate(timeout=90)[0])


def server_env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYOSO_")}
    env.update({"KYOSO_VAR_DIR": str(tmp_path), "KYOSO_DATABASE_URL": database_url, **extra})
    return env


def test_serve_migrates_a_new_database_and_answers_health_checks(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    with serving(server_env(tmp_path, database_url), port) as (_server, output):
        status, body = get_json(f"http://127.0.0.1:{port}/healthz")
        assert (status, body) == (200, {"status": "ok"})
        status, body = get_json(f"http://127.0.0.1:{port}/readyz")
        assert status == 200
        assert body["checks"]["database"] == "ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert '<html lang="ja"' in response.read().decode()
    assert "Applying database migrations" in output[0]


QUEUE_ONE_MAIL = """
from django.db import transaction
from kyoso.core.mail import queue_mail
with transaction.atomic():
    queue_mail(to="hanako@city.kurume.fukuoka.jp", template="security_password_changed", context={})
"""


def test_serve_alone_sends_mail_through_the_worker_it_starts(tmp_path: Path, database_url: str) -> None:
    """The embedded mode is `kyoso serve` and nothing else: the mail a request queues still goes out."""
    from kyoso.core.tests.smtp import Inbox, smtp_server

    inbox = Inbox()
    with smtp_server(inbox) as smtp_port:
        env = server_env(tmp_path, database_url, KYOSO_EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}")
        with serving(env, free_port()) as (_server, output):
            subprocess.run(
                [sys.executable, "-m", "kyoso.cli", "shell", "-c", QUEUE_ONE_MAIL],
                cwd=ROOT,
                env=env,
                check=True,
            )
            deadline = time.monotonic() + START_TIMEOUT_SECONDS
            while not inbox.messages:
                assert time.monotonic() < deadline, "the worker beside kyoso serve sent nothing"
                time.sleep(0.3)
    assert [str(m["To"]) for m in inbox.messages] == ["hanako@city.kurume.fukuoka.jp"]
    # The server asked its worker to stop, and the worker said so.
    assert "event=worker.stopped" in output[0]
