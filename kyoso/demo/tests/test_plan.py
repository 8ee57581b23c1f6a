"""The demo's plan: deterministic, from every corner of Japan, and written so that every slot fills."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import islice
from random import Random

import pytest

from kyoso.demo.content import casual, community
from kyoso.demo.content.base import SlotValue, Topic, fill, slot_names
from kyoso.demo.content.channels import CHANNELS
from kyoso.demo.conversation import THEME_TOPICS, spoken_population
from kyoso.demo.generate import plan_community
from kyoso.demo.members import DEMO_MEMBER_EMAIL, DEMO_OPERATOR_EMAIL, DIGITAL_AGENCY_NAME
from kyoso.demo.plan import DEFAULT_SIZE, SMALL_SIZE, CommunityPlan, DemoSize
from kyoso.demo.queries import directory_snapshot
from kyoso.demo.tests.conftest import DEMO_NOW
from kyoso.demo.timeline import JST
from kyoso.directory.models import MunicipalityType, OrganizationKind, Region

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory")]


def plan(seed: int, size: DemoSize = SMALL_SIZE) -> CommunityPlan:
    return plan_community(directory_snapshot(), now=DEMO_NOW, seed=seed, size=size)


def fingerprint(community: CommunityPlan) -> tuple[Sequence[tuple[object, ...]], ...]:
    members = [
        (m.email, m.full_name, m.display_name, m.organization.code, m.department, m.role)
        for m in community.members
    ]
    channels = [(c.spec.slug, c.created_at) for c in community.channels]
    messages = [
        (m.channel, m.author, m.text, m.at, m.thread, [(r.message, r.member, r.stamp) for r in m.reactions])
        for m in community.stream
    ]
    return members, channels, messages


def test_same_seed_plans_the_same_community() -> None:
    assert fingerprint(plan(11)) == fingerprint(plan(11))


def test_different_seed_plans_a_different_community() -> None:
    first, second = fingerprint(plan(11)), fingerprint(plan(12))
    assert first[0] != second[0]
    assert [m[2] for m in first[2]] != [m[2] for m in second[2]]


def test_a_seed_keeps_its_people_whatever_the_number_of_messages() -> None:
    small = plan(11, DemoSize(members=40, organizations=30, messages=100))
    large = plan(11, DemoSize(members=40, organizations=30, messages=900))
    assert [m.email for m in small.members] == [m.email for m in large.members]


def test_the_stream_has_exactly_the_requested_number_of_messages_in_time_order() -> None:
    messages = list(plan(3, DemoSize(members=40, organizations=30, messages=777)).stream)
    assert len(messages) == 777
    assert [m.at for m in messages] == sorted(m.at for m in messages)
    assert all(m.at <= DEMO_NOW for m in messages)
    assert all(m.thread is None or m.thread < i for i, m in enumerate(messages))


def test_default_demo_draws_members_from_every_region_and_every_kind_of_organisation() -> None:
    community = plan(2026, DEFAULT_SIZE)
    active = [m for m in community.members if m.status == "active"]
    organizations = {m.organization.code: m.organization for m in community.members}
    assert 190 <= len(active) <= 210
    assert 100 <= len(organizations) <= 140
    assert {o.region for o in organizations.values()} >= set(Region.values)
    kinds = Counter(o.kind for o in organizations.values())
    types = Counter(o.municipality_type for o in organizations.values() if o.municipality_type)
    assert kinds[OrganizationKind.PREFECTURE] and kinds[OrganizationKind.DESIGNATED_CITY_WARD]
    assert kinds[OrganizationKind.NATIONAL_AGENCY] >= 5
    assert all(types[t] for t in MunicipalityType.values)  # cities, towns, villages and special wards
    names = {o.name for o in organizations.values()}
    assert {"裾野市", "久留米市", DIGITAL_AGENCY_NAME} <= names
    codes = {m.organization.code for m in community.members}
    assert {"222208", "402036"} <= codes


def test_members_have_japanese_names_with_readings_and_demo_addresses_on_their_own_domain() -> None:
    community = plan(5)
    emails = [m.email for m in community.members]
    assert len(emails) == len(set(emails))
    assert {DEMO_MEMBER_EMAIL, DEMO_OPERATOR_EMAIL} <= set(emails)
    for member in community.members:
        local, domain = member.email.split("@")
        assert local.startswith("demo+")
        assert domain == member.organization.domain or member.email in (
            DEMO_MEMBER_EMAIL,
            DEMO_OPERATOR_EMAIL,
        )
        assert " " in member.full_name and " " in member.full_name_kana
        assert all("\u3041" <= ch <= "\u309f" or ch == " " for ch in member.full_name_kana)
        assert member.department and member.title and member.bio and member.interests


def test_roles_include_operators_a_moderator_advisors_and_ambassadors() -> None:
    roles = Counter(m.role for m in plan(2026, DEFAULT_SIZE).members)
    assert roles["operator"] == 3
    assert roles["moderator"] == 1
    assert roles["advisor"] == 2
    assert 5 <= roles["ambassador"] <= 30
    assert roles["member"] > roles["ambassador"]


def test_most_messages_fall_in_office_hours_on_weekdays() -> None:
    messages = list(islice(plan(9, DemoSize(members=60, organizations=40, messages=3000)).stream, 3000))
    local = [m.at.astimezone(JST) for m in messages]
    office = [t for t in local if t.weekday() < 5 and (8, 30) <= (t.hour, t.minute) < (18, 0)]
    assert len(office) / len(local) > 0.85
    assert sum(t.weekday() >= 5 for t in local) / len(local) < 0.03


@pytest.mark.parametrize(
    ("population", "spoken"),
    [(1_633, "1,600"), (40, "100"), (50_911, "5万"), (303_316, "30万"), (1_612_392, "161万")],
)
def test_populations_are_said_the_way_staff_say_them(population: int, spoken: str) -> None:
    assert spoken_population(population) == spoken


def _all_templates() -> list[tuple[str, dict[str, SlotValue]]]:
    """Every template of the content, with the slots the generator gives it."""
    context: dict[str, SlotValue] = {
        "we": "当市", "org": "久留米市", "dept": "市民課", "name": "森田", "pref": "福岡県",
        "region_name": "九州・沖縄", "fy": "令和8年度", "next_fy": "令和9年度", "date": "12月9日（水）",
        "asker": "佐藤", "answerer": "鈴木", "agency_point": "補足です。", "weather": "大雨",
        "event_theme": "窓口DX", **community.COMMON_SLOTS,
    }  # fmt: skip
    found: list[tuple[str, dict[str, SlotValue]]] = []

    def add(templates: object, *extra: Mapping[str, SlotValue]) -> None:
        slots: dict[str, SlotValue] = {**context}
        for e in extra:
            slots.update(e)
        for template in templates:  # type: ignore[attr-defined]
            text = template if isinstance(template, str) else template[0]
            found.append((text, slots))
            if not isinstance(template, str):
                found.extend((reply, slots) for reply in template[1])

    topics: list[Topic] = [t for ts in THEME_TOPICS.values() for t in ts]
    topics += [*casual.REGION_TOPICS, casual.WEATHER_TOPIC]
    for topic in topics:
        add((*topic.questions, *topic.answers, *topic.shares, *topic.followups), dict(topic.slots))
    add(community.GREETINGS + community.SELF_INTRODUCTIONS + community.ASK_CLOSERS)
    add(community.ANSWER_OPENERS + community.ANSWER_CLOSERS + community.ME_TOO + community.AGREEMENTS)
    add(community.THANKS, community.THANKS_SLOTS)
    add(community.SHARE_REPLIES + community.SHARE_ANSWERS + community.FOLLOWUP_ANSWERS)
    add(community.AGENCY_NOTES + community.PREFECTURE_NOTES)
    add(community.STUDY_SESSION_POSTS + community.STUDY_SESSION_REPLIES, community.STUDY_SESSION_SLOTS)
    for question, answers in community.GENERIC_FOLLOWUPS:
        add((question, *answers))
    for posts in (*casual.SMALL_TALK_BY_MONTH.values(), casual.SMALL_TALK, casual.SMALL_TALK_REPLIES):
        add(posts, casual.SMALL_TALK_SLOTS)
    for posts in (*casual.PHOTOS_BY_MONTH.values(), casual.PHOTOS, casual.PHOTO_REPLIES):
        add(posts, casual.PHOTO_SLOTS)
    add(casual.PRACTICE_POSTS + casual.PRACTICE_REPLIES, casual.PRACTICE_SLOTS)
    for posts in (casual.ANNOUNCEMENTS, *casual.ANNOUNCEMENTS_BY_MONTH.values()):
        add(posts, casual.ANNOUNCEMENT_SLOTS)
    return found


def test_every_template_fills_all_its_slots() -> None:
    templates = _all_templates()
    assert len(templates) > 500
    rng = Random(1)
    for template, slots in templates:
        text = fill(template, rng, slots)
        assert "{" not in text and "}" not in text, (template, slot_names(template))
        assert text.strip()


def test_channels_are_the_twenty_of_the_demo() -> None:
    by_name = {c.name: c for c in CHANNELS}
    assert len(CHANNELS) == 20
    themes = {"窓口DX", "書かない窓口", "おくやみ", "ガバメントクラウド", "自治体システム標準化",
              "マイナンバー", "子育て", "防災", "AI・RPA"}  # fmt: skip
    regions = {"北海道", "東北", "関東", "中部", "近畿", "中国・四国", "九州・沖縄"}
    assert {n for n, c in by_name.items() if c.category == "theme"} == themes
    assert {n for n, c in by_name.items() if c.category == "region"} == regions
    assert {n for n, c in by_name.items() if c.category == "casual"} == {"雑談", "今日の一枚", "書き込み練習"}
    assert {n for n, c in by_name.items() if c.is_default} == {"お知らせ", "雑談", "書き込み練習"}
    assert (
        by_name["お知らせ"].category == "announcement" and by_name["お知らせ"].posting_policy == "operators"
    )
    assert all(c.title and c.purpose and c.slug.isascii() for c in CHANNELS)
    # Every region of the directory has a channel.
    assert {r for c in CHANNELS for r in c.regions} == set(Region.values)
