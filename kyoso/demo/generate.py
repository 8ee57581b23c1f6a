"""One call from a directory, a seed and a size to the whole demo community (as a plan)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from random import Random

from kyoso.demo.conversation import ConversationWriter
from kyoso.demo.members import choose_organizations, plan_channels, plan_members, plan_memberships
from kyoso.demo.plan import DEFAULT_SEED, DEFAULT_SIZE, CommunityPlan, DemoSize, OrgInfo
from kyoso.demo.timeline import Timeline


def plan_community(
    organizations: Sequence[OrgInfo],
    *,
    now: datetime,
    seed: int = DEFAULT_SEED,
    size: DemoSize = DEFAULT_SIZE,
) -> CommunityPlan:
    """Members, channels and a lazy message stream; the same inputs give the same community.

    People and talk draw from two random streams of their own, so the members of a seed stay the same
    however many messages are asked for.
    """
    timeline = Timeline(now)
    people = Random(f"kyoso-demo/{seed}/people")
    chosen = choose_organizations(organizations, size.organizations, people)
    members = plan_members(chosen, size, people, timeline)
    channels = plan_channels(timeline)
    memberships = plan_memberships(members, channels, people, timeline)
    writer = ConversationWriter(Random(f"kyoso-demo/{seed}/talk"), timeline, members, channels, memberships)
    return CommunityPlan(
        seed=seed,
        size=size,
        now=now,
        members=members,
        channels=channels,
        memberships=memberships,
        stream=writer.stream(size.messages),
        last_post=writer.last_post,
    )
