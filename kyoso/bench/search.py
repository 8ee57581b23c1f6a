"""Japanese search: kyoso's index against LIKE and FTS5 trigram (SQLite), or pg_trgm (PostgreSQL)."""

# How it measures:
# - The community is built in a child process on a scratch database: a SQLite file (kyoso.bench.scratch),
#   or, when KYOSO_DATABASE_URL is PostgreSQL, a scratch database on that server named
#   <database>_bench_search, dropped afterwards unless --keep. The developer's data is never touched.
# - Messages and queries come from kyoso.bench.search_corpus; ground truth is an exact substring scan.
# - Every approach builds its index from the same messages (build_s), then answers each query: all
#   matches (for recall), the 20 newest (top20_ms), how many (count_ms), and the 20 newest in one
#   channel or from one prefecture's members (filtered_top20_ms), alternating. kyoso answers all
#   queries; the baselines, which scan, answer a stratified subset (--baseline-queries).
# - post_overhead_ms is the time the index step takes inside real post_message calls.
# - On PostgreSQL the tables are ANALYZEd after the build, as autovacuum would have done by then.

from __future__ import annotations

import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

from django.core.management.base import CommandError, CommandParser
from django.db import connection

from kyoso.bench import search_corpus as corpus_module
from kyoso.bench.scratch import SCRATCH_OPTION, add_scratch_argument, run_in_scratch_database
from kyoso.bench.search_engines import ALL, create_text_table, engines_for, timed
from kyoso.config import BASE_DIR
from kyoso.database import migrate_if_needed

DEFAULT_MESSAGES = 100_000
DEFAULT_PER_CLASS = 60
DEFAULT_BASELINE_QUERIES = 100
DEFAULT_SEED = 2026
POSTS = 200
WARMUP_QUERIES = 10
TARGETS_SQLITE = {"top20_p95_ms": 5.0, "top20_max_ms": 50.0, "count_p95_ms": 20.0, "filtered_p95_ms": 20.0,
                  "index_to_text": 2.0, "build_s": 180.0, "post_overhead_p50_ms": 2.0}  # fmt: skip
TARGETS_POSTGRESQL = {"top20_p95_ms": 20.0}


def add_arguments(parser: CommandParser) -> None:
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES, help="Messages in the community.")
    parser.add_argument("--per-class", type=int, default=DEFAULT_PER_CLASS, help="Sampled queries per class.")
    parser.add_argument(
        "--corpus", metavar="FILE.jsonl", help='Your messages: one {"id", "channel", "text"} a line.'
    )
    parser.add_argument("--queries", metavar="FILE.json", help="Your queries: a JSON list of strings.")
    parser.add_argument(
        "--baseline-queries", type=int, default=DEFAULT_BASELINE_QUERIES, help="Queries the baselines answer."
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed (same seed, same run).")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    add_scratch_argument(parser)


def _child_argv(options: dict[str, Any]) -> list[str]:
    argv = ["--messages", str(options["messages"]), "--per-class", str(options["per_class"])]
    argv += ["--baseline-queries", str(options["baseline_queries"]), "--seed", str(options["seed"])]
    for name in ("corpus", "queries"):
        if options.get(name):
            argv += [f"--{name}", os.path.abspath(options[name])]
    return argv


def run(options: dict[str, Any], progress: Callable[[str], None]) -> dict[str, Any]:
    if options.get("scratch_database"):
        return _measure(options, progress)
    if connection.vendor == "postgresql":
        return _run_in_postgres_scratch(options, progress)
    figures, _kept = run_in_scratch_database(
        "search", _child_argv(options), database=None, keep=options["keep"], progress=progress
    )
    return figures


def _run_in_postgres_scratch(options: dict[str, Any], progress: Callable[[str], None]) -> dict[str, Any]:
    settings = connection.settings_dict
    scratch = f"{settings['NAME']}_bench_search"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        cursor.execute(f'CREATE DATABASE "{scratch}"')
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or 5432
    url = f"postgres://{user}{password}@{host}:{port}/{scratch}"
    env = {**os.environ, "KYOSO_DATABASE_URL": url, "KYOSO_DEBUG": "false", "KYOSO_REDIS_URL": ""}
    command = [
        sys.executable,
        "-m",
        "kyoso",
        "bench",
        "search",
        SCRATCH_OPTION,
        scratch,
        *_child_argv(options),
    ]
    try:
        result = subprocess.run(command, env=env, cwd=BASE_DIR, stdout=subprocess.PIPE, check=False)
        if result.returncode != 0:
            raise CommandError(f"the search benchmark failed (exit status {result.returncode}); see above.")
        return json.loads(result.stdout)
    finally:
        connection.close()
        if not options["keep"]:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        else:
            progress(f"database kept: {scratch}")


def _spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0, "max": 0.0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 3), "p95": round(p95, 3), "max": round(ordered[-1], 3)}


