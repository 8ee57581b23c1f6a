"""The search benchmark's corpus, community, query set and ground truth.

Messages are spans of real Japanese prose from ../shared/data/ja_text (Wikipedia paragraphs, read at
run time, never copied into the project) cut to chat length, or from a small built-in generator
when that folder is absent. About 4% carry ASCII or width variants (ＤＸ, ｼｽﾃﾑ, AI-OCR, LGWAN).
``--corpus FILE.jsonl`` replaces them with one's own ({"id", "channel", "text"} per line).

Query classes, 60 queries each by default (``--queries FILE.json`` gives one's own, classed by form):
- ``1ch``: one kanji or katakana character from a random message (a lone hiragana particle such
  as の is not something people search for);
- ``2ch`` and ``3-5ch``: a piece of a run of letters and digits of a random message;
- ``6+ch``: 6 to 12 characters of a random message, punctuation and spaces included;
- ``ascii``: an ASCII term of the corpus in a random case and width (ＤＸ, dx, ｼｽﾃﾑ, ＡＩ).
Ground truth is an exact substring scan of the analysed texts.
"""

from __future__ import annotations

import bisect
import csv
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kyoso.accounts.actions import NewMember, import_members
from kyoso.accounts.models import MemberStatus
from kyoso.chat.actions import create_channel
from kyoso.chat.actions.bulk import ImportedMessage, MessageImporter
from kyoso.config import BASE_DIR
from kyoso.directory.actions import load_directory
from kyoso.directory.models import Organization, OrganizationKind
from kyoso.search.actions import deferred_indexing
from kyoso.search.analyzer import analyzed, normalize, runs

JA_TEXT = BASE_DIR.parent / "shared" / "data" / "ja_text" / "jsquad_paragraphs_flat.csv"
CLASSES = ("1ch", "2ch", "3-5ch", "6+ch", "ascii")
VARIANT_SHARE = 0.04
MESSAGES_PER_MEMBER = 250
MIN_MEMBERS, MAX_MEMBERS = 100, 20_000
CHANNELS = 40
HISTORY_DAYS = 3 * 365
BATCH_SIZE = 5_000
PROGRESS_EVERY = 100_000
# Chat-length spans: mostly short, some long (characters).
SPAN_LOW, SPAN_MODE, SPAN_HIGH = 8, 40, 160
# Terms in ASCII or other widths that some messages carry, as government chat does.
ASCII_TERMS = ("DX", "ＤＸ推進", "ｼｽﾃﾑ改修", "AI-OCR", "LGWAN", "Ｗｅｂ会議", "RPA", "ｅＬＴＡＸ", "API連携",
               "Zoom", "Teams", "BPR", "ICT", "ＩＣＴ支援員", "GovTech", "SaaS", "Excel", "PDF")  # fmt: skip
_BUILT_IN_WORDS = ("窓口", "予約", "戸籍", "住民票", "申請", "受付", "手続き", "マイナンバー", "給付",
                   "税務", "福祉", "子育て", "防災", "避難所", "会議", "予算", "議会", "条例", "補助金",
                   "移住", "観光", "ごみ", "収集", "保育所", "学校", "図書館", "公民館", "道路", "水道",
                   "国保", "介護", "健診", "年金", "選挙", "統計", "広報", "相談", "研修", "職員",
                   "庁舎")  # fmt: skip
_BUILT_IN_GLUE = (
    "の",
    "を",
    "に",
    "は",
    "が",
    "と",
    "で",
    "について",
    "の件",
    "、",
    "。",
    "です。",
    "ます。",
)


@dataclass(frozen=True)
class CorpusMessage:
    channel: str
    text: str


@dataclass
class Corpus:
    source: str
    messages: list[CorpusMessage]

    @property
    def text_bytes(self) -> int:
        return sum(len(m.text.encode()) for m in self.messages)


def _paragraphs() -> list[str]:
    with JA_TEXT.open(encoding="utf-8") as handle:
        return [row["context"].split("[SEP]", 1)[-1].strip() for row in csv.DictReader(handle)]


def _variant(text: str, rng: random.Random) -> str:
    term = rng.choice(ASCII_TERMS)
    cut = rng.randrange(len(text) + 1)
    return f"{text[:cut]} {term} {text[cut:]}".strip()


