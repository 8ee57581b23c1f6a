"""A synthetic community for benchmarks: members, channels, one busy channel, threads and stamps.

It is written through the same paths as ``kyoso demo --scale``: the directory loader,
``import_members``, ``create_channel``, ``import_memberships`` and the bulk ``MessageImporter``.
The newest replies that are also sent to the channel (「チャンネルにも投稿」) go through
``post_message`` itself, because the importer has no column for that flag. The same seed and sizes
give the same community.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from random import Random

from kyoso.accounts.actions import NewMember, import_members
from kyoso.accounts.models import Member, MemberStatus
from kyoso.chat.actions import create_channel, ensure_default_stamps, post_message
from kyoso.chat.actions.bulk import (
    ImportedMessage,
    MessageImporter,
    import_memberships,
    import_reactions,
    import_read_positions,
)
from kyoso.chat.models import Channel, ChannelCategory, Message, Reaction
from kyoso.chat.queries.channels import IN_MAIN_STREAM
from kyoso.directory.actions import load_directory
from kyoso.directory.models import Organization

BUSY_SLUG = "bench-busy"
READER_EMAIL = "bench-reader@bench.example.lg.jp"

# The shape of the community. The busy channel carries this share of all messages; the others share
# the rest unevenly (the k-th busiest gets a weight of 1/k), as real channels do.
BUSY_SHARE = 0.30
REPLY_SHARE = 0.20  # messages that answer in a thread
RECENT_THREADS = 20  # a reply goes to one of its channel's latest threads
STAMPED_SHARE = 0.10  # messages that get stamps, each 1 to MAX_STAMPS of them
MAX_STAMPS = 3
JOIN_SHARE = 0.30  # members in each channel other than the busy one (which everyone joins)
# About 250 messages a member, as in `kyoso demo --scale`; organisations in proportion.
MESSAGES_PER_MEMBER = 250
MIN_MEMBERS, MAX_MEMBERS = 200, 20_000
HISTORY_DAYS = 540
# The reader has read all but the newest slice of every channel: the sidebar counts a few unread.
UNREAD_SHARE = 0.005
# The newest replies of the busy channel that are also sent to the channel, posted one by one.
TAIL_REPLIES_MIN, TAIL_REPLIES_MAX, MESSAGES_PER_TAIL_REPLY = 10, 200, 5_000
BATCH_SIZE = 5_000
PROGRESS_EVERY = 100_000
TEXT_POOL_SIZE = 2_000


@dataclass(frozen=True)
class CommunitySpec:
    messages: int
    channels: int
    seed: int

    @property
    def members(self) -> int:
        return min(max(MIN_MEMBERS, self.messages // MESSAGES_PER_MEMBER), MAX_MEMBERS)

    @property
    def tail_replies(self) -> int:
        wanted = min(max(TAIL_REPLIES_MIN, self.messages // MESSAGES_PER_TAIL_REPLY), TAIL_REPLIES_MAX)
        return min(wanted, self.messages // 2)


@dataclass(frozen=True)
class Community:
    reader: Member
    busy: Channel


def find_community() -> Community | None:
    busy = Channel.objects.filter(slug=BUSY_SLUG).first()
    reader = Member.objects.filter(email=READER_EMAIL).first()
    if busy is None or reader is None:
        return None
    return Community(reader=reader, busy=busy)


def community_counts(community: Community) -> dict[str, int]:
    busy = Message.objects.filter(channel=community.busy)
    return {
        "members": Member.objects.count(),
        "organizations": Member.objects.values("organization").distinct().count(),
        "channels": Channel.objects.count(),
        "messages": Message.objects.count(),
        "replies": Message.objects.filter(thread_root__isnull=False).count(),
        "also_in_channel": Message.objects.filter(also_in_channel=True).count(),
        "reactions": Reaction.objects.count(),
        "busy_channel_messages": busy.count(),
        "busy_channel_history": busy.filter(IN_MAIN_STREAM).count(),
    }


def build_community(spec: CommunitySpec, progress: Callable[[str], None]) -> Community:
    """Write the community into an empty database (the directory may already be loaded)."""
    rng = Random(f"kyoso-bench/{spec.seed}")
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=HISTORY_DAYS)
    if not Organization.objects.exists():
        load_directory()
    member_ids = _write_members(spec, rng, start)
    channel_ids, channel_members = _write_channels(spec, rng, member_ids, start)
    texts = _text_pool(rng)
    imported = spec.messages - spec.tail_replies
    roots = _write_stream(
        imported, rng, texts, member_ids[0], channel_ids, channel_members, start, now, progress
    )
    _post_tail(spec.tail_replies, rng, texts, channel_ids[0], channel_members[0], roots, now)
    community = find_community()
    assert community is not None  # just written
    return community


def _write_members(spec: CommunitySpec, rng: Random, start: datetime) -> list[int]:
    organizations = list(
        Organization.objects.filter(is_active=True).order_by("id").values_list("id", flat=True)
    )
    chosen = rng.sample(organizations, min(len(organizations), max(1, spec.members * 3 // 5)))
    rows = []
    for i in range(spec.members):
        surname, given = rng.choice(_SURNAMES), rng.choice(_GIVEN_NAMES)
        rows.append(
            NewMember(
                email=READER_EMAIL if i == 0 else f"bench{i}@bench.example.lg.jp",
                full_name=f"{surname} {given}",
                display_name=f"{surname}{given}",
                organization_id=rng.choice(chosen),
                department=rng.choice(_DEPARTMENTS),
                status=MemberStatus.ACTIVE,
                date_joined=start,
            )
        )
    return [member.pk for member in import_members(rows)]


def _write_channels(
    spec: CommunitySpec, rng: Random, member_ids: list[int], start: datetime
) -> tuple[list[int], list[list[int]]]:
    """The busy channel first (everyone joins it), then the others; the reader joins every channel."""
    channel_ids, channel_members = [], []
    for i in range(max(2, spec.channels)):
        busy = i == 0
        channel = create_channel(
            creator=None,
            name="相談広場" if busy else f"テーマ{i:02d}",
            slug=BUSY_SLUG if busy else f"bench-{i:02d}",
            category=ChannelCategory.QA if busy else ChannelCategory.THEME,
            title="なんでも相談できる広場" if busy else "",
            at=start,
        )
        channel_ids.append(channel.pk)
        joined = (
            member_ids if busy else [member_ids[0], *(m for m in member_ids[1:] if rng.random() < JOIN_SHARE)]
        )
        channel_members.append(joined)
    import_memberships(
        (channel_id, member_id, start)
        for channel_id, joined in zip(channel_ids, channel_members, strict=True)
        for member_id in joined
    )
    return channel_ids, channel_members


def _write_stream(
    count: int,
    rng: Random,
    texts: list[str],
    reader_id: int,
    channel_ids: list[int],
    channel_members: list[list[int]],
    start: datetime,
    now: datetime,
    progress: Callable[[str], None],
) -> list[int]:
    """Import ``count`` messages over the history; returns the busy channel's latest thread parents."""
    others = len(channel_ids) - 1
    # The others' 1/k weights, scaled so that together they carry 1 - BUSY_SHARE.
    harmonic = sum(1 / k for k in range(1, others + 1))
    weights = [BUSY_SHARE, *((1 - BUSY_SHARE) / (k * harmonic) for k in range(1, others + 1))]
    cumulative = list(accumulate(weights))
    stamp_ids = [stamp.pk for stamp in ensure_default_stamps()]
    recent: list[deque[int]] = [deque(maxlen=RECENT_THREADS) for _ in channel_ids]
    read_up_to = [-1] * len(channel_ids)  # the reader's last read message, as a stream index
    unread_from = count - int(count * UNREAD_SHARE)
    # The stream ends an hour before now, leaving room for the replies posted afterwards.
    step = (now - timedelta(hours=1) - start) / max(count, 1)
    importer = MessageImporter(batch_size=BATCH_SIZE)
    rows: list[ImportedMessage] = []
    stamps: list[tuple[int, int, int, datetime]] = []  # (stream index, member, stamp, at)
    started = time.perf_counter()

    def flush() -> None:
        importer.add(rows)
        import_reactions((importer.ids[i], member, stamp, at) for i, member, stamp, at in stamps)
        rows.clear()
        stamps.clear()
        written = len(importer.ids)
        if written % PROGRESS_EVERY < BATCH_SIZE or written == count:
            elapsed = time.perf_counter() - started
            progress(
                f"messages {written:,}/{count:,}  {elapsed:.1f}s  ({written / max(elapsed, 1e-9):,.0f}/s)"
            )

    for i in range(count):
        channel = min(bisect_right(cumulative, rng.random() * cumulative[-1]), len(channel_ids) - 1)
        members = channel_members[channel]
        at = start + step * i
        thread = None
        if recent[channel] and rng.random() < REPLY_SHARE:
            thread = recent[channel][rng.randrange(len(recent[channel]))]
        else:
            recent[channel].append(i)
        text = texts[rng.randrange(len(texts))]
        rows.append(
            ImportedMessage(channel_ids[channel], members[rng.randrange(len(members))], text, at, thread)
        )
        if rng.random() < STAMPED_SHARE:
            for _ in range(rng.randint(1, MAX_STAMPS)):
                stamps.append((i, members[rng.randrange(len(members))], rng.choice(stamp_ids), at))
        if i < unread_from:
            read_up_to[channel] = i
        if len(rows) >= BATCH_SIZE:
            flush()
    if rows:
        flush()
    importer.finish()
    import_read_positions(
        (channel_id, reader_id, importer.ids[index])
        for channel_id, index in zip(channel_ids, read_up_to, strict=True)
        if index >= 0
    )
    return [importer.ids[index] for index in recent[0]]


