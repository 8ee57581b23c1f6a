"""``kyoso serve``: migrate if needed, then run uvicorn."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from kyoso.database import migrate_if_needed

# The largest frame a client may send on the live connection: a hello naming the channels a page holds
# is a few kilobytes; uvicorn's default (16 MiB) would let one socket make the server buffer that much.
WS_MAX_MESSAGE_BYTES = 64 * 1024


class Command(BaseCommand):
    help = "Serve kyoso with uvicorn (HTTP and WebSocket), applying pending migrations first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.KYOSO_HOST)
        parser.add_argument("--port", type=int, default=settings.KYOSO_PORT)
        parser.add_argument("--workers", type=int, default=settings.KYOSO_WORKERS)
        parser.add_argument("--reload", action="store_true", help="Restart on code changes (development).")
        parser.add_argument("--no-migrate", action="store_true", help="Do not apply pending migrations.")

    def handle(self, *args: object, **options: Any) -> None:
        import uvicorn

        if settings.KYOSO_UNKNOWN_SETTINGS:
            names = ", ".join(settings.KYOSO_UNKNOWN_SETTINGS)
            self.stderr.write(self.style.WARNING(f"Unknown settings ignored: {names}"))
        if not options["no_migrate"]:
            migrate_if_needed(self.stdout)
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
            ws_max_size=WS_MAX_MESSAGE_BYTES,
            # A broadcast frame compressed once per socket costs CPU on every socket and keeps a
            # compressor per connection; `kyoso bench fanout --deflate on` measures it.
            ws_per_message_deflate=settings.KYOSO_WS_COMPRESSION,
        )
