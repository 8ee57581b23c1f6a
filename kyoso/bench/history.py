"""Opening a busy channel and paging back through it, by keyset and by OFFSET, on a scratch SQLite file."""

# How it measures (the figures answer "what does a member's request cost?"):
# - The community is built in a child process on a scratch SQLite file (kyoso.bench.scratch), with the
#   bulk paths of `kyoso demo --scale` (kyoso.bench.community). The developer's database is never opened.
# - `keyset` and `offset` time real requests: GET /channels/<busy>/ (first page) and the page `--depth`
#   messages back, through django.test.Client signed in as a member: every middleware, the sidebar, the
#   view and the template. The database connection is closed after each request, as a server with
#   CONN_MAX_AGE=0 (kyoso's setting) does, so each request also pays for connecting.
# - The OFFSET baseline goes through the very same view, middleware and template; only the view's one
#   history read (queries.channel_history) is swapped for its twin that asks for the same page with
#   ORDER BY id DESC LIMIT 51 OFFSET n on the same filter, and stamps it the same way.
# - `queries` times the two reads alone on a warm connection (no HTTP, no template).
# - `keyset_rows_drawn` is the keyset request again with the message-row cache turned off
#   (KYOSO_MESSAGE_ROW_CACHE=0, kyoso.chat.row_cache): every row drawn by the template, as before the
#   cache. Against `keyset` it shows what the cache saves, in the same run.
# - `cpu` gives the same requests in processor time of the benchmark's process (SQLite runs in it too):
#   on a shared machine other work stretches the wall-clock figures, much less these.
# - Before timing, each page is fetched both ways; the ids must match, through the query and on the
#   rendered page, and no thread reply that is not also sent to the channel may appear. Otherwise the
#   benchmark stops with an error: a fast wrong answer is no result.

from __future__ import annotations

import platform
import re
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from kyoso.accounts.models import Member
from kyoso.bench.community import Community, CommunitySpec, build_community, community_counts, find_community
from kyoso.bench.scratch import add_scratch_argument, check_scratch_database, run_in_scratch_database
from kyoso.chat import queries as chat_queries
from kyoso.chat.models import Channel, Message
from kyoso.chat.queries.access import readable_channel
from kyoso.chat.queries.channels import HISTORY_PAGE_SIZE, IN_MAIN_STREAM, HistoryPage, with_stamps
from kyoso.database import migrate_if_needed

DEFAULT_MESSAGES = 1_000_000
DEFAULT_CHANNELS = 20
DEFAULT_REQUESTS = 200
DEFAULT_DEPTH = 10_000
DEFAULT_SEED = 2026
WARMUP_ROUNDS = 3
# The claims this benchmark checks: the first page and a deep page each within 50 ms at p95, and a
# deep page no slower than the first.
FIRST_PAGE_TARGET_MS = 50.0
DEEP_PAGE_TARGET_MS = 50.0
MESSAGE_ID = re.compile(r'\bid="m-(\d+)"')

Page = tuple[list[int], int | None]  # the ids shown, oldest first, and the "older than" cursor
# The keyset requests once more with every message row drawn by the template (no row cache): the
# baseline of the cache, measured in the same run.
ROWS_DRAWN = "keyset_rows_drawn"


