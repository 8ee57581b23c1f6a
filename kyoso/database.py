"""Preparing the database for kyoso's own commands, so none of them meets a missing table."""

from __future__ import annotations

from typing import TextIO

from django.core.management import call_command
from django.core.management.base import OutputWrapper
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def pending_migrations() -> int:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def migrate_if_needed(stdout: TextIO | OutputWrapper) -> bool:
    """Apply pending migrations; say so only when there were some. Returns whether it migrated."""
    if not pending_migrations():
        return False
    stdout.write("データベースを更新しています… / Applying database migrations…\n")
    call_command("migrate", interactive=False, verbosity=0)
    return True
