"""The burst of ``kyoso bench notify``: mentions mailed as missed by a real worker killed halfway.

Real posts with mentions (``post_message``) make the notifications. A real ``kyoso worker``
subprocess mails them (kyoso.notify.missed_mail, then ``deliver_mail`` per mail) through a real SMTP
server (aiosmtpd, in this process); when half of the mails have arrived it is killed with SIGKILL and
a second worker is started. Each received mail is traced by its Message-ID to its ``Mail`` row and
the notifications in it: a notification whose recipient never received it is lost, one received
twice is duplicated.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kyoso.accounts.models import Member, MemberStatus
from kyoso.chat.actions import post_message
from kyoso.chat.mentions import member_token
from kyoso.chat.models import Channel
from kyoso.config import BASE_DIR
from kyoso.core.tests.smtp import free_port, smtp_server
from kyoso.notify.models import Notification

MENTIONS_PER_POST = 10
# The worker's settings: mail at once (no grace period), beats and claims short enough that a killed
# worker's tasks and mails come back within seconds, not minutes.
WORKER_ENV = {
    "KYOSO_NOTIFY_EMAIL_GRACE_MINUTES": "0",
    "KYOSO_WORKER_HEARTBEAT_SECONDS": "1",
    "KYOSO_MAIL_TIMEOUT_SECONDS": "2",
    "KYOSO_MAIL_RETRY_SECONDS": "1",
    "KYOSO_DEFAULT_FROM_EMAIL": "bench@kyoso.example.jp",
}
# Give up when no mail has arrived for this long after the restart (a claim lapses in 20 s).
STALL_SECONDS = 60.0
MESSAGE_ID = re.compile(r"<kyoso-mail-(\d+)-\d+@kyoso>")


@dataclass
class Sink:
    """An SMTP handler that keeps (Message-ID, recipients, arrival) of every mail it accepts."""

    received: list[tuple[str, tuple[str, ...], float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        content = envelope.original_content or b""
        found = re.search(rb"^Message-ID:\s*(\S+)", content, re.IGNORECASE | re.MULTILINE)
        message_id = found.group(1).decode("ascii", "replace") if found else ""
        with self.lock:
            self.received.append((message_id, tuple(envelope.rcpt_tos), time.perf_counter()))
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.received)


def post_mentions(author: Member, channel: Channel, recipients: list[Member]) -> list[int]:
    """Posts that mention each recipient once; returns the posts' ids."""
    ids = []
    for start in range(0, len(recipients), MENTIONS_PER_POST):
        group = recipients[start : start + MENTIONS_PER_POST]
        names = " ".join(member_token(m.pk, m.display_name) for m in group)
        message = post_message(
            author=author, channel=channel, text=f"{names} 来週の研修資料を確認してください。"
        )
        ids.append(message.pk)
    return ids


def _start_worker(port: int, log: Any) -> subprocess.Popen[bytes]:
    env = {**os.environ, **WORKER_ENV, "KYOSO_EMAIL_URL": f"smtp://127.0.0.1:{port}"}
    return subprocess.Popen(
        [sys.executable, "-m", "kyoso", "worker", "--interval=60"],
        env=env,
        cwd=BASE_DIR,
        stdout=log,
        stderr=log,
    )


def _wait(sink: Sink, until: Callable[[int], bool], stall: float) -> None:
    last, last_change = sink.count(), time.perf_counter()
    while not until(sink.count()):
        time.sleep(0.05)
        now_count = sink.count()
        if now_count != last:
            last, last_change = now_count, time.perf_counter()
        elif time.perf_counter() - last_change > stall:
            return


def run_burst(
    *, size: int, author: Member, channel: Channel, progress: Callable[[str], None]
) -> dict[str, Any]:
    recipients = list(
        Member.objects.filter(status=MemberStatus.ACTIVE).exclude(pk=author.pk).order_by("pk")[:size]
    )
    progress(f"burst: posting {len(recipients):,} mentions in {channel.name}")
    started = time.perf_counter()
    message_ids = post_mentions(author, channel, recipients)
    post_seconds = time.perf_counter() - started
    expected = dict(
        Notification.objects.filter(message_id__in=message_ids).values_list("pk", "recipient__email")
    )
    sink = Sink()
    log_path = os.path.join(os.environ.get("KYOSO_VAR_DIR", "."), "bench-worker.log")
    with smtp_server(sink, free_port()) as port, open(log_path, "ab") as log:
        started = time.perf_counter()
        first = _start_worker(port, log)
        half = len(expected) // 2
        _wait(sink, lambda n: n >= half or first.poll() is not None, STALL_SECONDS)
        killed_at = sink.count()
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        restarted = time.perf_counter()
        progress(f"burst: worker killed (SIGKILL) after {killed_at:,} of {len(expected):,} mails; restarting")
        second = _start_worker(port, log)
        _wait(sink, lambda n: n >= len(expected), STALL_SECONDS)
        # A little longer: a duplicate sent by the recovery would arrive now.
        time.sleep(3)
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=30)
        except subprocess.TimeoutExpired:
            second.kill()
            second.wait()
    received = list(sink.received)
    figures = _tally(expected, received, started)
    arrivals = sorted(at for _id, _rcpts, at in received)
    if arrivals:
        # Where the time goes: the job's claim pass before the first mail, the crash, the rest.
        figures["first_mail_s"] = round(arrivals[0] - started, 2)
        figures["kill_s"] = round(restarted - started, 2)
        later = [at for at in arrivals if at > restarted]
        figures["restart_to_next_mail_s"] = round(later[0] - restarted, 2) if later else None
    return {
        **figures,
        "posts": len(message_ids),
        "post_s": round(post_seconds, 2),
        "killed_after_mails": killed_at,
    }


def _tally(
    expected: dict[int, str], received: list[tuple[str, tuple[str, ...], float]], started: float
) -> dict[str, Any]:
    """Lost and duplicated, per notification and recipient (the idempotency key of a missed mail)."""
    mail_ids: dict[int, list[tuple[str, ...]]] = {}
    for message_id, rcpts, _at in received:
        found = MESSAGE_ID.fullmatch(message_id)
        if found:
            mail_ids.setdefault(int(found.group(1)), []).append(rcpts)
    in_mail = dict(Notification.objects.filter(pk__in=list(expected)).values_list("pk", "mail_id"))
    deliveries: Counter[int] = Counter()
    for pk, email in expected.items():
        for rcpts in mail_ids.get(in_mail.get(pk) or 0, []):
            if email in rcpts:
                deliveries[pk] += 1
    lost = sum(1 for pk in expected if deliveries[pk] == 0)
    duplicated = sum(n - 1 for n in deliveries.values() if n > 1)
    burst_mails = set(in_mail.values())
    ours = [
        at
        for message_id, _rcpts, at in received
        if (found := MESSAGE_ID.fullmatch(message_id)) and int(found.group(1)) in burst_mails
    ]
    elapsed = (max(ours) - started) if ours else 0.0
    return {
        "notifications": len(expected),
        "mails_expected": len({in_mail.get(pk) for pk in expected} - {None}) if expected else 0,
        "mails_received": len(ours),
        "other_mails_received": len(received) - len(ours),
        "mails_per_s": round(len(ours) / elapsed, 1) if elapsed else 0.0,
        "burst_s": round(elapsed, 2),
        "lost": lost,
        "duplicated": duplicated,
    }
