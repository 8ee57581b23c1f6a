"""``kyoso serve``: migrate if needed, then run uvicorn."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def pending_migrations() -> int:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


class Command(BaseCommand):
    help = "Serve kyoso with uvicorn (HTTP and WebSocket), applying pending migrations first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.KYOSO_HOST)
        parser.add_argument("--port", type=int, default=settings.KYOSO_PORT)
        parser.add_argument("--workers", type=int, default=settings.KYOSO_WORKERS)
        parser.add_argument("--reload", action="store_true", help="Restart on code changes (development).")
        parser.add_argument("--no-migrate", action="store_true", help="Do not apply pending migrations.")

    def handle(self, *args: object, **options: object) -> None:
        import uvicorn

        if settings.KYOSO_UNKNOWN_SETTINGS:
            names = ", ".join(settings.KYOSO_UNKNOWN_SETTINGS)
            self.stderr.write(self.style.WARNING(f"Unknown settings ignored: {names}"))
        if not options["no_migrate"] and pending_migrations():
            self.stdout.write("Applying database migrations…")
            call_command("migrate", interactive=False, verbosity=0)
        host, port = options["host"], options["port"]
        self.stdout.write(self.style.SUCCESS(f"kyoso is serving on http://{host}:{port}/ (Ctrl+C to stop)"))
        uvicorn.run(
            "kyoso.asgi:application",
            host=host,
            port=port,
            workers=options["workers"] if not options["reload"] else None,
            reload=bool(options["reload"]),
            lifespan="off",
            proxy_headers=settings.PRODUCTION,
            log_level="info",
        )
