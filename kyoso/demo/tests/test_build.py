"""The demo as written to the database: accounts that sign in, channels, threads, stamps and safe HTML."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import authenticate
from django.db.models import Count, F

from kyoso.accounts.models import Application, ApplicationStatus, Eligibility, Member, MemberStatus, Role
from kyoso.chat.actions import DEFAULT_STAMPS
from kyoso.chat.markdown import ALLOWED_TAGS, render_message
from kyoso.chat.models import Channel, ChannelCategory, ChannelMembership, Message, PostingPolicy, Reaction
from kyoso.chat.queries import joined_channels
from kyoso.demo.actions import NEWS_FOR_THE_DEMO_MEMBER, DemoSummary, build_demo, planned_size, remove_demo
from kyoso.demo.generate import plan_community
from kyoso.demo.members import DEMO_MEMBER_EMAIL, DEMO_MEMBER_PASSWORD, DEMO_OPERATOR_EMAIL
from kyoso.demo.plan import SMALL_SIZE, DemoSize
from kyoso.demo.queries import demo_counts, directory_snapshot
from kyoso.demo.tests.conftest import DEMO_NOW, TEST_OPERATOR_PASSWORD, TEST_SEED
from kyoso.directory.models import Organization
from kyoso.testing.badges import unread_count

pytestmark = pytest.mark.django_db


def test_messages_are_the_planned_ones_in_id_order(small_demo: DemoSummary) -> None:
    planned = plan_community(
        directory_snapshot(), now=DEMO_NOW, seed=TEST_SEED, size=planned_size(SMALL_SIZE)
    )
    texts = list(Message.objects.order_by("id").values_list("text", flat=True))
    # The planned history, then the news posted for the demo member: exactly the size asked for.
    assert texts[:-NEWS_FOR_THE_DEMO_MEMBER] == [m.text for m in planned.stream]
    assert small_demo.messages == len(texts) == SMALL_SIZE.messages


def test_an_answer_and_a_mention_wait_for_the_demo_member(small_demo: DemoSummary) -> None:
    from kyoso.notify.models import Notification

    member = Member.objects.get(email=DEMO_MEMBER_EMAIL)
    waiting = Notification.objects.filter(recipient=member, read_at__isnull=True)
    assert sorted(waiting.values_list("kind", flat=True)) == ["mention", "thread_reply"]
    assert all(item.created_at < DEMO_NOW for item in waiting)  # old enough to be mailed as missed


def test_the_required_organisations_have_members(small_demo: DemoSummary) -> None:
    with_members = Organization.objects.filter(members__isnull=False)
    assert with_members.filter(code="222208").exists()  # 静岡県裾野市
    assert with_members.filter(code="402036").exists()  # 福岡県久留米市
    assert with_members.filter(name="デジタル庁").exists()


def test_channels_have_their_categories_and_posting_policies(small_demo: DemoSummary) -> None:
    channels = {c.name: c for c in Channel.objects.all()}
    assert len(channels) == 20
    announcements = channels["お知らせ"]
    assert announcements.category == ChannelCategory.ANNOUNCEMENT
    assert announcements.posting_policy == PostingPolicy.OPERATORS
    assert {n for n, c in channels.items() if c.is_default} == {"お知らせ", "雑談", "書き込み練習"}
    assert channels["書かない窓口"].category == ChannelCategory.THEME
    assert channels["九州・沖縄"].category == ChannelCategory.REGION
    assert channels["今日の一枚"].category == ChannelCategory.CASUAL
    # Only operators wrote in お知らせ, and nobody replied there.
    authors = Message.objects.filter(channel=announcements).values_list("author__role", flat=True)
    assert set(authors) <= {Role.OPERATOR}
    assert not Message.objects.filter(channel=announcements, thread_root__isnull=False).exists()


def test_the_demo_member_and_operator_can_sign_in(small_demo: DemoSummary) -> None:
    member = authenticate(email=DEMO_MEMBER_EMAIL, password=DEMO_MEMBER_PASSWORD)
    operator = authenticate(email=DEMO_OPERATOR_EMAIL, password=TEST_OPERATOR_PASSWORD)
    assert member is not None and operator is not None
    assert member.affiliation == "久留米市 · 市民課"
    assert member.role == Role.MEMBER and member.status == MemberStatus.ACTIVE
    assert operator.role == Role.OPERATOR and operator.is_staff and operator.is_superuser
    assert authenticate(email=DEMO_MEMBER_EMAIL, password="wrong-password") is None
    # The operator (who can open the admin) never has the published password.
    assert authenticate(email=DEMO_OPERATOR_EMAIL, password=DEMO_MEMBER_PASSWORD) is None
    assert operator.password.startswith("md5$")  # stored hashed (MD5 only in these tests)


def test_the_sign_in_addresses_are_on_their_organisations_domains(small_demo: DemoSummary) -> None:
    member = Member.objects.get(email=DEMO_MEMBER_EMAIL)
    operator = Member.objects.get(email=DEMO_OPERATOR_EMAIL)
    assert member.organization is not None and operator.organization is not None
    assert member.organization.code == "402036"
    assert operator.organization.name == "デジタル庁"
    for account in (member, operator):
        domain = account.email.split("@")[1]
        assert account.organization is not None
        assert account.organization.domains.filter(domain=domain).exists()


def test_other_demo_members_cannot_sign_in(small_demo: DemoSummary) -> None:
    others = Member.objects.exclude(email__in=[DEMO_MEMBER_EMAIL, DEMO_OPERATOR_EMAIL])
    assert others.exists()
    assert not any(m.has_usable_password() for m in others)


def test_every_active_member_belongs_to_the_default_channels(small_demo: DemoSummary) -> None:
    defaults = set(Channel.objects.filter(is_default=True).values_list("pk", flat=True))
    for member in Member.objects.filter(status=MemberStatus.ACTIVE):
        joined = set(ChannelMembership.objects.filter(member=member).values_list("channel_id", flat=True))
        assert defaults <= joined, member.email
    # People still waiting for approval are applications, not members: they have joined nothing yet.
    assert not Member.objects.filter(status=MemberStatus.PENDING).exists()


def test_applicants_wait_in_the_review_queue_with_their_evidence(small_demo: DemoSummary) -> None:
    waiting = Application.objects.filter(status=ApplicationStatus.IN_REVIEW)
    assert waiting.count() >= 2
    assert not Member.objects.filter(email__in=waiting.values("email")).exists()
    for application in waiting:
        assert application.email.startswith("demo+")
        assert application.eligibility in {
            Eligibility.OTHER_DOMAIN,
            Eligibility.GOVERNMENT_MISMATCH,
            Eligibility.OTHER_PUBLIC_BODY,
        }
        assert application.eligibility_detail
        assert application.email_verified_at is not None
    assert {a.eligibility for a in waiting} >= {Eligibility.OTHER_DOMAIN, Eligibility.GOVERNMENT_MISMATCH}


def test_authors_and_stampers_had_joined_the_channel_beforehand(small_demo: DemoSummary) -> None:
    joined = {
        (c, m): at
        for c, m, at in ChannelMembership.objects.values_list("channel_id", "member_id", "joined_at")
    }
    for channel, author, at in Message.objects.values_list("channel_id", "author_id", "created_at"):
        assert joined[(channel, author)] <= at
    for channel, member, at in Reaction.objects.values_list("message__channel_id", "member_id", "created_at"):
        assert joined[(channel, member)] <= at


def test_national_staff_do_not_talk_in_region_channels(small_demo: DemoSummary) -> None:
    region_talk = Message.objects.filter(channel__category=ChannelCategory.REGION)
    assert region_talk.exists()
    assert not region_talk.filter(author__organization__kind="national_agency").exists()


def test_threads_have_replies_and_reply_counts_match(small_demo: DemoSummary) -> None:
    parents = Message.objects.filter(thread_root__isnull=True).annotate(n=Count("replies"))
    assert parents.filter(n__gte=3).exists()
    assert not parents.exclude(reply_count=F("n")).exists()
    for parent in parents.filter(n__gt=0)[:50]:
        last = parent.replies.order_by("-created_at").first()
        assert last is not None
        assert parent.last_reply_at == last.created_at
        assert all(reply.channel_id == parent.channel_id for reply in parent.replies.all())
    # Replies come from other organisations too, not only the asker's.
    cross = Message.objects.filter(thread_root__isnull=False).exclude(
        author__organization=F("thread_root__author__organization")
    )
    assert cross.count() > Message.objects.filter(thread_root__isnull=False).count() / 2


def test_stamps_are_the_default_stamps_and_solved_marks_questions(small_demo: DemoSummary) -> None:
    reactions = Reaction.objects.select_related("stamp")
    assert reactions.count() > SMALL_SIZE.messages / 2
    assert {r.stamp.name for r in reactions} <= {name for name, _emoji in DEFAULT_STAMPS}
    assert all(r.stamp.is_default for r in reactions)
    solved = reactions.filter(stamp__name="解決")
    assert solved.exists()
    # 解決 goes on the first message of a thread, from the one who asked.
    assert not solved.filter(message__thread_root__isnull=False).exists()
    assert not solved.exclude(member=F("message__author")).exists()
    assert not reactions.filter(member=F("message__author")).exclude(stamp__name="解決").exists()


def test_message_html_is_the_sanitised_rendering_of_its_text(small_demo: DemoSummary) -> None:
    tags = set()
    for text, html in Message.objects.values_list("text", "html"):
        assert html == render_message(text)
        tags |= set(re.findall(r"</?([a-z0-9]+)", html))
    assert tags <= ALLOWED_TAGS
    assert {"p", "strong", "ul", "li"} <= tags  # some posts use Markdown


def test_the_demo_member_sees_a_few_unread_messages_not_the_whole_history(small_demo: DemoSummary) -> None:
    member = Member.objects.get(email=DEMO_MEMBER_EMAIL)
    unread = {c.name: unread_count(c) for c in joined_channels(member)}
    assert "窓口DX" in unread and "雑談" in unread
    assert sum(unread.values()) < Message.objects.count() / 10


def test_no_demo_member_finds_messages_from_before_they_joined_unread(small_demo: DemoSummary) -> None:
    memberships = ChannelMembership.objects.values_list(
        "channel_id", "member_id", "joined_at", "last_read_message_id"
    )
    for channel_id, member_id, joined_at, last_read in memberships:
        older_unread = (
            Message.objects.filter(channel_id=channel_id, created_at__lt=joined_at, pk__gt=last_read)
            .exclude(author_id=member_id)
            .filter(deleted_at__isnull=True, thread_root__isnull=True)
        )
        assert not older_unread.exists(), f"member {member_id} has history of channel {channel_id} unread"


def test_demo_counts_describe_the_demo(small_demo: DemoSummary) -> None:
    counts = demo_counts()
    assert counts.exists
    assert counts.members == small_demo.members
    assert counts.channels == 20
    assert counts.messages == SMALL_SIZE.messages


def test_removing_the_demo_keeps_everyone_else(small_demo: DemoSummary) -> None:
    kurume = Organization.objects.get(code="402036")
    outsider = Member.objects.create_user(
        "tanaka@city.kurume.fukuoka.jp", full_name="田中 一郎", display_name="田中", organization=kurume
    )
    own = Channel.objects.create(slug="kurume-only", name="久留米", created_at=DEMO_NOW)
    removed = remove_demo()
    assert removed.members == small_demo.members
    assert removed.channels == 20
    assert not demo_counts().exists
    assert not Message.objects.exists() and not Reaction.objects.exists()
    assert Member.objects.filter(pk=outsider.pk).exists()
    assert Channel.objects.filter(pk=own.pk).exists()


def test_a_demo_built_after_a_removal_is_the_same_again(small_demo: DemoSummary) -> None:
    def messages() -> list[tuple[str, object]]:
        # A mention names the member by id, and a rebuilt demo's members have new ids.
        rows = Message.objects.order_by("id").values_list("text", "created_at")
        return [(re.sub(r"\(member:\d+\)", "(member:N)", text), at) for text, at in rows]

    before = messages()
    remove_demo()
    build_demo(seed=TEST_SEED, size=SMALL_SIZE, now=DEMO_NOW)
    assert messages() == before


def test_members_scale_with_the_number_of_messages() -> None:
    assert DemoSize.for_messages(1_000_000).members == 4_000
    assert DemoSize.for_messages(1_000).members == 200


def test_the_worker_started_beside_the_demo_warns_and_suspends_nobody(small_demo: DemoSummary) -> None:
    # `kyoso serve` starts `kyoso worker`, which runs the membership rounds at once: the demo's members
    # have signed in lately, so the inactivity round has no one to warn or deactivate.
    from kyoso.accounts.actions.lifecycle import deactivate_inactive_members, warn_inactive_members

    assert warn_inactive_members(now=DEMO_NOW, dry_run=True) == []
    assert deactivate_inactive_members(now=DEMO_NOW, dry_run=True) == []
