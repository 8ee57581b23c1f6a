"""The demo operator's password: made at random for each demo, never written in the code or the README.

The demo operator can open Django admin and decide applications, so a published password would open
any demo left reachable on a network. ``kyoso demo`` makes one when it builds the demo (or when asked
with ``--reset-operator-password``), stores it hashed like any password, and prints it. A copy stays
in ``var/demo_operator_password``, readable by its owner only (like ``var/secret_key``), so that the
Quick start can print it again on the next start; it is only ever printed while it still works.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from django.conf import settings

PASSWORD_FILE_NAME = "demo_operator_password"  # noqa: S105 - a file name, not a secret
# Letters and digits that cannot be mistaken for each other when typed from a terminal (no 0/o, 1/l/i).
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
GROUPS, GROUP_LENGTH = 4, 4  # 16 characters of 31: about 79 bits


def generate_password() -> str:
    """A random password such as ``k7mq-x2rd-9fhw-tn4e``."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))


def password_file() -> Path:
    return Path(settings.VAR_DIR) / PASSWORD_FILE_NAME


def remember_password(password: str) -> Path:
    """Keep the password under var/, readable and writable by its owner only."""
    path = password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created with mode 0600 from the start, so it is never readable by others, even for a moment.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    # Windows file systems ignore POSIX modes; an existing file made by hand gets 0600 here.
    with contextlib.suppress(OSError):
        path.chmod(0o600)
    return path


def remembered_password() -> str | None:
    path = password_file()
    if not path.is_file():
        return None
    return path.read_text(encoding="utf-8").strip() or None


def forget_password() -> None:
    with contextlib.suppress(FileNotFoundError):
        password_file().unlink()