def _measure(options: dict[str, Any], progress: Callable[[str], None]) -> dict[str, Any]:
    name = connection.settings_dict.get("NAME")
    if str(name) != str(options["scratch_database"]) or "bench" not in str(name):
        raise CommandError(f"refusing to build a benchmark community in {name!r}")
    migrate_if_needed(sys.stderr)
    seed = options["seed"]
    progress(f"search bench on {connection.vendor}: making the corpus…")
    corpus = corpus_module.make_corpus(options["messages"], seed, options.get("corpus"))
    progress(f"writing {len(corpus.messages):,} messages ({corpus.source})…")
    community = corpus_module.build_community(corpus, seed, progress)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have by now: the planner knows the tables
    texts = [m.text for m in corpus.messages]
    create_text_table(
        (i, c, community.prefecture_of_member[a], t)
        for i, c, a, t in zip(
            community.message_ids, community.channel_of, community.author_of, texts, strict=True
        )
    )
    queries = (
        corpus_module.read_queries(options["queries"])
        if options.get("queries")
        else corpus_module.sample_queries(corpus, options["per_class"], seed)
    )
    progress(f"ground truth for {len(queries)} queries…")
    truth = corpus_module.GroundTruth(community.message_ids, texts)
    expected = [truth.matches(q.text) for q in queries]
    rng = random.Random(f"kyoso-bench-search-filters/{seed}")
    filters = []
    for i in range(len(queries)):
        at = rng.randrange(len(community.message_ids))
        filters.append(
            ("channel", community.channel_of[at])
            if i % 2 == 0
            else ("pref", community.prefecture_of_member[community.author_of[at]])
        )
    subset = _stratified(queries, options["baseline_queries"], seed)
    results: dict[str, Any] = {}
    for engine in engines_for(connection.vendor):
        progress(f"{engine.name}: building…")
        _nothing, build_ms = timed(engine.build)
        chosen = range(len(queries)) if engine.name == "kyoso" else subset
        progress(f"{engine.name}: {len(chosen)} queries…")
        figures = _answer(engine, queries, expected, filters, chosen)
        figures.update(
            index_bytes=engine.index_bytes(), text_bytes=corpus.text_bytes, build_s=round(build_ms / 1000, 2)
        )
        results[engine.name] = figures
    progress("kyoso: posting messages to time the index step…")
    results["kyoso"]["post_overhead_ms"] = _post_overhead(community, corpus, seed)
    kyoso = results.pop("kyoso")
    return {
        "database": connection.vendor,
        "engine_version": _engine_version(),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "messages": len(corpus.messages),
        "corpus": corpus.source,
        "queries": {kind: sum(q.kind == kind for q in queries) for kind in corpus_module.CLASSES},
        "kyoso": kyoso,
        "baselines": results,
        "targets": _targets(kyoso),
    }


