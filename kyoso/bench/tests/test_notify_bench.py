"""``kyoso bench notify`` at a tiny size: digests both ways agree, and no mention mail is lost or doubled
across a worker killed with SIGKILL and restarted.

The benchmark runs in a child process on a scratch SQLite file, with a real ``kyoso worker`` and a real
SMTP server (aiosmtpd), so these tests need no test database.
"""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command


def test_notify_benchmark_builds_digests_both_ways_and_mails_a_burst_across_a_worker_crash() -> None:
    out = StringIO()
    call_command(
        "bench",
        "notify",
        "--json",
        "--members=50",
        "--messages=500",
        "--burst=50",
        "--channels=4",
        stdout=out,
    )
    figures = json.loads(out.getvalue())

    for key in ("digests_total_s", "naive_digests_total_s", "mails_per_s", "lost", "duplicated", "targets"):
        assert key in figures
    assert figures["lost"] == 0
    assert figures["duplicated"] == 0
    targets = figures["targets"]
    assert targets["lost"] == 0 and targets["duplicated"] == 0
    assert isinstance(targets["digests_under_60s"], bool) and isinstance(targets["speedup_at_least_5x"], bool)
    digests = figures["digests"]
    # Set-based and naive were compared member by member (a difference fails the run).
    assert digests["compared_members"] == digests["recipients_away"] > 0
    assert digests["digests_with_content"] == digests["digests_queued"] > 0
    assert digests["visited_skipped"] > 0
    burst = figures["burst"]
    assert burst["notifications"] == 49  # every member but the author, mentioned once
    assert burst["mails_received"] == burst["mails_expected"] == 49
    assert 0 < burst["killed_after_mails"] < 49
    assert figures["mails_per_s"] > 0