def add_arguments(parser: CommandParser) -> None:
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES, help="Messages in the community.")
    parser.add_argument(
        "--channels", type=int, default=DEFAULT_CHANNELS, help="Channels (the busy one included)."
    )
    parser.add_argument("--requests", type=int, default=DEFAULT_REQUESTS, help="Timed samples per figure.")
    parser.add_argument(
        "--depth", type=int, default=DEFAULT_DEPTH, help="How many messages back the deep page is."
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="Random seed (same seed, same community)."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database and print its path.")
    parser.add_argument(
        "--database",
        metavar="PATH",
        help="SQLite file to build into, or to reuse if this benchmark built it.",
    )
    add_scratch_argument(parser)


def run(options: dict[str, Any], progress: Callable[[str], None]) -> dict[str, Any]:
    if options.get("scratch_database"):
        return _measure(options, progress)
    for name, least in (("messages", 1), ("channels", 2), ("requests", 1), ("depth", 1)):
        if options[name] < least:
            raise CommandError(f"--{name} must be at least {least}.")
    argv = [f"--{name}={options[name]}" for name in ("messages", "channels", "requests", "depth", "seed")]
    figures, kept = run_in_scratch_database(
        "history", argv, database=options.get("database"), keep=options["keep"], progress=progress
    )
    figures["community"]["database"] = str(kept) if kept else None
    return figures


def _measure(options: dict[str, Any], progress: Callable[[str], None]) -> dict[str, Any]:
    """In the child process: build (or reuse) the community, check the pages agree, then time them."""
    check_scratch_database(options["scratch_database"])
    spec = CommunitySpec(messages=options["messages"], channels=options["channels"], seed=options["seed"])
    started = time.perf_counter()
    community, reused = _prepare(spec, progress)
    build_seconds = time.perf_counter() - started
    counts = community_counts(community)
    if counts["messages"] != spec.messages:
        raise CommandError(
            f"the database holds a community of {counts['messages']:,} messages, not {spec.messages:,}: "
            "pass the same --messages, or another --database."
        )
    depth, requests = options["depth"], options["requests"]
    if counts["busy_channel_history"] < depth + HISTORY_PAGE_SIZE:
        raise CommandError(
            f"the busy channel shows {counts['busy_channel_history']:,} messages, too few for a page "
            f"{depth:,} deep: lower --depth or raise --messages."
        )
    member, channel = community.reader, community.busy
    cursor = _cursor_at(channel, depth)
    progress(f"checking that keyset and OFFSET pages agree (depth {depth:,}, before={cursor})")
    expected = _check_queries(member, channel, cursor, depth)
    plans = _query_plans(member, channel, cursor, depth)
    progress(f"timing {requests} queries of each kind")
    query_figures = _time_queries(member, channel, cursor, depth, requests)
    progress(f"timing {requests} requests of each kind")
    request_figures = _time_requests(member, channel, cursor, depth, requests, expected)
    keyset = request_figures["keyset"]
    return {
        **request_figures,
        "queries": query_figures,
        "targets": {
            "first_page_p95_ms": FIRST_PAGE_TARGET_MS,
            "first_page_within_target": keyset["first_page_ms"]["p95"] <= FIRST_PAGE_TARGET_MS,
            "deep_page_no_slower_than_first": keyset["deep_page_ms"]["p95"] <= keyset["first_page_ms"]["p95"],
            "deep_page_p95_ms": DEEP_PAGE_TARGET_MS,
            "deep_page_within_target": keyset["deep_page_ms"]["p95"] <= DEEP_PAGE_TARGET_MS,
        },
        "community": {**counts, "build_seconds": round(build_seconds, 1), "reused": reused},
        "setup": {
            "requests": requests,
            "depth": depth,
            "page_size": HISTORY_PAGE_SIZE,
            "seed": spec.seed,
            "deep_page_before": cursor,
            "database": "sqlite " + sqlite3.sqlite_version,
            "python": platform.python_version(),
        },
        "query_plans": plans,
    }


def _prepare(spec: CommunitySpec, progress: Callable[[str], None]) -> tuple[Community, bool]:
    """The community this benchmark built before in this file, or a new one in an empty file."""
    tables = connection.introspection.table_names()
    if tables and Channel._meta.db_table not in tables:
        raise CommandError("that database is not kyoso's: give a new file or one this benchmark built.")
    migrate_if_needed(sys.stderr)
    community = find_community()
    if community is not None:
        progress("reusing the community already in the database")
        return community, True
    if Member.objects.exists() or Message.objects.exists():
        raise CommandError("that database holds other data: give a new file or one this benchmark built.")
    progress(
        f"building a community of {spec.messages:,} messages in {spec.channels} channels (seed {spec.seed})"
    )
    return build_community(spec, progress), False


def _main_stream(channel: Channel) -> Any:
    return Message.objects.filter(channel=channel).filter(IN_MAIN_STREAM).order_by("-id")


def _cursor_at(channel: Channel, depth: int) -> int:
    """The ``before`` that opens the page ``depth`` messages back: the id of the depth-th newest."""
    return _main_stream(channel).values_list("id", flat=True)[depth - 1]


def offset_history(
    member: Member, channel: Channel, *, offset: int, limit: int = HISTORY_PAGE_SIZE
) -> HistoryPage:
    """The baseline: the same page of the channel's main stream, asked for by OFFSET."""
    channel = readable_channel(member, channel)
    rows = list(
        _main_stream(channel).select_related("author", "author__organization")[offset : offset + limit + 1]
    )
    has_older = len(rows) > limit
    rows = rows[:limit]
    rows.reverse()
    return HistoryPage(
        messages=with_stamps(member, rows),
        older_than=rows[0].pk if has_older and rows else None,
        newer_than=rows[-1].pk if offset > 0 and rows else None,
    )


def page_of(history: HistoryPage) -> Page:
    return [view.message.pk for view in history.messages], history.older_than


def same_page(what: str, keyset: Page, offset: Page) -> None:
    """Stop the benchmark if the two methods disagree: a fast wrong page is no result."""
    if keyset != offset:
        raise CommandError(f"{what}: keyset and OFFSET pages differ.\nkeyset: {keyset}\noffset: {offset}")
    if not keyset[0]:
        raise CommandError(f"{what}: the page is empty.")


def _check_queries(member: Member, channel: Channel, cursor: int, depth: int) -> dict[str, list[int]]:
    """Fetch both pages both ways; return the ids each page must show."""
    expected = {}
    for name, before, offset in (("first_page_ms", None, 0), ("deep_page_ms", cursor, depth)):
        keyset = chat_queries.channel_history(member, channel, before=before)
        same_page(name, page_of(keyset), page_of(offset_history(member, channel, offset=offset)))
        hidden = [
            v.message.pk
            for v in keyset.messages
            if v.message.thread_root_id and not v.message.also_in_channel
        ]
        if hidden:
            raise CommandError(f"{name}: thread replies not sent to the channel are on the page: {hidden}")
        expected[name] = page_of(keyset)[0]
    return expected


def _query_plans(member: Member, channel: Channel, cursor: int, depth: int) -> dict[str, list[str]]:
    """SQLite's plan for each query of the deep page's read, both ways (for the record)."""
    plans = {}
    for name, read in (
        ("keyset_deep_page", lambda: chat_queries.channel_history(member, channel, before=cursor)),
        ("offset_deep_page", lambda: offset_history(member, channel, offset=depth)),
    ):
        with CaptureQueriesContext(connection) as captured:
            read()
        lines = []
        with connection.cursor() as db:
            for query in captured.captured_queries:
                db.execute("EXPLAIN QUERY PLAN " + query["sql"])
                lines.append("; ".join(row[-1] for row in db.fetchall()))
        plans[name] = lines
    return plans


@contextmanager
def _history_by_offset(offsets: dict[int | None, int]) -> Iterator[list[int]]:
    """While open, the views' history read asks for the same page by OFFSET; yields the calls made."""
    calls: list[int] = []

    def by_offset(
        member: Member,
        channel: Channel,
        *,
        before: int | None = None,
        after: int | None = None,
        around: int | None = None,
        limit: int = HISTORY_PAGE_SIZE,
    ) -> HistoryPage:
        if after is not None or around is not None or before not in offsets:
            raise CommandError(
                f"the OFFSET baseline has no page for before={before} after={after} around={around}"
            )
        calls.append(offsets[before])
        return offset_history(member, channel, offset=offsets[before], limit=limit)

    with mock.patch.object(chat_queries, "channel_history", by_offset):
        yield calls


def _summary(samples: list[float]) -> dict[str, float]:
    if len(samples) == 1:
        return {"p50": round(samples[0], 2), "p95": round(samples[0], 2)}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": round(cuts[49], 2), "p95": round(cuts[94], 2)}


def _time_queries(member: Member, channel: Channel, cursor: int, depth: int, requests: int) -> dict[str, Any]:
    reads: dict[tuple[str, str], Callable[[], object]] = {
        ("keyset", "first_page_ms"): lambda: chat_queries.channel_history(member, channel),
        ("keyset", "deep_page_ms"): lambda: chat_queries.channel_history(member, channel, before=cursor),
        ("offset", "first_page_ms"): lambda: offset_history(member, channel, offset=0),
        ("offset", "deep_page_ms"): lambda: offset_history(member, channel, offset=depth),
    }
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in reads}
    for round_number in range(WARMUP_ROUNDS + requests):
        for key, read in _rotated(list(reads.items()), round_number):
            started = time.perf_counter()
            read()
            elapsed = (time.perf_counter() - started) * 1000
            if round_number >= WARMUP_ROUNDS:
                samples[key].append(elapsed)
    return _shape(samples)