def _stratified(queries: list[corpus_module.Query], size: int, seed: int) -> list[int]:
    rng = random.Random(f"kyoso-bench-search-subset/{seed}")
    by_kind: dict[str, list[int]] = {}
    for index, query in enumerate(queries):
        by_kind.setdefault(query.kind, []).append(index)
    share = max(1, size // max(1, len(by_kind)))
    chosen = [i for indexes in by_kind.values() for i in rng.sample(indexes, min(share, len(indexes)))]
    return sorted(chosen)


def _answer(
    engine: Any,
    queries: list[corpus_module.Query],
    expected: list[set[int]],
    filters: list[tuple[str, int]],
    chosen: Any,
) -> dict[str, Any]:
    for index in list(chosen)[:WARMUP_QUERIES]:
        engine.newest(queries[index].text, None, 20)
    recall: dict[str, list[float]] = {}
    top, count, filtered = [], [], []
    wrong_counts = 0
    for index in chosen:
        query, truth = queries[index], expected[index]
        found = set(engine.newest(query.text, None, ALL))
        value = len(found & truth) / len(truth) if truth else float(not found)
        recall.setdefault(query.kind, []).append(value)
        _rows, ms = timed(engine.newest, query.text, None, 20)
        top.append(ms)
        counted, ms = timed(engine.count, query.text)
        count.append(ms)
        wrong_counts += counted != len(truth)
        _rows, ms = timed(engine.newest, query.text, filters[index], 20)
        filtered.append(ms)
    every = [v for values in recall.values() for v in values]
    return {
        "recall": {
            **{kind: round(statistics.fmean(v), 4) for kind, v in recall.items()},
            "all": round(statistics.fmean(every), 4) if every else None,
        },
        "queries": len(every),
        "counts_off": wrong_counts,
        "top20_ms": _spread(top),
        "count_ms": _spread(count),
        "filtered_top20_ms": _spread(filtered),
    }


def _post_overhead(
    community: corpus_module.Community, corpus: corpus_module.Corpus, seed: int
) -> dict[str, float]:
    """Post real messages through post_message and time its call to the index."""
    from kyoso.accounts.models import Member
    from kyoso.chat import actions
    from kyoso.chat.models import Channel
    from kyoso.search import actions as search_actions

    rng = random.Random(f"kyoso-bench-search-posts/{seed}")
    author = Member.objects.get(pk=community.author_of[0])
    channel = Channel.objects.get(pk=community.channel_of[0])
    actions.join_channels(members=[author], channel=channel)
    spent: list[float] = []
    real = search_actions.index_message

    def timed_index(message: Any) -> None:
        started = time.perf_counter()
        real(message)
        spent.append((time.perf_counter() - started) * 1000)

    with mock.patch.object(search_actions, "index_message", timed_index):
        for _ in range(POSTS):
            actions.post_message(author=author, channel=channel, text=rng.choice(corpus.messages).text)
    return _spread(spent)


def _engine_version() -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    return f"SQLite {sqlite3.sqlite_version}"


def _targets(kyoso: dict[str, Any]) -> dict[str, bool]:
    recall_ok = all(v == 1.0 for v in kyoso["recall"].values() if v is not None)
    if connection.vendor == "postgresql":
        return {
            "recall_1.0": recall_ok,
            "top20_p95_le_20ms": kyoso["top20_ms"]["p95"] <= TARGETS_POSTGRESQL["top20_p95_ms"],
        }
    t = TARGETS_SQLITE
    return {
        "recall_1.0": recall_ok,
        "top20_p95_le_5ms": kyoso["top20_ms"]["p95"] <= t["top20_p95_ms"],
        "top20_max_le_50ms": kyoso["top20_ms"]["max"] <= t["top20_max_ms"],
        "count_p95_le_20ms": kyoso["count_ms"]["p95"] <= t["count_p95_ms"],
        "filtered_p95_le_20ms": kyoso["filtered_top20_ms"]["p95"] <= t["filtered_p95_ms"],
        "index_le_2x_text": kyoso["index_bytes"] <= t["index_to_text"] * kyoso["text_bytes"],
        "build_le_3min": kyoso["build_s"] <= t["build_s"],
        "post_overhead_le_2ms": kyoso["post_overhead_ms"]["p50"] <= t["post_overhead_p50_ms"],
    }
