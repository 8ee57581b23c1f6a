"""The demo community as a plan: who is in it, where they talk, and what they say.

Nothing here touches the database. ``kyoso.demo.queries.directory_snapshot`` reads the directory into
``OrgInfo`` rows; ``kyoso.demo.generate.plan_community`` turns them, a seed and a size into members,
channels and a lazy stream of messages; ``kyoso.demo.actions.build_demo`` writes that through the
actions. The same seed, size, directory and day always give the same community.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from kyoso.demo.content.channels import ChannelSpec


@dataclass(frozen=True)
class DemoSize:
    """How big a demo to build: active members, organisations they come from, messages."""

    members: int
    organizations: int
    messages: int

    @classmethod
    def for_messages(cls, messages: int) -> DemoSize:
        """A community in proportion to ``messages``: about 250 messages a member, as in a lively one."""
        members = min(max(DEFAULT_SIZE.members, messages // 250), 20_000)
        organizations = max(DEFAULT_SIZE.organizations, members * 3 // 5)
        return cls(members=members, organizations=organizations, messages=messages)


DEFAULT_SIZE = DemoSize(members=200, organizations=120, messages=4_000)
# Tests build this one: every kind of organisation, channel and thread, in a second or two.
SMALL_SIZE = DemoSize(members=40, organizations=30, messages=400)
DEFAULT_SEED = 2026


@dataclass(frozen=True)
class OrgInfo:
    """What the demo needs to know of one organisation of the directory."""

    id: int
    code: str
    name: str
    kind: str
    municipality_type: str
    region: str
    prefecture_name: str
    domain: str
    population: int | None


@dataclass
class PlannedMember:
    email: str
    full_name: str
    full_name_kana: str
    display_name: str
    organization: OrgInfo
    department: str
    title: str
    bio: str
    interests: str
    role: str
    status: str
    date_joined: float
    surname: str
    themes: tuple[str, ...] = ()
    # The themes of the member's own work (their department's); the others are curiosity.
    core_themes: tuple[str, ...] = ()
    is_staff: bool = False
    is_superuser: bool = False
    password: str | None = None
    # How much this member writes, relative to others (a few people carry most conversations).
    activity: float = 1.0
    # When the member last opened kyoso: everything after it is unread.
    last_seen: float = 0.0
    channels: list[int] = field(default_factory=list)


@dataclass
class PlannedChannel:
    spec: ChannelSpec
    created_at: float


@dataclass(slots=True)
class PlannedReaction:
    message: int  # stream index of the message stamped: this one or an earlier one
    member: int
    stamp: str
    at: datetime


@dataclass(slots=True)
class PlannedMessage:
    channel: int
    author: int
    text: str
    at: datetime
    thread: int | None  # stream index of the thread's first message
    reactions: list[PlannedReaction]


@dataclass
class CommunityPlan:
    seed: int
    size: DemoSize
    now: datetime
    members: list[PlannedMember]
    channels: list[PlannedChannel]
    memberships: list[tuple[int, int, float]]  # (channel index, member index, joined at)
    stream: Iterator[PlannedMessage]
    # Each member's latest post, filled in as the stream is read (a member has read what they wrote).
    last_post: list[float]
