"""Who speaks up: picking, at a given moment, a member of a channel who had joined it by then.

A few people carry most conversations, municipalities ask more than agencies, and someone whose
work a theme is speaks there more than someone who joined out of curiosity.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from random import Random

from kyoso.accounts.models import Role
from kyoso.demo.content.channels import REGION_CHANNEL, THEME_SLUGS
from kyoso.demo.plan import PlannedMember
from kyoso.demo.timeline import DAY
from kyoso.directory.models import OrganizationKind

# How readily each kind of organisation asks, and answers, about local practice: municipalities most.
ASKING: dict[str, float] = {OrganizationKind.NATIONAL_AGENCY: 0.1, OrganizationKind.PREFECTURE: 0.4}
ANSWERING: dict[str, float] = {OrganizationKind.NATIONAL_AGENCY: 0.25, OrganizationKind.PREFECTURE: 0.5}
# Someone who joined a theme out of curiosity speaks there less than someone whose work it is.
CURIOUS = 0.3
REGION_SLUGS = frozenset(REGION_CHANNEL.values())
# Study sessions are mostly hosted by ambassadors.
HOSTING: dict[str, float] = {Role.AMBASSADOR: 1.0}
OTHERS_HOSTING = 0.25
# Practice posts come from people who joined within this many days.
RECENT_JOINER_DAYS = 30.0
# Tries before settling for whoever was drawn: enough to honour the preferences, bounded in time.
ATTEMPTS = 12

Acceptance = Callable[[PlannedMember], float]


def speaks_to(slug: str, by_kind: Mapping[str, float]) -> Acceptance:
    """The chance that a member, picked at random, takes the floor in channel ``slug``."""

    def accept(member: PlannedMember) -> float:
        if not may_speak_in(slug, member):
            return 0.0
        chance = by_kind.get(member.organization.kind, 1.0)
        if slug in THEME_SLUGS and slug not in member.core_themes:
            chance *= CURIOUS
        return chance

    return accept


def hosts_study_sessions(slug: str) -> Acceptance:
    def accept(member: PlannedMember) -> float:
        return HOSTING.get(member.role, OTHERS_HOSTING) if may_speak_in(slug, member) else 0.0

    return accept


def may_speak_in(slug: str, member: PlannedMember) -> bool:
    """Operators read the region channels, but the talk there is local: national staff keep quiet."""
    return slug not in REGION_SLUGS or member.organization.kind != OrganizationKind.NATIONAL_AGENCY


@dataclass
class _Pool:
    """A channel's members in the order they joined, with running activity weights for fast picks."""

    joined: list[float] = field(default_factory=list)
    members: list[int] = field(default_factory=list)
    cumulative: list[float] = field(default_factory=list)
    # How many of the first n members may speak here (``may_speak_in``).
    speakers: list[int] = field(default_factory=list)


class Crowd:
    """Every channel's members, ready to be drawn from at any moment of the community's history."""

    def __init__(
        self,
        rng: Random,
        members: Sequence[PlannedMember],
        slugs: Sequence[str],
        memberships: Sequence[tuple[int, int, float]],
    ) -> None:
        self.rng = rng
        self.members = members
        self.pools = [_Pool() for _ in slugs]
        for channel, member, joined in sorted(memberships, key=lambda row: (row[0], row[2], row[1])):
            pool = self.pools[channel]
            pool.joined.append(joined)
            pool.members.append(member)
            pool.cumulative.append(
                (pool.cumulative[-1] if pool.cumulative else 0.0) + members[member].activity
            )
            speaks = may_speak_in(slugs[channel], members[member])
            pool.speakers.append((pool.speakers[-1] if pool.speakers else 0) + speaks)
        self.operators = [i for i, m in enumerate(members) if m.role == Role.OPERATOR]

    def pick(
        self, channel: int, at: float, *, exclude: Sequence[int] = (), accept: Acceptance | None = None
    ) -> int | None:
        """A member of ``channel`` who had joined by ``at``, weighted by activity, or None."""
        pool = self.pools[channel]
        eligible = bisect_right(pool.joined, at)
        if eligible == 0:
            return None
        rng, fallback = self.rng, None
        total = pool.cumulative[eligible - 1]
        for _attempt in range(ATTEMPTS):
            position = min(bisect_right(pool.cumulative, rng.random() * total), eligible - 1)
            candidate = pool.members[position]
            if candidate in exclude:
                continue
            chance = 1.0 if accept is None else accept(self.members[candidate])
            if chance > 0:
                fallback = candidate  # when nobody passes, the last one who could have spoken does
                if rng.random() < chance:
                    return candidate
        return fallback

    def speakers_at(self, channel: int, at: float) -> int:
        """How many members of ``channel`` could speak there at ``at``."""
        pool = self.pools[channel]
        eligible = bisect_right(pool.joined, at)
        return pool.speakers[eligible - 1] if eligible else 0

    def speaker(
        self, channel: int, at: float, *, exclude: Sequence[int] = (), accept: Acceptance | None = None
    ) -> int:
        """Like ``pick``, but someone always speaks.

        When the random draws miss (the only people left are quiet ones), everyone who could speak is
        considered; when there is nobody at all, an operator does.
        """
        found = self.pick(channel, at, exclude=exclude, accept=accept)
        if found is not None:
            return found
        pool = self.pools[channel]
        eligible = pool.members[: bisect_right(pool.joined, at)]
        able = [m for m in eligible if m not in exclude and (accept is None or accept(self.members[m]) > 0)]
        if able:
            return self.rng.choice(able)
        return self.operators[0] if self.operators else 0

    def operator(self) -> int:
        return self.rng.choice(self.operators) if self.operators else 0

    def recent_joiner(self, channel: int, at: float) -> int | None:
        """Someone who joined ``channel`` in the last month before ``at`` (first posts), or None."""
        pool = self.pools[channel]
        low = bisect_left(pool.joined, at - RECENT_JOINER_DAYS * DAY)
        high = bisect_right(pool.joined, at)
        return pool.members[self.rng.randrange(low, high)] if high > low else None
