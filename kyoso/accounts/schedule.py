"""The membership jobs ``kyoso worker`` runs on every pass (registered in ``AccountsConfig.ready``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kyoso.accounts.actions import lifecycle
from kyoso.accounts.management.commands._clock import write_outcomes


def run_daily_jobs(*, now: datetime, dry_run: bool, out: Any) -> None:
    """Reconfirmation, inactivity and ambassador terms: whatever is due at ``now``."""
    for job, outcomes in lifecycle.run_daily_jobs(now=now, dry_run=dry_run).items():
        write_outcomes(out, job, outcomes, dry_run=dry_run)
