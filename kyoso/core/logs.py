"""Operator log lines: one event a line, ``event=<name>`` then ``key=value`` pairs.

    2026-12-04T09:15:02+09:00 INFO kyoso.accounts event=member.approved member=812 actor=3

Values are quoted only when they hold spaces, quotes or ``=``, so ``grep event=mail.failed`` and
``awk`` both work on the file. The format is documented in the README (Logging).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

# Japan has one time zone and no daylight saving: every log line carries +09:00.
JST = timezone(timedelta(hours=9), "JST")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _value(raw: Any) -> str:
    text = "" if raw is None else str(raw)
    if not text or any(c in text for c in ' "=\n\t'):
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        return f'"{escaped}"'
    return text


def format_event(event: str, **fields: Any) -> str:
    return " ".join([f"event={event}", *(f"{key}={_value(value)}" for key, value in fields.items())])


def log_event(logger: logging.Logger, event: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """Write one operator log line, e.g. ``log_event(logger, "member.approved", member=5, actor=1)``."""
    if logger.isEnabledFor(level):
        logger.log(level, format_event(event, **fields))


class JSTFormatter(logging.Formatter):
    """``2026-12-04T09:15:02+09:00 INFO kyoso.accounts event=...``: ISO 8601 time in Japan time."""

    def __init__(self, fmt: str = LOG_FORMAT, **kwargs: Any) -> None:
        super().__init__(fmt, **kwargs)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, JST).isoformat(timespec="seconds")