def _built_in_text(rng: random.Random, length: int) -> str:
    parts: list[str] = []
    while sum(map(len, parts)) < length:
        parts.append(rng.choice(_BUILT_IN_WORDS) if rng.random() < 0.5 else rng.choice(_BUILT_IN_GLUE))
    return "".join(parts)


def make_corpus(count: int, seed: int, path: str | None) -> Corpus:
    if path:
        return read_corpus(Path(path))
    rng = random.Random(f"kyoso-bench-search/{seed}")
    paragraphs = _paragraphs() if JA_TEXT.exists() else None
    channels = [f"bench-{i:02d}" for i in range(CHANNELS)]
    weights = [1 / (k + 1) for k in range(CHANNELS)]  # the k-th busiest channel gets 1/k
    messages = []
    for _ in range(count):
        length = int(rng.triangular(SPAN_LOW, SPAN_HIGH, SPAN_MODE))
        if paragraphs:
            paragraph = rng.choice(paragraphs)
            start = rng.randrange(max(1, len(paragraph) - length))
            text = paragraph[start : start + length].strip() or paragraph[:length]
        else:
            text = _built_in_text(rng, length)
        if rng.random() < VARIANT_SHARE:
            text = _variant(text, rng)
        messages.append(CorpusMessage(rng.choices(channels, weights)[0], text))
    return Corpus("ja_text" if paragraphs else "built-in generator", messages)