def _time_requests(
    member: Member, channel: Channel, cursor: int, depth: int, requests: int, expected: dict[str, list[int]]
) -> dict[str, Any]:
    url = reverse("chat:channel", args=[channel.slug])
    paths = {"first_page_ms": url, "deep_page_ms": f"{url}?before={cursor}"}
    offsets = {None: 0, cursor: depth}
    kinds = [(method, page) for method in ("keyset", "offset", ROWS_DRAWN) for page in paths]
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in kinds}
    cpu: dict[tuple[str, str], list[float]] = {key: [] for key in kinds}
    row_cache_size = settings.KYOSO_MESSAGE_ROW_CACHE
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        client = Client()
        client.force_login(member)
        for round_number in range(1 + WARMUP_ROUNDS + requests):
            for method, page in _rotated(kinds, round_number):
                with (
                    _history_by_offset(offsets) if method == "offset" else _no_patch() as calls,
                    override_settings(KYOSO_MESSAGE_ROW_CACHE=0 if method == ROWS_DRAWN else row_cache_size),
                ):
                    started, started_cpu = time.perf_counter(), time.process_time()
                    response = client.get(paths[page])
                    connection.close()  # CONN_MAX_AGE=0: a server connects anew for every request
                    elapsed = (time.perf_counter() - started) * 1000
                    elapsed_cpu = (time.process_time() - started_cpu) * 1000
                if response.status_code != 200:
                    raise CommandError(f"{method} {page}: GET {paths[page]} answered {response.status_code}")
                if calls is not None and not calls:
                    raise CommandError(
                        "the channel page no longer reads its history through queries.channel_history"
                    )
                if round_number == 0:  # the first round checks what each page shows
                    shown = [int(i) for i in MESSAGE_ID.findall(response.content.decode())]
                    if shown != expected[page]:
                        raise CommandError(
                            f"{method} {page}: the page shows {shown}, expected {expected[page]}"
                        )
                elif round_number > WARMUP_ROUNDS:
                    samples[(method, page)].append(elapsed)
                    cpu[(method, page)].append(elapsed_cpu)
    return {**_shape(samples), "cpu": _shape(cpu)}


@contextmanager
def _no_patch() -> Iterator[None]:
    yield None


def _rotated(items: list[Any], round_number: int) -> list[Any]:
    """Each round starts with the next kind, so no kind always runs first (or after the same one)."""
    shift = round_number % len(items)
    return items[shift:] + items[:shift]


def _shape(samples: dict[tuple[str, str], list[float]]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for (method, page), values in samples.items():
        figures.setdefault(method, {})[page] = _summary(values)
    return figures
