"""``kyoso bench history``: its JSON, its scratch database, and its refusal to time wrong pages.

The benchmark runs in a child process on a scratch SQLite file, so these tests need no test database.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kyoso.bench.history import same_page
from kyoso.bench.scratch import check_scratch_database

TINY = ["--messages=3000", "--requests=3", "--depth=300", "--channels=6"]


def _bench(*args: str) -> dict:
    out = StringIO()
    call_command("bench", "history", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_history_benchmark_reports_keyset_and_offset_pages_and_reuses_its_database(tmp_path: Path) -> None:
    database = tmp_path / "history.sqlite3"

    figures = _bench(*TINY, f"--database={database}")

    for method in ("keyset", "offset", "keyset_rows_drawn"):
        assert set(figures[method]) == {"first_page_ms", "deep_page_ms"}
        assert set(figures["cpu"][method]) == {"first_page_ms", "deep_page_ms"}
        for page in figures[method].values():
            assert set(page) == {"p50", "p95"}
            assert 0 < page["p50"] <= page["p95"]
    community = figures["community"]
    assert community["messages"] == 3000
    assert community["reused"] is False
    assert community["database"] == str(database.resolve())
    # Replies are in threads; a few of them were also sent to the channel, and are in its history.
    assert community["replies"] > 0
    assert community["also_in_channel"] > 0
    assert community["busy_channel_history"] < community["busy_channel_messages"]
    assert community["busy_channel_messages"] > community["messages"] // 5  # the busy one carries ~30%
    assert figures["setup"]["depth"] == 300
    targets = figures["targets"]
    assert targets["first_page_p95_ms"] == targets["deep_page_p95_ms"] == 50.0
    assert targets["deep_page_within_target"] == (figures["keyset"]["deep_page_ms"]["p95"] <= 50.0)
    assert any("chat_msg_channel_id" in plan for plan in figures["query_plans"]["keyset_deep_page"])

    again = _bench("--messages=3000", "--requests=1", "--depth=300", f"--database={database}")

    assert again["community"]["reused"] is True
    assert again["setup"]["deep_page_before"] == figures["setup"]["deep_page_before"]


def test_a_temporary_database_is_removed_unless_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    figures = _bench("--messages=1500", "--requests=1", "--depth=50", "--channels=2")

    assert figures["community"]["database"] is None
    assert list(tmp_path.iterdir()) == []


def test_pages_that_differ_stop_the_benchmark() -> None:
    same_page("deep_page_ms", ([1, 2, 3], 1), ([1, 2, 3], 1))

    with pytest.raises(CommandError, match="differ"):
        same_page("deep_page_ms", ([1, 2, 3], 1), ([1, 2, 4], 1))
    with pytest.raises(CommandError, match="differ"):
        same_page("deep_page_ms", ([1, 2, 3], 1), ([1, 2, 3], None))
    with pytest.raises(CommandError, match="empty"):
        same_page("first_page_ms", ([], None), ([], None))


def test_the_benchmark_builds_only_in_the_scratch_file_it_was_started_for() -> None:
    with pytest.raises(CommandError, match="refusing"):
        check_scratch_database("/nonexistent/not-this-database.sqlite3")


def test_the_benchmark_leaves_a_database_it_did_not_build_alone(tmp_path: Path) -> None:
    database = tmp_path / "notes.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE notes (body TEXT)")

    with pytest.raises(CommandError, match="failed"):
        _bench(*TINY, f"--database={database}")

    with sqlite3.connect(database) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert tables == ["notes"]
