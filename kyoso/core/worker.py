"""What ``kyoso worker`` runs: the task queue (django-tasks-db) and the periodic jobs, in one process.

Each worker has an id and a heartbeat row (``WorkerHeartbeat``) that a thread of its own refreshes
every ``KYOSO_WORKER_HEARTBEAT_SECONDS``, even while a long task runs. django-tasks-db marks a task
RUNNING when a worker claims it and never looks at it again: a worker killed with kill -9 would leave
it RUNNING forever. So every worker, as a periodic job, puts back in the queue the RUNNING tasks of
workers silent for three beats; the task runs again in full, and tasks are written to be safe to run
twice (``deliver_mail`` claims its mail row first). Tasks claimed by a runner without a heartbeat
(django-tasks-db's own ``db_worker``) are left alone: nobody can tell whether it is alive.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from kyoso.core import schedule
from kyoso.core.logs import log_event
from kyoso.core.models import WorkerHeartbeat

logger = logging.getLogger("kyoso.worker")
# Task events (failed, recovered) have their own logger, as the README lists them.
task_logger = logging.getLogger("kyoso.tasks")

# A worker silent for this many heartbeats is taken for dead, and its running tasks run again.
MISSED_BEATS = 3
# Heartbeat rows of workers gone this long are forgotten (their tasks were recovered long before).
FORGET_AFTER = timedelta(days=1)
# Seconds between two looks at an empty queue, and tasks run before the periodic jobs get a turn.
QUEUE_POLL_SECONDS = 1.0
TASKS_PER_TURN = 50
WORKER_ID_LENGTH = 32


def heartbeat_interval() -> timedelta:
    return timedelta(seconds=settings.KYOSO_WORKER_HEARTBEAT_SECONDS)


def runs_database_queue() -> bool:
    """False when tasks run at once where they are queued (the test settings' ImmediateBackend)."""
    return isinstance(task_backends["default"], DatabaseBackend)


def recover_abandoned_tasks(*, now: datetime, dry_run: bool, out: Any) -> None:
    """Put back in the queue the RUNNING tasks of workers that stopped beating (real clock)."""
    moment = timezone.now()
    silent_since = moment - heartbeat_interval() * MISSED_BEATS
    dead = set(WorkerHeartbeat.objects.filter(seen_at__lt=silent_since).values_list("worker_id", flat=True))
    recovered = 0
    if dead:
        running = DBTaskResult.objects.running().filter(started_at__lt=silent_since)
        for result in running.only("id", "task_path", "started_at", "worker_ids"):
            worker_id = result.worker_ids[-1] if result.worker_ids else None
            if worker_id not in dead:
                continue
            if dry_run:
                out.write(f"tasks: would run again {result.task_path} {result.id}")
                continue
            # Conditional: another worker recovering at the same moment changes nothing twice.
            again = DBTaskResult.objects.filter(
                pk=result.pk, status=result.status, started_at=result.started_at
            ).update(status="READY", started_at=None)
            if again:
                recovered += 1
                log_event(
                    task_logger,
                    "task.recovered",
                    level=logging.WARNING,
                    task=result.task_path,
                    id=result.id,
                    worker=worker_id,
                )
    if not dry_run:
        WorkerHeartbeat.objects.filter(seen_at__lt=moment - FORGET_AFTER).delete()
    if recovered:
        out.write(f"tasks: {recovered} task(s) of a stopped worker queued again")


class Heartbeat:
    """Writes ``seen_at`` from a thread of its own, so a long task does not make the worker look dead."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="kyoso-heartbeat", daemon=True)

    def start(self) -> None:
        self._beat()  # before any task is claimed: a claim is never made by an unknown worker
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()
        WorkerHeartbeat.objects.filter(pk=self.worker_id).delete()

    def _beat(self) -> None:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"seen_at": timezone.now()},
            create_defaults={"hostname": socket.gethostname()[:255], "pid": os.getpid()},
        )

    def _run(self) -> None:
        try:
            while not self.stopped.wait(settings.KYOSO_WORKER_HEARTBEAT_SECONDS):
                try:
                    close_old_connections()
                    self._beat()
                except Exception:
                    # The database restarting, say: the next beat tries again.
                    logger.exception("worker: a heartbeat failed")
        finally:
            connection.close()


class KyosoWorker:
    """One ``kyoso worker`` process: periodic jobs when due, and queued tasks in between."""

    def __init__(
        self,
        *,
        out: Any,
        interval: timedelta,
        now: datetime | None,
        dry_run: bool,
        parent: int | None = None,
    ) -> None:
        self.out = out
        # Started by `kyoso serve`: stop when that server is gone, however it ended.
        self.parent = parent
        self.interval = interval
        self.fixed_now = now
        self.dry_run = dry_run
        self.worker_id = get_random_string(WORKER_ID_LENGTH)
        self.stopping = threading.Event()
        self.current: Worker | None = None
        self.last_run: dict[str, datetime] = {}

    def stop(self, *_: Any) -> None:
        """First SIGINT/SIGTERM: finish the task at hand, then stop. A second one ends at once."""
        self.stopping.set()
        if self.current is not None:
            self.current.running = False
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)

    def run(self, *, once: bool) -> None:
        queue = runs_database_queue() and not self.dry_run
        with self._heartbeat(queue):
            log_event(logger, "worker.started", worker=self.worker_id, pid=os.getpid(), queue=queue)
            while not self.stopping.is_set():
                self.run_due_jobs(force=once)
                if queue:
                    self.run_tasks(until_empty=once)
                if once:
                    break
                if self.parent is not None and os.getppid() != self.parent:
                    log_event(logger, "worker.orphaned", worker=self.worker_id, parent=self.parent)
                    break
                # Between turns, like between requests: drop a connection that is too old or broken.
                close_old_connections()
                self.stopping.wait(QUEUE_POLL_SECONDS)
        log_event(logger, "worker.stopped", worker=self.worker_id)

    @contextmanager
    def _heartbeat(self, enabled: bool) -> Iterator[None]:
        if not enabled:
            yield
            return
        heartbeat = Heartbeat(self.worker_id)
        heartbeat.start()
        try:
            yield
        finally:
            heartbeat.stop()

    def run_due_jobs(self, *, force: bool) -> None:
        moment = timezone.now()
        for job in schedule.jobs():
            every = job.every or self.interval
            last = self.last_run.get(job.name)
            if not force and last is not None and moment - last < every:
                continue
            if self.stopping.is_set():
                return
            self.last_run[job.name] = moment
            try:
                job.run(now=self.fixed_now or timezone.now(), dry_run=self.dry_run, out=self.out)
            except Exception as error:
                if force:
                    raise
                # A failed run (the database restarting, say) is tried again when next due.
                log_event(logger, "job.failed", level=logging.ERROR, job=job.name, error=type(error).__name__)
                logger.exception("worker: periodic job %s failed", job.name)

    def run_tasks(self, *, until_empty: bool) -> None:
        """Run ready tasks: up to TASKS_PER_TURN, or all of them for ``--once``."""
        self.current = Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None if until_empty else TASKS_PER_TURN,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )
        if self.stopping.is_set():
            self.current.running = False
        try:
            self.current.run()
        finally:
            self.current = None


def log_failed_task(sender: object, task_result: Any, **kwargs: Any) -> None:
    """``task_finished`` receiver: a task that raised is an operator's business (``event=task.failed``)."""
    if task_result.status != "FAILED":
        return
    error = task_result.errors[-1].exception_class_path if task_result.errors else ""
    log_event(
        task_logger,
        "task.failed",
        level=logging.ERROR,
        task=task_result.task.module_path,
        id=task_result.id,
        attempts=len(task_result.worker_ids),
        error=error,
    )