def _post_tail(
    count: int,
    rng: Random,
    texts: list[str],
    busy_id: int,
    busy_members: list[int],
    roots: list[int],
    now: datetime,
) -> None:
    """The newest replies of the busy channel, also sent to the channel, through ``post_message``."""
    busy = Channel.objects.get(pk=busy_id)
    parents = Message.objects.in_bulk(roots)
    authors = Member.objects.in_bulk([rng.choice(busy_members) for _ in range(count)])
    author_ids = list(authors)
    first = now - timedelta(hours=1)
    for j in range(count):
        post_message(
            author=authors[rng.choice(author_ids)],
            channel=busy,
            text=rng.choice(texts),
            thread=parents[rng.choice(roots)] if parents else None,
            also_in_channel=True,
            at=first + timedelta(seconds=j + 1),
        )


def _text_pool(rng: Random) -> list[str]:
    """Message texts in the register of the community: questions, answers, links, lists, code."""
    pool = []
    for n in range(TEXT_POOL_SIZE):
        topic, org, thanks = rng.choice(_TOPICS), rng.choice(_PLACES), rng.choice(_THANKS)
        shape = n % 6
        if shape == 0:
            text = f"{org}では{topic}をどう運用していますか？ 来月から担当になり、手順を見直しています。"
        elif shape == 1:
            text = f"**{topic}**の件、うちでは窓口で案内文を配っています。{thanks}"
        elif shape == 2:
            link = f"[{topic}の手引き](https://www.example.lg.jp/guide/{n}.html)"
            text = f"参考: {link} の{n % 40 + 1}ページ目が分かりやすいです。"
        elif shape == 3:
            text = f"{topic}の確認事項です。\n\n- 申請書の様式\n- 添付書類の確認\n- {org}との調整"
        elif shape == 4:
            text = (
                f"{thanks} 集計は `SUM(件数)` で出しています。\n\n> {topic}は年度末に集中します\n\n同感です。"
            )
        else:
            text = f"{org}の事例、共有ありがとうございます。{topic}について{n % 12 + 1}月の研修で紹介します。"
        pool.append(text)
    return pool


_SURNAMES = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田")
_GIVEN_NAMES = ("花子", "太郎", "美咲", "健太", "由美", "翔", "陽子", "誠", "直子", "大輔", "彩", "拓也")
_DEPARTMENTS = ("市民課", "税務課", "福祉課", "情報政策課", "企画課", "子育て支援課", "防災課", "保険年金課")
_TOPICS = ("マイナンバーカードの交付", "住民税の申告", "児童手当の認定", "窓口のキャッシュレス化",
           "防災アプリの導入", "ふるさと納税", "介護保険の更新", "オンライン申請", "書かない窓口",
           "自治体DXの研修", "国民健康保険の届出", "ガバメントクラウド移行")  # fmt: skip
_PLACES = (
    "久留米市",
    "裾野市",
    "札幌市",
    "前橋市",
    "松本市",
    "高松市",
    "那覇市",
    "うちの町",
    "県庁",
    "隣の市",
)
_THANKS = (
    "ありがとうございます！",
    "とても助かります。",
    "勉強になります。",
    "なるほどです。",
    "参考にします。",
)
