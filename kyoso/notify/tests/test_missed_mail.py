"""Mails for missed notifications, sent by the periodic job through a real SMTP server (aiosmtpd).

The job is called with ``now=...`` (the worker's clock), so the grace period and quiet hours are
tested at exact moments; the mails go through ``deliver_mail`` as in production.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from kyoso.accounts.models import MemberStatus
from kyoso.chat import actions as chat
from kyoso.chat.models import ChannelMembership, ThreadFollow
from kyoso.core.models import Mail, MailStatus
from kyoso.core.tests.smtp import Inbox
from kyoso.notify import actions, missed_mail
from kyoso.notify.models import MailState, Notification, NotificationSettings
from kyoso.notify.tests.mail_support import GRACE, SITE, T0, html, inbox, mails_to, mention, plain, run_job
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization

__all__ = ["inbox"]  # the fixture, used by name

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def town() -> dict[str, Any]:
    kurume, yame = make_organization("久留米市"), make_organization("八女市")
    hanako = make_member(kurume, display_name="久留米 花子")
    taro = make_member(yame, display_name="八女 太郎")
    jiro = make_member(yame, display_name="八女 次郎")
    desk = make_channel("窓口業務", creator=taro, members=[hanako, jiro])
    return {"hanako": hanako, "taro": taro, "jiro": jiro, "desk": desk}


def states(member: Any) -> list[str]:
    return list(
        Notification.objects.filter(recipient=member).order_by("id").values_list("mail_state", flat=True)
    )


def test_a_mention_unread_after_the_grace_period_is_mailed_once_with_a_link_to_the_message(
    inbox: Inbox, town: dict[str, Any]
) -> None:
    hanako = town["hanako"]
    message = make_message(town["desk"], town["taro"], f"{mention(hanako)} 転入届の様式を共有します", at=T0)

    assert run_job(T0 + GRACE - timedelta(seconds=1)) == 0
    assert inbox.messages == [] and states(hanako) == [MailState.PENDING]

    assert run_job(T0 + GRACE) == 1
    [received] = inbox.messages
    assert inbox.envelopes[0][1] == [hanako.email]
    assert (
        str(received["Subject"]).strip() == "[kyoso] 八女 太郎さんがあなたをメンションしました（#窓口業務）"
    )
    text = plain(received)
    link = f"{SITE}/channels/{quote(town['desk'].slug)}/?around={message.pk}#m-{message.pk}"
    assert "久留米 花子 さん" in text
    assert "八女 太郎（八女市）" in text
    assert "2026年12月4日 10:00（日本時間）" in text
    assert "転入届の様式を共有します" in text
    assert link in text
    page = html(received)
    assert 'lang="ja"' in page and "転入届の様式を共有します" in page
    assert f'href="{link.replace("&", "&amp;")}"' in page or f'href="{link}"' in page
    assert str(received["List-Unsubscribe"]).strip().startswith(f"<{SITE}/notifications/unsubscribe/")
    assert str(received["List-Unsubscribe-Post"]).strip() == "List-Unsubscribe=One-Click"
    assert "/notifications/settings/" in text

    [item] = Notification.objects.filter(recipient=hanako)
    assert item.mail_state == MailState.MAILED
    assert item.mail is not None and item.mail.status == MailStatus.SENT
    assert received["Message-ID"] == item.mail.message_id

    # Every later pass finds nothing to send: never a second mail for the same notification.
    assert run_job(T0 + GRACE + timedelta(minutes=1)) == 0
    assert run_job(T0 + timedelta(days=1)) == 0
    assert len(inbox.messages) == 1 and Mail.objects.count() == 1


def test_replies_in_a_followed_thread_come_in_one_mail_and_later_ones_in_the_next(
    inbox: Inbox, town: dict[str, Any]
) -> None:
    hanako, taro, jiro = town["hanako"], town["taro"], town["jiro"]
    question = make_message(town["desk"], hanako, "おくやみ窓口はどう始めましたか？", at=T0)
    make_message(
        town["desk"], taro, "うちは去年から始めました", thread=question, at=T0 + timedelta(minutes=1)
    )
    make_message(town["desk"], jiro, "様式を統一しました", thread=question, at=T0 + timedelta(minutes=2))
    make_message(town["desk"], taro, "予約制にしています", thread=question, at=T0 + timedelta(minutes=3))
    make_message(town["desk"], jiro, "まだ続きます", thread=question, at=T0 + timedelta(minutes=9))
    elsewhere = make_channel("防災", creator=taro, members=[hanako])
    make_message(elsewhere, taro, f"{mention(hanako)} 訓練の日程です", at=T0 + timedelta(minutes=1))

    assert run_job(T0 + timedelta(minutes=13)) == 2  # the thread, and the other channel
    subjects = sorted(inbox.subjects())
    assert subjects == [
        "[kyoso] #窓口業務 のスレッドに新しい返信が3件",
        "[kyoso] 八女 太郎さんがあなたをメンションしました（#防災）",
    ]
    thread_mail = next(m for m in inbox.messages if "スレッド" in str(m["Subject"]))
    text = plain(thread_mail)
    for line in ("うちは去年から始めました", "様式を統一しました", "予約制にしています"):
        assert line in text
    assert "まだ続きます" not in text  # still within its grace period
    assert text.index("うちは去年から") < text.index("様式を統一") < text.index("予約制")
    assert f"/threads/{question.pk}/?around={question.pk}#t-" in text

    # taro follows the thread too (he replied); his own reply at 10:03 read what came before it.
    assert run_job(T0 + timedelta(minutes=19)) == 2
    later = mails_to(inbox, hanako)[-1]
    assert (
        str(later["Subject"]).strip()
        == "[kyoso] 八女 次郎さんがフォロー中のスレッドに返信しました（#窓口業務）"
    )
    assert "まだ続きます" in plain(later)
    assert [str(m["Subject"]).strip() for m in mails_to(inbox, taro)] == [str(later["Subject"]).strip()]
    assert run_job(T0 + timedelta(minutes=30)) == 0
    assert len(mails_to(inbox, hanako)) == 3


def test_a_direct_message_batch_names_the_sender(inbox: Inbox, town: dict[str, Any]) -> None:
    dm = chat.open_direct_conversation(member=town["taro"], others=[town["hanako"]])
    chat.post_message(author=town["taro"], channel=dm, text="少しご相談が", at=T0)
    chat.post_message(author=town["taro"], channel=dm, text="お時間ありますか", at=T0 + timedelta(minutes=1))
    assert run_job(T0 + timedelta(minutes=20)) == 1
    assert inbox.subjects() == ["[kyoso] 八女 太郎さんからダイレクトメッセージが2件"]


def test_reading_the_channel_in_another_tab_before_the_grace_ends_sends_no_mail(
    inbox: Inbox, town: dict[str, Any]
) -> None:
    hanako = town["hanako"]
    make_message(town["desk"], town["taro"], f"{mention(hanako)} 確認お願いします", at=T0)
    chat.mark_channel_read(member=hanako, channel=town["desk"])  # chat's signal reads the notification
    assert run_job(T0 + timedelta(hours=1)) == 0
    assert inbox.messages == [] and states(hanako) == [MailState.SKIPPED]


def test_a_read_position_moved_without_the_signal_still_suppresses_the_mail(
    inbox: Inbox, town: dict[str, Any]
) -> None:
    hanako = town["hanako"]
    stream = make_message(town["desk"], town["taro"], f"{mention(hanako)} 確認お願いします", at=T0)
    question = make_message(town["desk"], hanako, "質問です", at=T0)
    reply = make_message(town["desk"], town["jiro"], "回答です", thread=question, at=T0)
    # Another device moved the read positions (an import, an API client): no signal, no read_at.
    ChannelMembership.objects.filter(member=hanako, channel=town["desk"]).update(
        last_read_message_id=stream.pk
    )
    ThreadFollow.objects.filter(member=hanako, thread_root=question).update(last_read_reply_id=reply.pk)
    assert Notification.objects.filter(recipient=hanako, read_at__isnull=True).count() == 2

    assert run_job(T0 + timedelta(hours=1)) == 0
    assert inbox.messages == []
    assert states(hanako) == [MailState.SKIPPED, MailState.SKIPPED]


def test_a_read_between_the_pass_and_the_claim_is_not_mailed(inbox: Inbox, town: dict[str, Any]) -> None:
    hanako = town["hanako"]
    message = make_message(town["desk"], town["taro"], f"{mention(hanako)} 至急です", at=T0)
    ids = [n.pk for n in Notification.objects.filter(recipient=hanako)]
    ChannelMembership.objects.filter(member=hanako, channel=town["desk"]).update(
        last_read_message_id=message.pk
    )
    row = NotificationSettings.objects.create(member=hanako)
    assert missed_mail.claim_and_queue(recipient=hanako, ids=ids, settings_row=row) is None
    assert inbox.messages == [] and not Mail.objects.exists()
    assert states(hanako) == [MailState.SKIPPED]


def test_quiet_hours_spanning_midnight_hold_the_mail_until_they_end(
    inbox: Inbox, town: dict[str, Any]
) -> None:
    hanako = town["hanako"]
    actions.update_settings(member=hanako, quiet_hours=(time(22, 0), time(7, 0)))
    late = T0.replace(hour=23, minute=0)
    make_message(town["desk"], town["taro"], f"{mention(hanako)} 夜分に失礼します", at=late)

    for moment in (
        late + GRACE,
        late.replace(hour=23, minute=59),
        late + timedelta(hours=1),
        late + timedelta(hours=7, minutes=59),
    ):
        assert run_job(moment) == 0, moment
    assert inbox.messages == [] and states(hanako) == [MailState.PENDING]

    assert run_job(late + timedelta(hours=8)) == 1  # 07:00 the next morning
    assert len(inbox.messages) == 1 and states(hanako) == [MailState.MAILED]


def test_quiet_hours_within_one_day_hold_only_their_own_members(inbox: Inbox, town: dict[str, Any]) -> None:
    hanako, jiro = town["hanako"], town["jiro"]
    actions.update_settings(member=hanako, quiet_hours=(time(12, 0), time(13, 0)))
    noon = T0.replace(hour=12, minute=0)
    make_message(town["desk"], town["taro"], f"{mention(hanako)} {mention(jiro)} 昼休みにすみません", at=noon)

    assert run_job(noon + GRACE) == 1
    assert [rcpts for _sender, rcpts in inbox.envelopes] == [[jiro.email]]
    assert run_job(noon.replace(hour=13)) == 1
    assert len(mails_to(inbox, hanako)) == 1


def test_hide_content_sends_no_message_text_at_all(inbox: Inbox, town: dict[str, Any]) -> None:
    hanako = town["hanako"]
    actions.update_settings(member=hanako, hide_content=True)
    message = make_message(town["desk"], town["taro"], f"{mention(hanako)} 住民の氏名は山田一郎です", at=T0)
    assert run_job(T0 + GRACE) == 1
    [received] = inbox.messages
    for part in (plain(received), html(received), str(received["Subject"])):
        assert "山田一郎" not in part
    assert "本文はメールに載せない設定です" in plain(received)
    assert f"#m-{message.pk}" in plain(received)
    assert "八女 太郎" in str(received["Subject"])


def test_mails_turned_off_or_a_kind_turned_off_are_skipped(inbox: Inbox, town: dict[str, Any]) -> None:
    hanako, jiro = town["hanako"], town["jiro"]
    actions.update_settings(member=hanako, email_missed=False)
    actions.update_settings(member=jiro, email_off_kinds=["mention"])
    make_message(town["desk"], town["taro"], f"{mention(hanako)} {mention(jiro)} ご確認ください", at=T0)
    dm = chat.open_direct_conversation(member=town["taro"], others=[jiro])
    chat.post_message(author=town["taro"], channel=dm, text="別件です", at=T0)

    assert run_job(T0 + GRACE) == 1
    assert inbox.subjects() == ["[kyoso] 八女 太郎さんからダイレクトメッセージ"]
    assert states(hanako) == [MailState.SKIPPED]
    assert states(jiro) == [MailState.SKIPPED, MailState.MAILED]


def test_a_suspended_member_and_a_deleted_post_get_no_mail(inbox: Inbox, town: dict[str, Any]) -> None:
    hanako, jiro = town["hanako"], town["jiro"]
    make_message(town["desk"], town["taro"], f"{mention(hanako)} 確認を", at=T0)
    deleted = make_message(town["desk"], town["taro"], f"{mention(jiro)} 誤送信", at=T0)
    type(hanako).objects.filter(pk=hanako.pk).update(status=MemberStatus.SUSPENDED)
    type(deleted).objects.filter(pk=deleted.pk).update(deleted_at=T0)
    assert run_job(T0 + GRACE) == 0
    assert inbox.messages == []
    assert states(hanako) == [MailState.SKIPPED] and states(jiro) == [MailState.SKIPPED]


def test_a_crash_before_the_claim_commits_loses_nothing(
    inbox: Inbox, town: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    hanako = town["hanako"]
    make_message(town["desk"], town["taro"], f"{mention(hanako)} 確認を", at=T0)

    def crash(**kwargs: object) -> None:
        raise RuntimeError("worker killed")

    monkeypatch.setattr(missed_mail, "render_missed_mail", crash)
    with pytest.raises(RuntimeError):
        run_job(T0 + GRACE)
    assert not Mail.objects.exists() and states(hanako) == [MailState.PENDING]
    monkeypatch.undo()

    assert run_job(T0 + GRACE + timedelta(minutes=1)) == 1
    assert len(inbox.messages) == 1


def test_two_passes_racing_for_the_same_rows_mail_them_once(inbox: Inbox, town: dict[str, Any]) -> None:
    # Two workers read the same due rows; the first claims them, the second's claim finds none left.
    # (On PostgreSQL the second also skips rows the first holds locked: SELECT … FOR UPDATE SKIP LOCKED.)
    hanako = town["hanako"]
    make_message(town["desk"], town["taro"], f"{mention(hanako)} 一件目", at=T0)
    make_message(town["desk"], town["taro"], f"{mention(hanako)} 二件目", at=T0)
    seen_by_second = list(missed_mail.mailable_now(T0 + GRACE).values_list("pk", flat=True))

    assert run_job(T0 + GRACE) == 1
    row = NotificationSettings.objects.get(member=hanako)
    assert missed_mail.claim_and_queue(recipient=hanako, ids=seen_by_second, settings_row=row) is None
    assert len(inbox.messages) == 1 and Mail.objects.count() == 1
    assert "2件" in str(inbox.messages[0]["Subject"])


def test_a_mail_that_fails_to_send_is_retried_not_claimed_again(inbox: Inbox, town: dict[str, Any]) -> None:
    hanako = town["hanako"]
    make_message(town["desk"], town["taro"], f"{mention(hanako)} 確認を", at=T0)
    inbox.refuse = "451 try again later"
    assert run_job(T0 + GRACE) == 1
    mail = Mail.objects.get()
    assert (mail.status, mail.attempts) == (MailStatus.QUEUED, 1)  # deliver_mail retries it with backoff
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" and mail.html_body
    assert run_job(T0 + GRACE + timedelta(minutes=5)) == 0
    assert Mail.objects.count() == 1 and states(hanako) == [MailState.MAILED]


def test_the_dry_run_changes_nothing(town: dict[str, Any]) -> None:
    hanako = town["hanako"]
    make_message(town["desk"], town["taro"], f"{mention(hanako)} 確認を", at=T0)

    class Out:
        lines: list[str] = []

        def write(self, msg: str = "", style_func: object = None, ending: str | None = None) -> None:
            self.lines.append(msg)

    out = Out()
    missed_mail.run(now=T0 + GRACE, dry_run=True, out=out)
    assert out.lines and states(hanako) == [MailState.PENDING] and not Mail.objects.exists()


def test_the_job_is_registered_to_run_every_minute() -> None:
    from kyoso.core import schedule

    [job] = [j for j in schedule.jobs() if j.name == "notify.missed_mail"]
    assert job.every == timedelta(minutes=1)


def test_workers_running_the_job_at_the_same_moment_mail_each_conversation_once(
    inbox: Inbox, town: dict[str, Any]
) -> None:
    """Real concurrency: four threads, each with its own database connection, run the same pass.

    On PostgreSQL they contend for the rows (SKIP LOCKED and the conditional update decide); on SQLite
    the writes are serialised by the database lock. Either way: one mail per conversation, no more.
    """
    import threading

    from django.db import connection

    members = [make_member(display_name=f"職員{i}") for i in range(8)]
    for member in members:
        chat.join_channels(members=[member], channel=town["desk"])
    for i in range(3):
        text = " ".join(mention(m) for m in members) + f" お知らせ{i}"
        make_message(town["desk"], town["taro"], text, at=T0 + timedelta(seconds=i))
    start = threading.Barrier(4)
    made: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            made.append(run_job(T0 + GRACE + timedelta(seconds=5)))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if connection.vendor == "sqlite":
        # A writer that finds the database locked may give up; it retries on its next pass.
        errors = [e for e in errors if "locked" not in str(e)]
    assert errors == []
    assert sum(made) == len(members) == Mail.objects.count()
    assert sorted(rcpts[0] for _sender, rcpts in inbox.envelopes) == sorted(m.email for m in members)
    assert all("3件" in subject for subject in inbox.subjects())
    assert (
        not Notification.objects.filter(recipient__in=members).exclude(mail_state=MailState.MAILED).exists()
    )
