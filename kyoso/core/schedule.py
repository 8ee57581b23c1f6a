"""Periodic jobs that ``kyoso worker`` runs beside the task queue.

Apps register theirs in ``AppConfig.ready``::

    schedule.register("accounts.daily", run_daily_jobs)          # every pass (--interval)
    schedule.register("mail.sweep", sweep, every=timedelta(minutes=1))

A job is called as ``job(now=..., dry_run=..., out=...)`` and writes what it did to ``out``. Jobs
must be idempotent and safe in several workers at once: every worker runs every job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


class Output(Protocol):
    def write(self, msg: str = "", style_func: object = None, ending: str | None = None) -> None: ...


class Job(Protocol):
    def __call__(self, *, now: datetime, dry_run: bool, out: Output) -> None: ...


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    run: Job
    # None: once per pass of the worker (its --interval).
    every: timedelta | None = None


_jobs: dict[str, PeriodicJob] = {}


def register(name: str, run: Job | Callable[..., None], *, every: timedelta | None = None) -> None:
    """Add (or replace, so a reloaded app does not run its job twice) a periodic job."""
    _jobs[name] = PeriodicJob(name=name, run=run, every=every)


def jobs() -> list[PeriodicJob]:
    return list(_jobs.values())
