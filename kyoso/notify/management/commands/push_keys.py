"""``kyoso push_keys``: make a VAPID key pair for Web Push, here and offline, and print the settings."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kyoso.notify import vapid


class Command(BaseCommand):
    help = (
        "Make a VAPID key pair for Web Push (nothing is asked of any service) and print the settings "
        "that turn push on. Keep the private key secret; a new pair stops every browser's subscription."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file",
            help="write the private key to this PEM file (mode 0600) instead of printing it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        pair = vapid.generate()
        self.stdout.write(f"KYOSO_VAPID_PUBLIC_KEY={pair.public}")
        target = options.get("file")
        if not target:
            self.stdout.write(f"KYOSO_VAPID_PRIVATE_KEY={pair.private}")
            return
        path = Path(target)
        if path.exists():
            raise CommandError(f"{path} exists already: choose another file (an old key would be lost).")
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as error:
            raise CommandError(f"cannot write {path}: {error.strerror}") from None
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pair.pem)
        with contextlib.suppress(OSError):
            path.chmod(0o600)
        self.stdout.write(f"KYOSO_VAPID_PRIVATE_KEY_FILE={path.resolve()}")