def read_corpus(path: Path) -> Corpus:
    """One {"id", "channel", "text"} per line; messages are written in id order."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                row = json.loads(line)
                if not str(row.get("text", "")).strip():
                    raise ValueError(f"{path}:{number}: a message needs a non-empty text")
                rows.append((row["id"], str(row.get("channel") or "general"), str(row["text"])))
    rows.sort(key=lambda row: row[0])
    return Corpus(str(path), [CorpusMessage(channel, text) for _id, channel, text in rows])


# -- the community ------------------------------------------------------------------------------------


@dataclass
class Community:
    message_ids: list[int] = field(default_factory=list)
    channel_of: list[int] = field(default_factory=list)  # channel id per message, in message order
    author_of: list[int] = field(default_factory=list)
    prefecture_of_member: dict[int, int] = field(default_factory=dict)
    channel_ids: dict[str, int] = field(default_factory=dict)


def build_community(corpus: Corpus, seed: int, progress: Callable[[str], None]) -> Community:
    """Members in real municipalities (more in larger ones), channels, and the messages, unindexed."""
    rng = random.Random(f"kyoso-bench-search-community/{seed}")
    if not Organization.objects.exists():
        load_directory()
    towns = list(
        Organization.objects.filter(
            is_active=True, kind=OrganizationKind.MUNICIPALITY, population__isnull=False
        ).values_list("pk", "prefecture_id", "population")
    )
    size = min(max(MIN_MEMBERS, len(corpus.messages) // MESSAGES_PER_MEMBER), MAX_MEMBERS)
    # The filter above keeps only towns with a population; ``or 0`` only tells the type checker so.
    chosen = rng.choices(towns, [population or 0 for _pk, _pref, population in towns], k=size)
    start = datetime.now(UTC) - timedelta(days=HISTORY_DAYS)
    members = import_members(
        NewMember(
            email=f"search-bench{i}@bench.example.lg.jp",
            full_name=f"職員 {i}",
            display_name=f"職員{i}",
            organization_id=town[0],
            status=MemberStatus.ACTIVE,
            date_joined=start,
        )
        for i, town in enumerate(chosen)
    )
    community = Community()
    community.prefecture_of_member = {m.pk: town[1] for m, town in zip(members, chosen, strict=True)}
    for name in dict.fromkeys(m.channel for m in corpus.messages):
        created = create_channel(creator=None, name=name, slug=name if name.isascii() else None, at=start)
        community.channel_ids[name] = created.pk
    step = timedelta(days=HISTORY_DAYS) / max(1, len(corpus.messages))
    importer = MessageImporter(batch_size=BATCH_SIZE)
    with deferred_indexing():  # indexed once afterwards, timed as the build
        for first in range(0, len(corpus.messages), BATCH_SIZE):
            rows = []
            for offset, message in enumerate(corpus.messages[first : first + BATCH_SIZE]):
                author = members[rng.randrange(len(members))].pk
                channel = community.channel_ids[message.channel]
                rows.append(ImportedMessage(channel, author, message.text, start + step * (first + offset)))
                community.channel_of.append(channel)
                community.author_of.append(author)
            community.message_ids.extend(importer.add(rows))
            if (first + BATCH_SIZE) % PROGRESS_EVERY < BATCH_SIZE:
                progress(f"  messages {len(community.message_ids):,}/{len(corpus.messages):,}")
        importer.finish()
    return community


# -- queries and ground truth -------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str
    kind: str


def _is_kanji_or_katakana(character: str) -> bool:
    return "\u4e00" <= character <= "\u9fff" or "\u30a1" <= character <= "\u30fa"


def _piece(rng: random.Random, texts: list[str], low: int, high: int) -> str | None:
    text = rng.choice(texts)
    candidates = [run for run in runs(text) if len(run) >= low]
    if not candidates:
        return None
    run = rng.choice(candidates)
    length = rng.randint(low, min(high, len(run)))
    start = rng.randrange(len(run) - length + 1)
    return run[start : start + length]


def _ascii_query(rng: random.Random) -> str:
    term = rng.choice([t for t in ASCII_TERMS if any(c.isascii() or c > "\uff00" for c in t)])
    word = "".join(c for c in normalize(term) if c.isascii() and c.isalnum()) or normalize(term)
    form = rng.choice(("lower", "upper", "full", "term"))
    if form == "lower":
        return word.lower()
    if form == "upper":
        return word.upper()
    if form == "full":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word.upper())
    return term


def sample_queries(corpus: Corpus, per_class: int, seed: int) -> list[Query]:
    rng = random.Random(f"kyoso-bench-search-queries/{seed}")
    texts = [analyzed(m.text) for m in corpus.messages]
    found: dict[str, list[str]] = {kind: [] for kind in CLASSES}
    for _attempt in range(per_class * 200):
        if all(len(v) >= per_class for v in found.values()):
            break
        kind = rng.choice([k for k in CLASSES if len(found[k]) < per_class])
        query: str | None
        if kind == "1ch":
            letters = [c for c in rng.choice(texts) if _is_kanji_or_katakana(c)]
            query = rng.choice(letters) if letters else None
        elif kind == "2ch":
            query = _piece(rng, texts, 2, 2)
        elif kind == "3-5ch":
            query = _piece(rng, texts, 3, 5)
        elif kind == "6+ch":
            text = rng.choice(texts)
            length = rng.randint(6, 12)
            start = rng.randrange(max(1, len(text) - length + 1))
            query = text[start : start + length].strip()
            query = query if len(query) >= 6 and any(c.isalnum() for c in query) else None
        else:
            query = _ascii_query(rng)
        if query:
            found[kind].append(query)
    return [Query(text, kind) for kind in CLASSES for text in found[kind]]


def classify(text: str) -> str:
    normal = normalize(text)
    if normal != text or any(c.isascii() and c.isalnum() for c in normal):
        return "ascii"
    length = len(normal)
    return "1ch" if length == 1 else "2ch" if length == 2 else "3-5ch" if length <= 5 else "6+ch"


def read_queries(path: str) -> list[Query]:
    texts = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(texts, list) or not all(isinstance(t, str) and t.strip() for t in texts):
        raise ValueError(f"{path}: expected a JSON list of non-empty strings")
    return [Query(text, classify(text)) for text in texts]


class GroundTruth:
    """Exact substring scan: all analysed texts in one string, searched with str.find."""

    SEPARATOR = "\x00"

    def __init__(self, ids: list[int], texts: list[str]) -> None:
        self.ids = ids
        self.starts: list[int] = []
        parts = []
        position = 0
        for text in texts:
            body = analyzed(text)
            self.starts.append(position)
            parts.append(body)
            position += len(body) + 1
        self.haystack = self.SEPARATOR.join(parts)

    def matches(self, query: str) -> set[int]:
        needle = normalize(query)
        found: set[int] = set()
        position = self.haystack.find(needle)
        while position >= 0:
            index = bisect.bisect_right(self.starts, position) - 1
            found.add(self.ids[index])
            # Jump to the next message: one hit per message is enough.
            next_start = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.haystack)
            position = self.haystack.find(needle, next_start)
        return found
