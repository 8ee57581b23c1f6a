"""Digests (まとめメール) for members who were away, sent by the periodic job through a real SMTP server.

The fixture community: 福岡県 (九州・沖縄) with 久留米市 and 八女市, 熊本県 beside it. 花子 of 久留米市
joined #窓口業務 and muted #雑談; the region channel #九州・沖縄 is hers without joining. The job is
called with ``now=`` at 日本時間 07:05, just after the day's slot (07:00).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from kyoso.accounts.models import MemberSession
from kyoso.chat.actions import set_notify_level
from kyoso.chat.models import ChannelCategory, NotifyLevel
from kyoso.core.models import Mail
from kyoso.core.tests.smtp import Inbox
from kyoso.directory.models import OrganizationKind
from kyoso.notify import digests
from kyoso.notify.digests import build_digests, current_slot, due_members, send_digests
from kyoso.notify.models import Digest, DigestLog, NotificationSettings
from kyoso.notify.tests.mail_support import SITE, html, inbox, mails_to, plain
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization

__all__ = ["inbox"]  # the fixture, used by name

pytestmark = pytest.mark.django_db(transaction=True)

JST = ZoneInfo("Asia/Tokyo")
# Thursday 2026-12-10, 07:05 日本時間: five minutes after the day's digests fell due.
NOW = datetime(2026, 12, 10, 7, 5, tzinfo=JST)
SLOT = datetime(2026, 12, 10, 7, 0, tzinfo=JST)
LONG_AGO = NOW - timedelta(days=400)


@pytest.fixture(autouse=True)
def digest_hour() -> Any:
    with override_settings(KYOSO_NOTIFY_DIGEST_HOUR=7):
        yield


@pytest.fixture
def town() -> dict[str, Any]:
    fukuoka = make_organization(
        "福岡県", kind=OrganizationKind.PREFECTURE, region="kyushu_okinawa", code="400009"
    )
    kumamoto = make_organization(
        "熊本県", kind=OrganizationKind.PREFECTURE, region="kyushu_okinawa", code="430005"
    )
    kurume = make_organization("久留米市", prefecture=fukuoka, region="kyushu_okinawa")
    yame = make_organization("八女市", prefecture=fukuoka, region="kyushu_okinawa")
    aso = make_organization("阿蘇市", prefecture=kumamoto, region="kyushu_okinawa")
    hanako = make_member(kurume, display_name="久留米 花子", date_joined=LONG_AGO)
    taro = make_member(yame, display_name="八女 太郎", date_joined=LONG_AGO)
    desk = make_channel("窓口業務", creator=taro, members=[hanako])
    chat = make_channel("雑談", creator=taro, members=[hanako], category=ChannelCategory.CASUAL)
    set_notify_level(member=hanako, channel=chat, level=NotifyLevel.MUTED)
    kyushu = make_channel("九州・沖縄", creator=taro, category=ChannelCategory.REGION, slug="kyushu-okinawa")
    kanto = make_channel("関東", creator=taro, category=ChannelCategory.REGION, slug="kanto")
    other = make_channel("防災", creator=taro)  # hanako has not joined it
    return {
        "hanako": hanako,
        "taro": taro,
        "desk": desk,
        "chat": chat,
        "kyushu": kyushu,
        "kanto": kanto,
        "other": other,
        "kurume": kurume,
        "yame": yame,
        "aso": aso,
    }


def thread(channel: Any, author: Any, text: str, *, replies: int, at: datetime) -> Any:
    root = make_message(channel, author, text, at=at - timedelta(hours=1))
    for n in range(replies):
        make_message(channel, author, f"返信{n}", thread=root, at=at + timedelta(minutes=n))
    return root


def busy_week(town: dict[str, Any]) -> dict[str, Any]:
    taro = town["taro"]
    return {
        "desk": thread(town["desk"], taro, "転入届の様式を共有します", replies=3, at=NOW - timedelta(days=2)),
        "kyushu": thread(
            town["kyushu"], taro, "九州の勉強会のお知らせ", replies=2, at=NOW - timedelta(hours=5)
        ),
        "muted": thread(town["chat"], taro, "週末の天気", replies=9, at=NOW - timedelta(days=1)),
        "kanto": thread(town["kanto"], taro, "関東の集まり", replies=9, at=NOW - timedelta(days=1)),
        "unjoined": thread(town["other"], taro, "防災訓練", replies=9, at=NOW - timedelta(days=1)),
        "old": thread(town["desk"], taro, "先月の話題", replies=9, at=NOW - timedelta(days=20)),
    }


def test_the_weekly_digest_lists_active_threads_of_my_channels_and_region_and_newcomers_of_my_prefecture(
    inbox: Inbox, town: dict[str, Any]
) -> None:
    roots = busy_week(town)
    newcomer = make_member(town["yame"], display_name="八女 新人", date_joined=NOW - timedelta(days=3))
    make_member(town["aso"], display_name="阿蘇 新人", date_joined=NOW - timedelta(days=3))
    make_member(town["kurume"], display_name="久留米 古参", date_joined=NOW - timedelta(days=30))
    hanako = town["hanako"]

    assert send_digests(now=NOW) >= 1

    [mail] = mails_to(inbox, hanako)
    assert str(mail["Subject"]).strip() == "[kyoso] 今週の kyoso のまとめ（12月3日から）"
    text = plain(mail)
    assert "久留米 花子 さん" in text
    assert "盛り上がっているスレッド" in text
    # Most replies first: the desk thread (3) before the region one (2); nothing muted, unjoined,
    # of another region, or older than the week.
    assert text.index("転入届の様式を共有します") < text.index("九州の勉強会のお知らせ")
    assert "新しい返信 3件" in text
    for absent in ("週末の天気", "関東の集まり", "防災訓練", "先月の話題"):
        assert absent not in text
    link = f"{SITE}/channels/{quote(town['desk'].slug)}/threads/{roots['desk'].pk}/"
    assert link in text
    assert "同じ都道府県の新しいメンバー" in text
    assert "八女 新人さん（八女市）" in text and f"{SITE}/accounts/members/{newcomer.pk}/" in text
    assert "阿蘇 新人" not in text and "久留米 古参" not in text
    page = html(mail)
    assert 'lang="ja"' in page and "転入届の様式を共有します" in page
    assert str(mail["List-Unsubscribe"]).strip().startswith(f"<{SITE}/notifications/unsubscribe/")
    assert str(mail["List-Unsubscribe-Post"]).strip() == "List-Unsubscribe=One-Click"
    log = DigestLog.objects.get(member=hanako)
    assert log.slot == SLOT and log.checked_slot == SLOT
    assert log.mail is not None and mail["Message-ID"] == log.mail.message_id


def test_a_second_pass_for_the_same_day_sends_nothing_again(inbox: Inbox, town: dict[str, Any]) -> None:
    busy_week(town)
    first = send_digests(now=NOW)
    assert first >= 1

    assert send_digests(now=NOW + timedelta(minutes=10)) == 0
    assert send_digests(now=NOW + timedelta(hours=12)) == 0
    assert len(mails_to(inbox, town["hanako"])) == 1
    assert Mail.objects.filter(template="notify_digest").count() == first


def test_no_digest_for_a_member_who_visited_since_the_last_one(inbox: Inbox, town: dict[str, Any]) -> None:
    busy_week(town)
    hanako = town["hanako"]
    MemberSession.objects.create(member=hanako, session_key="s1", last_seen_at=NOW - timedelta(days=1))

    send_digests(now=NOW)

    assert mails_to(inbox, hanako) == []
    assert DigestLog.objects.get(member=hanako).checked_slot == SLOT
    assert DigestLog.objects.get(member=hanako).slot is None


def test_a_sign_in_counts_as_a_visit(inbox: Inbox, town: dict[str, Any]) -> None:
    busy_week(town)
    hanako = town["hanako"]
    hanako.last_login = NOW - timedelta(days=2)
    hanako.save(update_fields=["last_login"])

    send_digests(now=NOW)

    assert mails_to(inbox, hanako) == []


def test_no_digest_when_there_is_nothing_to_say(inbox: Inbox, town: dict[str, Any]) -> None:
    thread(town["desk"], town["taro"], "先月の話題", replies=5, at=NOW - timedelta(days=20))
    thread(town["chat"], town["taro"], "ミュート中", replies=5, at=NOW - timedelta(days=1))

    send_digests(now=NOW)

    assert mails_to(inbox, town["hanako"]) == []
    assert DigestLog.objects.get(member=town["hanako"]).checked_slot == SLOT


def test_daily_covers_a_day_and_comes_again_the_next_day_while_weekly_waits_a_week(
    inbox: Inbox, town: dict[str, Any]
) -> None:
    hanako, taro = town["hanako"], town["taro"]
    NotificationSettings.objects.create(member=hanako, digest=Digest.DAILY)
    thread(town["desk"], taro, "三日前の話題", replies=4, at=NOW - timedelta(days=3))
    thread(town["desk"], taro, "昨日の話題", replies=1, at=NOW - timedelta(hours=20))

    send_digests(now=NOW)

    [first] = mails_to(inbox, hanako)
    assert str(first["Subject"]).strip() == "[kyoso] 12月9日からの kyoso のまとめ"
    assert "昨日の話題" in plain(first) and "三日前の話題" not in plain(first)
    # 太郎 is weekly (no settings row): the replies of three days ago are in his week.
    assert "三日前の話題" in plain(mails_to(inbox, taro)[0])

    tomorrow = NOW + timedelta(days=1)
    thread(town["desk"], taro, "今日の話題", replies=1, at=tomorrow - timedelta(hours=3))
    send_digests(now=tomorrow)

    second = mails_to(inbox, hanako)[1]
    assert "今日の話題" in plain(second) and "昨日の話題" not in plain(second)
    assert DigestLog.objects.get(member=hanako).slot == SLOT + timedelta(days=1)


def test_weekly_members_get_one_digest_a_week(inbox: Inbox, town: dict[str, Any]) -> None:
    hanako, taro = town["hanako"], town["taro"]
    thread(town["desk"], taro, "今週の話題", replies=2, at=NOW - timedelta(days=2))
    send_digests(now=NOW)
    assert len(mails_to(inbox, hanako)) == 1

    for day in range(1, 7):
        moment = NOW + timedelta(days=day)
        thread(town["desk"], taro, f"{day}日後の話題", replies=1, at=moment - timedelta(hours=2))
        send_digests(now=moment)
    assert len(mails_to(inbox, hanako)) == 1

    send_digests(now=NOW + timedelta(days=7))
    week_later = mails_to(inbox, hanako)[1]
    assert "6日後の話題" in plain(week_later) and "今週の話題" not in plain(week_later)


def test_members_who_turned_digests_off_get_none(inbox: Inbox, town: dict[str, Any]) -> None:
    busy_week(town)
    NotificationSettings.objects.create(member=town["hanako"], digest=Digest.OFF)

    send_digests(now=NOW)

    assert mails_to(inbox, town["hanako"]) == []
    assert town["hanako"].pk not in {r.member_id for r in due_members(current_slot(NOW)).recipients}


def test_hide_content_leaves_the_words_of_posts_out(inbox: Inbox, town: dict[str, Any]) -> None:
    busy_week(town)
    NotificationSettings.objects.create(member=town["hanako"], hide_content=True)

    send_digests(now=NOW)

    [mail] = mails_to(inbox, town["hanako"])
    text, page = plain(mail), html(mail)
    assert "転入届の様式を共有します" not in text and "転入届の様式を共有します" not in page
    assert "#窓口業務 のスレッド（八女 太郎さん）" in text
    assert "本文はメールに載せない設定です" in text


def test_a_pass_killed_before_its_commit_leaves_the_members_for_the_next_one(
    inbox: Inbox, town: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    busy_week(town)

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("worker killed")

    monkeypatch.setattr(digests.DigestLog.objects, "bulk_update", crash)
    with pytest.raises(RuntimeError):
        send_digests(now=NOW)
    monkeypatch.undo()
    assert inbox.messages == [] and not Mail.objects.filter(template="notify_digest").exists()

    send_digests(now=NOW + timedelta(minutes=10))

    assert len(mails_to(inbox, town["hanako"])) == 1


def test_the_build_asks_the_same_few_queries_for_one_member_or_many(
    town: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    busy_week(town)
    for n in range(30):
        member = make_member(town["kurume"], date_joined=LONG_AGO)
        make_message(town["desk"], member, f"参加します{n}", at=LONG_AGO)
    recipients = due_members(current_slot(NOW)).recipients
    assert len(recipients) > 30

    with django_assert_max_num_queries(8):
        contents = build_digests(recipients)

    assert all(contents[r.member_id] for r in recipients if r.member_id == town["hanako"].pk)


def test_a_thread_counts_the_replies_of_each_members_own_window(inbox: Inbox, town: dict[str, Any]) -> None:
    hanako, taro = town["hanako"], town["taro"]
    NotificationSettings.objects.create(member=hanako, digest=Digest.DAILY)
    root = thread(town["desk"], taro, "窓口の混雑対策", replies=3, at=NOW - timedelta(days=3))
    make_message(town["desk"], taro, "昨日の返信", thread=root, at=NOW - timedelta(hours=3))

    contents = build_digests(due_members(current_slot(NOW)).recipients)

    [(_, daily), _newcomers] = contents[hanako.pk].key()
    [(_, weekly), _newcomers] = contents[taro.pk].key()
    assert daily == [(root.pk, 1)] and weekly == [(root.pk, 4)]
