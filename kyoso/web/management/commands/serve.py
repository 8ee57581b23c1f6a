"""``kyoso serve``: migrate if needed, then run uvicorn, with a ``kyoso worker`` beside it.

The worker sends the e-mail and runs the scheduled jobs. One server process on a laptop or in a town
hall needs nothing else; a scaled-out site starts its servers with ``--no-worker`` and runs
``kyoso worker`` on its own (several servers may each run one too: workers share the queue safely).
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from kyoso.core.site import adopt_served_address
from kyoso.database import migrate_if_needed

# The largest frame a client may send on the live connection: a hello naming the channels a page holds
# is a few kilobytes; uvicorn's default (16 MiB) would let one socket make the server buffer that much.
WS_MAX_MESSAGE_BYTES = 64 * 1024
# How long the worker may take to finish the task at hand when the server stops.
WORKER_STOP_SECONDS = 60


class Command(BaseCommand):
    help = "Serve kyoso with uvicorn (HTTP and WebSocket), applying pending migrations first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.KYOSO_HOST)
        parser.add_argument("--port", type=int, default=settings.KYOSO_PORT)
        parser.add_argument("--workers", type=int, default=settings.KYOSO_WORKERS)
        parser.add_argument("--reload", action="store_true", help="Restart on code changes (development).")
        parser.add_argument("--no-migrate", action="store_true", help="Do not apply pending migrations.")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start `kyoso worker` beside the server (run it on its own instead).",
        )

    def handle(self, *args: object, **options: Any) -> None:
        import uvicorn

        if settings.KYOSO_UNKNOWN_SETTINGS:
            names = ", ".join(settings.KYOSO_UNKNOWN_SETTINGS)
            self.stderr.write(self.style.WARNING(f"Unknown settings ignored: {names}"))
        if not options["no_migrate"]:
            migrate_if_needed(self.stdout)
        host, port = options["host"], options["port"]
        # Before the worker starts, so that it inherits the address too: in development, links in
        # e-mails follow the port served on (KYOSO_SITE_URL, when set, is left as it is).
        adopt_served_address(host, port)
        worker = None if options["no_worker"] else self.start_worker()
        self.stdout.write(
            self.style.SUCCESS(
                f"kyoso は http://{host}:{port}/ で動いています（Ctrl+C で停止） / "
                f"kyoso is serving on http://{host}:{port}/ (Ctrl+C to stop)"
            )
        )
        try:
            self.serve(uvicorn, host, port, options)
        finally:
            if worker is not None:
                self.stop_worker(worker)

    def start_worker(self) -> subprocess.Popen[bytes]:
        # In a session of its own: Ctrl+C in the terminal reaches the server only, and the server then
        # asks the worker to stop once (SIGTERM), so the worker finishes the task at hand.
        return subprocess.Popen(
            [sys.executable, "-m", "kyoso.cli", "worker", "--parent", str(os.getpid())],
            start_new_session=os.name != "nt",
        )

    def stop_worker(self, worker: subprocess.Popen[bytes]) -> None:
        if worker.poll() is None:
            worker.terminate()
        try:
            worker.wait(timeout=WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()

    def serve(self, uvicorn: Any, host: str, port: int, options: dict[str, Any]) -> None:
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
