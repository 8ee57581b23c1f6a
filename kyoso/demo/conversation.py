"""What the demo's members say: threads of questions and answers, shares, small talk and announcements.

The stream is written in time order, because message ids must follow time (history pages and read
state compare ids). Conversations start at sampled moments; the replies of each one wait in a heap
until their time comes. Only those waiting replies are held in memory, so a million messages stream.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import ChainMap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from random import Random

from kyoso.chat.models import ChannelCategory
from kyoso.demo.content import casual, community
from kyoso.demo.content.base import Slots, SlotValue, Topic, fill
from kyoso.demo.content.channels import REGION_NAMES
from kyoso.demo.content.themes_front import KAKANAI, KOSODATE, MADOGUCHI, MYNUMBER, OKUYAMI
from kyoso.demo.content.themes_systems import AI_RPA, BOUSAI, GOV_CLOUD, HYOJUNKA
from kyoso.demo.crowd import ANSWERING, ASKING, Crowd, hosts_study_sessions, speaks_to
from kyoso.demo.members import self_reference
from kyoso.demo.plan import PlannedChannel, PlannedMember, PlannedMessage, PlannedReaction
from kyoso.demo.timeline import CASUAL_DAY, DAY, OFFICE_DAY, Timeline, fiscal_year, to_datetime, weekday_date
from kyoso.directory.models import OrganizationKind

THEME_TOPICS: dict[str, tuple[Topic, ...]] = {
    "madoguchi-dx": MADOGUCHI,
    "kakanai": KAKANAI,
    "okuyami": OKUYAMI,
    "mynumber": MYNUMBER,
    "kosodate": KOSODATE,
    "gov-cloud": GOV_CLOUD,
    "hyojunka": HYOJUNKA,
    "ai-rpa": AI_RPA,
    "bousai": BOUSAI,
}

# How many replies a conversation of each kind draws: (replies, weight).
REPLY_COUNTS: dict[str, tuple[tuple[int, int], ...]] = {
    "question": ((0, 12), (1, 15), (2, 20), (3, 20), (4, 13), (5, 8), (6, 6), (7, 3), (8, 3)),
    "share": ((0, 45), (1, 25), (2, 18), (3, 12)),
    "event": ((0, 40), (1, 25), (2, 20), (3, 10), (4, 5)),
    "chat": ((0, 45), (1, 25), (2, 18), (3, 12)),
    "photo": ((0, 50), (1, 30), (2, 20)),
    "practice": ((0, 50), (1, 35), (2, 15)),
    "announcement": ((0, 1),),
}
# Which kinds of conversation start in each category of channel: (kind, weight).
KINDS: dict[str, tuple[tuple[str, int], ...]] = {
    ChannelCategory.THEME: (("question", 60), ("share", 30), ("event", 10)),
    ChannelCategory.REGION: (("question", 40), ("share", 45), ("event", 15)),
}
# Typical minutes between replies, by kind of conversation.
REPLY_PACE = {"question": 60.0, "share": 45.0, "event": 120.0, "chat": 20.0, "photo": 30.0, "practice": 60.0}

# At most this many times the typical number of stamps on one message.
STAMP_CEILING = 4
# (typical number of stamps, ((stamp, weight), …)) by what a message is.
STAMPING: dict[str, tuple[float, tuple[tuple[str, int], ...]]] = {
    "question": (1.5, (("共創", 6), ("なるほど", 1))),
    "answer": (1.6, (("参考になります", 5), ("なるほど", 4), ("共創", 2))),
    "share": (3.5, (("共創", 5), ("参考になります", 4), ("なるほど", 3), ("賛成", 1))),
    "event": (5.0, (("共創", 8), ("確認します", 1))),
    "announcement": (7.0, (("確認します", 6), ("ありがとう", 2), ("共創", 2))),
    "chat": (1.2, (("賛成", 3), ("共創", 2), ("なるほど", 1), ("ありがとう", 1))),
    "photo": (2.0, (("共創", 3), ("賛成", 2), ("ありがとう", 1))),
    "practice": (1.2, (("共創", 2), ("ありがとう", 2), ("賛成", 1))),
    "aside": (0.4, (("共創", 3), ("賛成", 1))),
}


@dataclass
class _Thread:
    channel: int
    root: int
    asker: int
    kind: str
    topic: Topic | None
    roles: list[str]
    answerers: list[int] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    followup_answers: tuple[str, ...] = community.FOLLOWUP_ANSWERS
    # Replies that fit a casual post (set when the post brings its own).
    casual_replies: tuple[str, ...] = ()


class ConversationWriter:
    """Writes the community's messages, in time order, from one seeded random stream."""

    def __init__(
        self,
        rng: Random,
        timeline: Timeline,
        members: Sequence[PlannedMember],
        channels: Sequence[PlannedChannel],
        memberships: Sequence[tuple[int, int, float]],
    ) -> None:
        self.rng = rng
        self.timeline = timeline
        self.members = members
        self.channels = channels
        self.crowd = Crowd(rng, members, [c.spec.slug for c in channels], memberships)
        self.static = [self._static_slots(m) for m in members]
        self.last_post = [0.0] * len(members)
        # Channel weights by month, with the busy months of 防災 and 子育て.
        self._channel_cum = {
            month: list(
                accumulate(c.spec.weight * (1.8 if month in c.spec.busy_months else 1.0) for c in channels)
            )
            for month in range(1, 13)
        }

    @staticmethod
    def _static_slots(member: PlannedMember) -> dict[str, SlotValue]:
        org = member.organization
        slots: dict[str, SlotValue] = {
            "we": self_reference(org),
            "org": org.name,
            "dept": member.department,
            "name": member.surname,
            "pref": org.prefecture_name or org.name,
            "region_name": REGION_NAMES.get(org.region, "地域"),
        }
        if org.population and org.kind != OrganizationKind.PREFECTURE:
            slots["pop"] = spoken_population(org.population)  # 「人口{pop}人規模」 then reads true
        return slots

    # ---- what -----------------------------------------------------------------------------------

    def _slots(self, member: int, at: float, *extra: Slots) -> ChainMap[str, SlotValue]:
        timely = _timely_slots(int((at + JST_OFFSET) // DAY))
        return ChainMap(timely, self.static[member], *extra, community.COMMON_SLOTS)  # type: ignore[arg-type]

    def _say(self, template: str, member: int, at: float, *extra: Slots) -> str:
        return fill(template, self.rng, self._slots(member, at, *extra))

    def _weather(self, member: int, at: float) -> dict[str, tuple[str, ...]]:
        season = casual.season_of(to_datetime(at).month)
        region = self.members[member].organization.region or "kanto"
        return {"weather": casual.SEASONAL_WEATHER[season].get(region, ("長雨",))}

    def _question(self, thread: _Thread, member: int, at: float) -> str:
        rng, topic = self.rng, thread.topic
        assert topic is not None
        head = ""
        if rng.random() < 0.8:
            head += rng.choice(community.GREETINGS)
        if rng.random() < 0.6:
            head += self._say(rng.choice(community.SELF_INTRODUCTIONS), member, at)
        extra = self._topic_slots(thread, member, at)
        body = self._say(rng.choice(topic.questions), member, at, *extra)
        tail = rng.choice(community.ASK_CLOSERS) if rng.random() < 0.75 else ""
        return "\n".join(part for part in (head, body, tail) if part)

    def _topic_slots(self, thread: _Thread, member: int, at: float) -> list[Slots]:
        extra: list[Slots] = [thread.topic.slots] if thread.topic else []
        if self.channels[thread.channel].spec.category == ChannelCategory.REGION:
            extra.append(self._weather(member, at))
        return extra

    def _answer(self, thread: _Thread, member: int, at: float) -> str:
        rng, topic = self.rng, thread.topic
        assert topic is not None
        asker = {"asker": self.members[thread.asker].surname}
        kind = self.members[member].organization.kind
        slug = self.channels[thread.channel].spec.slug
        if kind == OrganizationKind.NATIONAL_AGENCY:
            points = community.AGENCY_POINTS.get(slug, community.GENERIC_AGENCY_POINTS)
            return self._say(
                self._fresh(thread, community.AGENCY_NOTES), member, at, {"agency_point": points}
            )
        if kind == OrganizationKind.PREFECTURE and rng.random() < 0.65:
            return self._say(self._fresh(thread, community.PREFECTURE_NOTES), member, at)
        fresh = [a for a in topic.answers if a not in thread.used]
        if not fresh:
            # Everything this topic has to say was said: agree with it rather than repeat it.
            return self._say(self._fresh(thread, community.AGREEMENTS), member, at)
        template = rng.choice(fresh)
        thread.used.add(template)
        opener = (
            self._say(rng.choice(community.ANSWER_OPENERS), member, at, asker) if rng.random() < 0.55 else ""
        )
        body = self._say(template, member, at, asker, *self._topic_slots(thread, member, at))
        closer = rng.choice(community.ANSWER_CLOSERS) if rng.random() < 0.35 else ""
        return "\n".join(part for part in (opener, body, closer) if part)

    def _root_text(self, thread: _Thread, member: int, at: float) -> str:
        rng, kind = self.rng, thread.kind
        spec = self.channels[thread.channel].spec
        month = to_datetime(at).month
        if kind == "question":
            return self._question(thread, member, at)
        if kind == "share" and thread.topic is not None:
            greet = rng.choice(community.GREETINGS) + "\n" if rng.random() < 0.3 else ""
            extra = self._topic_slots(thread, member, at)
            return greet + self._say(rng.choice(thread.topic.shares), member, at, *extra)
        if kind == "event":
            theme = spec.name if spec.category == ChannelCategory.THEME else casual.REGION_SLOTS["theme_word"]
            slots = {"event_theme": theme, **community.STUDY_SESSION_SLOTS}
            return self._say(rng.choice(community.STUDY_SESSION_POSTS), member, at, slots)
        if kind == "chat":
            seasonal = casual.SMALL_TALK_BY_MONTH[month]
            pool = seasonal if rng.random() < 0.55 else casual.SMALL_TALK
            return self._casual(thread, pool, casual.SMALL_TALK_REPLIES, member, at, casual.SMALL_TALK_SLOTS)
        if kind == "photo":
            pool = casual.PHOTOS_BY_MONTH[month] if rng.random() < 0.55 else casual.PHOTOS
            return self._casual(thread, pool, casual.PHOTO_REPLIES, member, at, casual.PHOTO_SLOTS)
        if kind == "practice":
            posts = casual.PRACTICE_POSTS
            return self._casual(thread, posts, casual.PRACTICE_REPLIES, member, at, casual.PRACTICE_SLOTS)
        seasonal = casual.ANNOUNCEMENTS_BY_MONTH.get(month, ())
        pool = seasonal if seasonal and rng.random() < 0.4 else casual.ANNOUNCEMENTS
        themes = tuple(c.spec.name for c in self.channels if c.spec.category == ChannelCategory.THEME)
        return self._say(rng.choice(pool), member, at, {"event_theme": themes}, casual.ANNOUNCEMENT_SLOTS)

    def _fresh(self, thread: _Thread, options: Sequence[str]) -> str:
        """One of ``options`` not yet said in this thread, if any is left: people do not echo each other."""
        left = [o for o in options if o not in thread.used] or list(options)
        choice = self.rng.choice(left)
        thread.used.add(choice)
        return choice

    def _casual(
        self,
        thread: _Thread,
        pool: Sequence[casual.Post],
        usual_replies: tuple[str, ...],
        member: int,
        at: float,
        slots: Slots,
    ) -> str:
        post = self.rng.choice(pool)
        template, thread.casual_replies = (post, usual_replies) if isinstance(post, str) else post
        return self._say(template, member, at, slots)

    def _reply_text(self, thread: _Thread, role: str, member: int, at: float) -> str:
        rng = self.rng
        asker = {"asker": self.members[thread.asker].surname}
        if role == "answer":
            return self._answer(thread, member, at)
        if role == "thanks":
            last = thread.answerers[-1] if thread.answerers else thread.asker
            slots = {"answerer": self.members[last].surname, **community.THANKS_SLOTS}
            return self._say(self._fresh(thread, community.THANKS), member, at, slots)
        if role == "metoo":
            return self._say(self._fresh(thread, community.ME_TOO), member, at)
        if role == "followup":
            topic = thread.topic
            if topic and topic.followups:
                question = rng.choice(topic.followups)
            else:
                question, thread.followup_answers = rng.choice(community.GENERIC_FOLLOWUPS)
            return self._say(question, member, at, *self._topic_slots(thread, member, at))
        if role == "followup_answer":
            return self._say(self._fresh(thread, thread.followup_answers), member, at, asker)
        if role == "share_reply":
            topic = thread.topic
            if topic is not None and rng.random() < 0.4:
                return self._answer(thread, member, at)
            return self._say(self._fresh(thread, community.SHARE_REPLIES), member, at, asker)
        if role == "share_answer":
            return self._say(self._fresh(thread, community.SHARE_ANSWERS), member, at)
        if role == "event_reply":
            return self._say(self._fresh(thread, community.STUDY_SESSION_REPLIES), member, at)
        # chat, photo and practice replies: what fits the post, chosen when it was written.
        extra = (casual.SMALL_TALK_SLOTS, casual.PHOTO_SLOTS)
        return self._say(self._fresh(thread, thread.casual_replies), member, at, asker, *extra)

    # ---- stamps ---------------------------------------------------------------------------------

    def _stamps(self, index: int, channel: int, author: int, at: float, what: str) -> list[PlannedReaction]:
        rng = self.rng
        typical, stamps = STAMPING[what]
        # Mostly a few, now and then many; never absurdly many on an everyday message.
        count = min(int(rng.expovariate(1 / typical)), int(typical * STAMP_CEILING)) if typical else 0
        reactions, seen = [], set()
        for _ in range(count):
            member = self.crowd.pick(channel, at, exclude=(author,))
            if member is None:
                break
            stamp = rng.choices([s for s, _w in stamps], weights=[w for _s, w in stamps], k=1)[0]
            if (member, stamp) in seen:
                continue
            seen.add((member, stamp))
            moment = self.timeline.later(rng, at, 2, 600)
            reactions.append(PlannedReaction(index, member, stamp, to_datetime(moment)))
        return reactions

    # ---- the stream -----------------------------------------------------------------------------

    def _plan_roots(self, total: int) -> list[tuple[float, int, str, int]]:
        """(moment, channel, kind, replies) of every conversation, adding up to exactly ``total``."""
        rng, timeline = self.rng, self.timeline
        roots, written = [], 0
        while written < total:
            day = timeline.sample_day(rng)
            month = timeline.days[day].month
            channel = bisect_right(self._channel_cum[month], rng.random() * self._channel_cum[month][-1])
            spec = self.channels[channel].spec
            casual_shape = spec.category in (ChannelCategory.CASUAL,)
            moment = timeline.sample_time(rng, day, CASUAL_DAY if casual_shape else OFFICE_DAY)
            speakers = self.crowd.speakers_at(channel, moment)
            if moment < self.channels[channel].created_at or not speakers:
                continue  # that channel did not exist yet, or nobody there could have spoken
            kind = self._kind(spec.slug, spec.category)
            counts = REPLY_COUNTS[kind]
            replies = rng.choices([n for n, _w in counts], weights=[w for _n, w in counts], k=1)[0]
            # A thread has no more repliers than the channel had people; and the total stays exact.
            replies = min(replies, speakers - 1, total - written - 1)
            roots.append((moment, channel, kind, replies))
            written += 1 + replies
        roots.sort()
        return roots

    def _kind(self, slug: str, category: str) -> str:
        if category in KINDS:
            options = KINDS[category]
            return self.rng.choices([k for k, _w in options], weights=[w for _k, w in options], k=1)[0]
        return {"zatsudan": "chat", "kyo-no-ichimai": "photo", "kakikomi-renshu": "practice"}.get(
            slug, "announcement"
        )

    def _roles(self, kind: str, replies: int) -> list[str]:
        rng = self.rng
        if kind == "question":
            roles = ["answer"] * replies
            if replies >= 4 and rng.random() < 0.35:
                roles[1], roles[2] = "followup", "followup_answer"
            for i, role in enumerate(roles):
                if role == "answer" and i > 0 and rng.random() < 0.12:
                    roles[i] = "metoo"
            if replies >= 2 and rng.random() < 0.6:
                roles[-1] = "thanks"
            return roles
        if kind == "share":
            roles = ["share_reply"] * replies
            if replies >= 2:
                roles[1] = "share_answer"
            return roles
        single = {"event": "event_reply", "chat": "chat_reply", "photo": "photo_reply"}
        return [single.get(kind, "practice_reply")] * replies

    def _topic(self, slug: str, category: str) -> Topic | None:
        if category == ChannelCategory.THEME:
            return self.rng.choice(THEME_TOPICS[slug])
        if category == ChannelCategory.REGION:
            return casual.WEATHER_TOPIC if self.rng.random() < 0.2 else self.rng.choice(casual.REGION_TOPICS)
        return None

    def _start(
        self, index: int, moment: float, channel: int, kind: str, replies: int
    ) -> tuple[PlannedMessage, _Thread]:
        spec = self.channels[channel].spec
        crowd = self.crowd
        if kind == "announcement":
            author = crowd.operator()
        elif kind == "practice":
            author = crowd.recent_joiner(channel, moment) or crowd.speaker(channel, moment)
        elif kind == "event":
            author = crowd.speaker(channel, moment, accept=hosts_study_sessions(spec.slug))
        else:
            author = crowd.speaker(channel, moment, accept=speaks_to(spec.slug, ASKING))
        topic = self._topic(spec.slug, spec.category)
        if kind == "share" and (topic is None or not topic.shares):
            kind = "question"  # a topic with nothing to share asks instead
        thread = _Thread(channel, index, author, kind, topic, self._roles(kind, replies))
        text = self._root_text(thread, author, moment)
        stamps = self._stamps(index, channel, author, moment, kind if kind in STAMPING else "share")
        self.last_post[author] = max(self.last_post[author], moment)
        return PlannedMessage(channel, author, text, to_datetime(moment), None, stamps), thread

    def _reply(self, index: int, moment: float, thread: _Thread, position: int) -> PlannedMessage:
        rng = self.rng
        role = thread.roles[position]
        if role in ("thanks", "followup", "share_answer"):
            author = thread.asker
        else:
            slug = self.channels[thread.channel].spec.slug
            author = self.crowd.speaker(
                thread.channel,
                moment,
                exclude=(thread.asker, *thread.answerers),
                accept=speaks_to(slug, ANSWERING),
            )
        text = self._reply_text(thread, role, author, moment)
        what = "answer" if role in ("answer", "followup_answer") else "aside"
        if thread.kind in ("chat", "photo", "practice", "event"):
            what = "aside"
        stamps = self._stamps(index, thread.channel, author, moment, what)
        if role in ("answer", "followup_answer") and author != thread.asker and rng.random() < 0.5:
            when = to_datetime(self.timeline.later(rng, moment, 5, 240))
            stamps.append(PlannedReaction(index, thread.asker, "ありがとう", when))
        if role == "thanks" and rng.random() < 0.6:
            # The asker marks the question solved (解決), so others find the answer later.
            stamps.append(PlannedReaction(thread.root, thread.asker, "解決", to_datetime(moment)))
        if role in ("answer", "followup_answer", "metoo", "share_reply", "event_reply"):
            thread.answerers.append(author)
        self.last_post[author] = max(self.last_post[author], moment)
        return PlannedMessage(thread.channel, author, text, to_datetime(moment), thread.root, stamps)

    def stream(self, total: int) -> Iterator[PlannedMessage]:
        """Exactly ``total`` messages, oldest first."""
        waiting: list[tuple[float, int, int, _Thread]] = []  # (moment, order, position, thread)
        order = index = 0
        for moment, channel, kind, replies in self._plan_roots(total):
            while waiting and waiting[0][0] <= moment:
                when, _order, position, thread = heapq.heappop(waiting)
                yield self._reply(index, when, thread, position)
                index += 1
            message, thread = self._start(index, moment, channel, kind, replies)
            yield message
            index += 1
            pace = REPLY_PACE.get(kind, 60.0)
            for position, when in enumerate(self.timeline.reply_times(self.rng, moment, replies, pace)):
                heapq.heappush(waiting, (when, order, position, thread))
                order += 1
        while waiting:
            when, _order, position, thread = heapq.heappop(waiting)
            yield self._reply(index, when, thread, position)
            index += 1


JST_OFFSET = 9 * 3600.0


def spoken_population(population: int) -> str:
    """A population the way staff say it, roughly: 1,633 → 1,600; 50,911 → 5万; 303,316 → 30万."""
    if population >= 10_000:
        return f"{round(population / 10_000):,}万"
    return f"{round(population, -2) or 100:,}"


@lru_cache(maxsize=1024)
def _timely_slots(day_number: int) -> dict[str, SlotValue]:
    """Slots that depend on the day a post is written (fiscal year, a date two to four weeks on).

    Cached by day: a million messages fall on only about 540 days.
    """
    moment = to_datetime(day_number * DAY - JST_OFFSET + 12 * 3600)  # noon, Japan time
    fy = fiscal_year(moment)
    return {
        "fy": f"令和{fy}年度",
        "next_fy": f"令和{fy + 1}年度",
        "date": tuple(weekday_date(moment, days) for days in (14, 21, 28)),
    }
