"""``kyoso worker`` killed with kill -9 in the middle of a send: nothing is lost, nothing sent twice.

Real processes on a database of their own (a SQLite file, or a PostgreSQL database made for the
test) and a real SMTP server. Thirty mails are queued; the server holds the eleventh conversation
open, the worker is killed while it waits, and a new worker must finish the job: every mail arrives
exactly once, the killed worker's task is run again and the mail it held is taken over.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings

from conftest import service_unavailable
from kyoso.core.tests.smtp import free_port, smtp_server

ROOT = Path(__file__).resolve().parents[3]
MAILS = 30
KILL_AT = 10  # the worker is killed while the server holds the conversation of mail 11
TIMEOUT_SECONDS = 90

QUEUE_MAILS = """
import os, django
django.setup()
from django.db import transaction
from kyoso.core.mail import queue_mail
with transaction.atomic():
    for n in range(int(os.environ["MAILS"])):
        to = f"member{n:02d}@city.kurume.fukuoka.jp"
        queue_mail(to=to, template="security_password_changed", context={})
"""
STATE = """
import json, django
django.setup()
from django_tasks_db.models import DBTaskResult
from kyoso.core.models import Mail, WorkerHeartbeat
print(json.dumps({
    "mail": sorted(Mail.objects.values_list("status", flat=True)),
    "tasks": sorted(DBTaskResult.objects.values_list("status", flat=True)),
    "workers": WorkerHeartbeat.objects.count(),
}))
"""


class HoldingInbox:
    """Accepts every mail once, recording its recipient; holds the conversation after ``hold_after``."""

    def __init__(self, hold_after: int) -> None:
        self.received: list[str] = []
        self.hold_after = hold_after
        self.held = False
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(
        self, server: object, session: object, envelope: Any, address: str, options: list[str]
    ) -> str:
        if not self.held and len(self.received) == self.hold_after:
            self.held = True
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 try again later"  # the client is gone by now; nothing was accepted
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.received.extend(envelope.rcpt_tos)
        return "250 OK"


def wait_for(check: Any, what: str, timeout: float = TIMEOUT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def postgres_admin() -> dict[str, str]:
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        db = settings.DATABASES["default"]
        return {"host": db["HOST"] or "127.0.0.1", "port": str(db["PORT"] or 5432), "user": db["USER"]}
    url = urlparse(os.environ.get("KYOSO_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    return {"host": url.hostname or "127.0.0.1", "port": str(url.port or 5432), "user": url.username or ""}


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'worker.sqlite3').as_posix()}"
        return
    import psycopg

    admin = postgres_admin()
    dsn = f"host={admin['host']} port={admin['port']} user={admin['user']} dbname=postgres"
    name = f"kyoso_worker_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        service_unavailable("PostgreSQL", str(error))
    yield f"postgres://{admin['user']}@{admin['host']}:{admin['port']}/{name}"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Processes:
    def __init__(self, tmp_path: Path, database_url: str, smtp_port: int) -> None:
        self.log = tmp_path / "worker.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KYOSO_")}
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "kyoso.settings",
                "KYOSO_VAR_DIR": str(tmp_path / "var"),
                "KYOSO_DATABASE_URL": database_url,
                "KYOSO_EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
                # Fast recovery for the test: dead after 3 s of silence; a claim lapses after 10 s.
                "KYOSO_WORKER_HEARTBEAT_SECONDS": "1",
                "KYOSO_MAIL_TIMEOUT_SECONDS": "1",
                "KYOSO_MAIL_RETRY_SECONDS": "1",
                "MAILS": str(MAILS),
            }
        )

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def worker(self) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "kyoso.cli", "worker", "--skip-checks"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
            )

    def state(self) -> dict[str, Any]:
        return json.loads(self.run("-c", STATE).strip().splitlines()[-1])


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)
def test_a_worker_killed_mid_send_loses_and_duplicates_no_mail(tmp_path: Path, database_url: str) -> None:
    inbox = HoldingInbox(hold_after=KILL_AT)
    with smtp_server(inbox, port=free_port()) as port:
        processes = Processes(tmp_path, database_url, port)
        processes.run("-m", "kyoso.cli", "migrate", "--noinput", "-v", "0", "--skip-checks")
        processes.run("-c", QUEUE_MAILS)

        first = processes.worker()
        try:
            assert inbox.holding.wait(TIMEOUT_SECONDS), processes.log.read_text()[-3000:]
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        finally:
            inbox.release.set()
            if first.poll() is None:
                first.kill()
        assert len(inbox.received) == KILL_AT
        killed = processes.state()
        assert killed["mail"].count("sending") == 1  # the held mail was claimed by the killed worker
        assert killed["tasks"].count("RUNNING") == 1

        second = processes.worker()
        try:
            wait_for(lambda: len(set(inbox.received)) == MAILS, "every mail to arrive")

            def settled() -> bool:
                state = processes.state()
                return set(state["mail"]) == {"sent"} and set(state["tasks"]) == {"SUCCESSFUL"}

            wait_for(settled, "every mail and task to be done")
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)

    expected = {f"member{n:02d}@city.kurume.fukuoka.jp" for n in range(MAILS)}
    assert Counter(inbox.received) == Counter(expected)  # each exactly once
    assert second.returncode == 0
    assert processes.state()["workers"] == 1  # the killed worker's row; the stopped one removed its own
    log = processes.log.read_text()
    assert "event=task.recovered task=kyoso.core.mail.deliver_mail" in log
    assert "worker: stopped" in log
