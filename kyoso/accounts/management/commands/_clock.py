"""Shared by ``kyoso accounts`` and the daily jobs ``kyoso worker`` runs: --now and printing outcomes."""

from __future__ import annotations

from django.core.management.base import OutputWrapper

from kyoso.accounts.actions.lifecycle import Outcome
from kyoso.core.clock import add_clock_arguments, parse_now

__all__ = ["add_clock_arguments", "parse_now", "write_outcomes"]


def write_outcomes(stdout: OutputWrapper, job: str, outcomes: list[Outcome], *, dry_run: bool) -> None:
    prefix = "would " if dry_run else ""
    for outcome in outcomes:
        stdout.write(f"{job}\t{prefix}{outcome}")
    stdout.write(f"{job}: {len(outcomes)} member(s){' (dry run: nothing changed)' if dry_run else ''}")
