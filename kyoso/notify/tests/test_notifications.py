"""Which posts notify whom, of what kind, and how reading anywhere reads them."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from kyoso.accounts.models import MemberStatus
from kyoso.chat import actions as chat
from kyoso.chat.models import ChannelKind, NotifyLevel, ThreadFollow
from kyoso.core import events
from kyoso.notify import actions, kinds, queries
from kyoso.notify.errors import NotificationNotFound, UnknownKind
from kyoso.notify.models import MailState, Notification
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def town() -> dict[str, object]:
    kurume, yame = make_organization("久留米市"), make_organization("八女市")
    hanako = make_member(kurume, display_name="久留米 花子")
    taro = make_member(yame, display_name="八女 太郎")
    jiro = make_member(yame, display_name="八女 次郎")
    desk = make_channel("窓口業務", creator=taro, members=[hanako, jiro])
    return {"hanako": hanako, "taro": taro, "jiro": jiro, "desk": desk}


def mention(member: object) -> str:
    return f"@[{member.display_name}](member:{member.pk})"  # type: ignore[attr-defined]


def kinds_of(member: Any) -> list[str]:
    return list(Notification.objects.filter(recipient=member).order_by("id").values_list("kind", flat=True))


def test_a_mention_notifies_the_named_member_only_and_not_the_author(town) -> None:
    message = make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 手順を教えてください")
    [item] = Notification.objects.filter(recipient=town["hanako"])
    assert (item.kind, item.message_id, item.actor_id, item.read_at) == (
        "mention",
        message.pk,
        town["taro"].pk,
        None,
    )
    assert item.mail_state == MailState.PENDING
    assert kinds_of(town["jiro"]) == [] and kinds_of(town["taro"]) == []
    assert queries.unread_count(town["hanako"]) == 1


def test_a_reply_notifies_the_threads_followers_once_each_with_the_telling_kind(town) -> None:
    question = make_message(town["desk"], town["hanako"], "おくやみ窓口、どう始めましたか？")
    make_message(town["desk"], town["jiro"], "うちは去年から", thread=question)  # jiro follows by replying
    assert kinds_of(town["hanako"]) == ["thread_reply"]  # the asker follows their own thread
    make_message(town["desk"], town["taro"], f"{mention(town['jiro'])} 資料を共有します", thread=question)
    assert kinds_of(town["jiro"]) == ["mention"]  # a follower named in the reply: one item, a mention
    assert kinds_of(town["hanako"]) == ["thread_reply", "thread_reply"]


def test_being_named_in_a_thread_follows_it_with_that_reply_unread(town) -> None:
    question = make_message(town["desk"], town["hanako"], "質問です")
    reply = make_message(
        town["desk"], town["taro"], f"{mention(town['jiro'])} どう思いますか", thread=question
    )
    follow = ThreadFollow.objects.get(member=town["jiro"], thread_root=question)
    assert follow.following and follow.last_read_reply_id < reply.pk
    make_message(town["desk"], town["hanako"], "補足です", thread=question)
    assert kinds_of(town["jiro"]) == ["mention", "thread_reply"]


def test_an_explicit_unfollow_is_kept_when_named_again(town) -> None:
    question = make_message(town["desk"], town["hanako"], "質問です")
    chat.follow_thread(member=town["jiro"], thread=question)
    chat.unfollow_thread(member=town["jiro"], thread=question)
    make_message(town["desk"], town["taro"], f"{mention(town['jiro'])} 念のため", thread=question)
    assert not ThreadFollow.objects.get(member=town["jiro"], thread_root=question).following
    make_message(town["desk"], town["hanako"], "追記です", thread=question)
    assert kinds_of(town["jiro"]) == ["mention"]  # named once; the later reply does not reach them


def test_a_direct_message_notifies_the_other_person(town) -> None:
    dm = chat.open_direct_conversation(member=town["taro"], others=[town["hanako"]])
    assert dm.kind == ChannelKind.DIRECT
    chat.post_message(author=town["taro"], channel=dm, text="少しご相談が")
    assert kinds_of(town["hanako"]) == ["direct_message"]
    assert kinds_of(town["taro"]) == []


def test_channel_mentions_reach_members_but_not_the_muted_and_all_level_gets_every_post(town) -> None:
    chat.set_notify_level(member=town["jiro"], channel=town["desk"], level=NotifyLevel.MUTED)
    make_message(town["desk"], town["taro"], "@channel 明日は窓口を閉めます")
    assert kinds_of(town["hanako"]) == ["channel_mention"]
    assert kinds_of(town["jiro"]) == []
    make_message(town["desk"], town["taro"], f"{mention(town['jiro'])} ミュートでも名指しは届きます")
    assert kinds_of(town["jiro"]) == ["mention"]
    chat.set_notify_level(member=town["hanako"], channel=town["desk"], level=NotifyLevel.ALL)
    plain = make_message(town["desk"], town["taro"], "ふつうの投稿")
    item = Notification.objects.get(recipient=town["hanako"], message=plain)
    assert item.kind == "channel_message"
    assert item.mail_state == MailState.SKIPPED  # every post of a channel is for the app, not for mail


def test_the_notify_level_is_for_joined_members_and_known_levels_only(town) -> None:
    from kyoso.chat.errors import InvalidNotifyLevel, NotJoined

    outsider = make_member(make_organization("大牟田市"))
    with pytest.raises(NotJoined):
        chat.set_notify_level(member=outsider, channel=town["desk"], level=NotifyLevel.MUTED)
    with pytest.raises(InvalidNotifyLevel):
        chat.set_notify_level(member=town["hanako"], channel=town["desk"], level="loud")


def test_reading_the_channel_anywhere_reads_its_notifications_and_tells_every_tab(town) -> None:
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 一つ目")
    question = make_message(town["desk"], town["hanako"], "質問")
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} スレッドの中で", thread=question)
    assert queries.unread_count(town["hanako"]) == 2
    heard: list[tuple[str, dict]] = []
    unsubscribe = events.subscribe(lambda audience, event: heard.append((audience, event)))
    try:
        chat.mark_channel_read(member=town["hanako"], channel=town["desk"])
    finally:
        unsubscribe()
    # The stream's mention is read; the reply kept in its thread is not, until the thread is read.
    assert queries.unread_count(town["hanako"]) == 1
    assert (f"member:{town['hanako'].pk}", "notification.read") in [(a, e["type"]) for a, e in heard]
    chat.mark_thread_read(member=town["hanako"], thread=question)
    assert queries.unread_count(town["hanako"]) == 0
    # Read in time: none of them will be mailed.
    assert set(
        Notification.objects.filter(recipient=town["hanako"]).values_list("mail_state", flat=True)
    ) == {MailState.SKIPPED}


def test_a_notification_from_a_private_channel_one_left_is_neither_shown_nor_counted(town) -> None:
    room = make_channel("内部", creator=town["taro"], members=[town["hanako"]], kind=ChannelKind.PRIVATE)
    make_message(room, town["taro"], f"{mention(town['hanako'])} 内緒の話")
    assert queries.unread_count(town["hanako"]) == 1
    chat.leave_channel(member=town["hanako"], channel=room)
    assert queries.unread_count(town["hanako"]) == 0
    assert queries.notification_page(town["hanako"]).items == []


def test_a_later_feature_notifies_through_the_registry_and_unknown_kinds_are_refused(town) -> None:
    kinds.register(
        kinds.NotificationKind(
            key="test_reminder", label="テストのお知らせ", describe=lambda n: "明日は勉強会です"
        )
    )
    suspended = make_member(make_organization("大川市"))
    suspended.status = MemberStatus.SUSPENDED
    suspended.save(update_fields=["status"])
    made = actions.notify(recipients=[town["hanako"], suspended], kind="test_reminder", data={"url": "/"})
    assert made == 1
    [item] = Notification.objects.filter(kind="test_reminder")
    assert item.recipient_id == town["hanako"].pk and kinds.describe(item) == "明日は勉強会です"
    with pytest.raises(UnknownKind):
        actions.notify(recipients=[town["hanako"]], kind="no_such_kind")


def test_a_kind_the_member_muted_is_not_made(town) -> None:
    actions.update_settings(member=town["hanako"], muted_kinds=["channel_mention"])
    make_message(town["desk"], town["taro"], "@here 見てください")
    assert kinds_of(town["hanako"]) == [] and kinds_of(town["jiro"]) == ["channel_mention"]


def test_a_post_that_rolls_back_leaves_no_notification(town) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 取り消される投稿")
        raise RuntimeError("rolled back")
    assert Notification.objects.count() == 0


def test_mark_read_is_for_ones_own_notifications(town) -> None:
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 確認お願いします")
    item = Notification.objects.get(recipient=town["hanako"])
    with pytest.raises(NotificationNotFound):
        actions.mark_read(member=town["jiro"], notification_id=item.pk)
    assert actions.mark_read(member=town["hanako"], notification_id=item.pk).read_at is not None
    assert queries.unread_count(town["hanako"]) == 0
