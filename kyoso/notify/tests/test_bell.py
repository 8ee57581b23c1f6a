"""The bell's pages and the header's count: listing, paging, opening and marking read; a channel's
notification level, and muted channels out of the sidebar's totals."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from kyoso.api.actions import create_personal_token
from kyoso.chat import actions as chat
from kyoso.chat.models import ChannelMembership, NotifyLevel
from kyoso.chat.queries import joined_channels
from kyoso.notify import queries
from kyoso.notify.models import Notification
from kyoso.testing.auth import force_login_verified
from kyoso.testing.badges import mention_count, unread_count
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "/notifications/"


@pytest.fixture
def town() -> dict[str, object]:
    kurume, yame = make_organization("久留米市"), make_organization("八女市")
    hanako = make_member(kurume, display_name="久留米 花子")
    taro = make_member(yame, display_name="八女 太郎")
    desk = make_channel("窓口業務", creator=taro, members=[hanako])
    return {"hanako": hanako, "taro": taro, "desk": desk}


def mention(member: object) -> str:
    return f"@[{member.display_name}](member:{member.pk})"  # type: ignore[attr-defined]


def client_for(member: object) -> Client:
    client = Client()
    force_login_verified(client, member)  # type: ignore[arg-type]
    return client


def bell_of(html: str) -> str:
    """The header's bell link as text (its badge's visible number and spoken words)."""
    found = re.search(r"<a [^>]*data-bell[^>]*>(.*?)</a>", html, re.S)
    assert found is not None, "no bell in the header"
    return re.sub(r"<[^>]+>", "", found.group(1))


def badge_hidden(html: str) -> bool:
    found = re.search(r"<span [^>]*data-bell-badge[^>]*>", html)
    assert found is not None
    return " hidden" in found.group(0)


def test_the_list_shows_what_happened_who_did_it_and_the_message_newest_first(town) -> None:
    first = make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} **手順**を教えてください")
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 二通目です")
    response = client_for(town["hanako"]).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "八女 太郎さんがあなたをメンションしました（#窓口業務）" in html
    # The message as plain words: the Markdown goes, the mention reads as the member's name.
    assert "@久留米 花子 手順を教えてください" in html
    assert html.index("二通目です") < html.index("手順を教えてください")
    # Unread in words too (not only by colour), for a screen reader.
    assert html.count('class="notification__state"') == 2
    assert 'aria-current="page"' in html and "未読だけ" in html
    assert f'href="/notifications/{Notification.objects.get(message=first).pk}/"' in html


def test_a_deleted_message_shows_no_text(town) -> None:
    message = make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 誤って個人名を書きました")
    chat.delete_message(member=town["taro"], message=message)
    html = client_for(town["hanako"]).get(LIST).content.decode()
    assert "誤って個人名" not in html
    assert "このメッセージは削除されました" in html


def test_the_list_pages_by_keyset_and_the_unread_filter_keeps_only_unread(town, settings) -> None:
    for n in range(queries.NOTIFICATION_PAGE_SIZE + 2):
        make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 連絡{n:02d}")
    client = client_for(town["hanako"])
    page = client.get(LIST).content.decode()
    assert "連絡31" in page and "連絡02" in page and "連絡01" not in page
    older = re.search(r'href="\?before=(\d+)"', page)
    assert older is not None
    rest = client.get(f"{LIST}?before={older.group(1)}").content.decode()
    assert "連絡01" in rest and "連絡00" in rest and "連絡02" not in rest

    newest = Notification.objects.filter(recipient=town["hanako"]).order_by("-id").first()
    assert newest is not None
    client.get(f"/notifications/{newest.pk}/")
    unread = client.get(f"{LIST}?unread=1").content.decode()
    assert "連絡31" not in unread and "連絡30" in unread
    assert 'href="?unread=1&amp;before=' in unread
    assert client.get(f"{LIST}?before=abc").status_code == 400


def test_opening_an_item_marks_it_read_and_lands_on_the_message(town) -> None:
    question = make_message(town["desk"], town["hanako"], "おくやみ窓口について")
    reply = make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} うちでは", thread=question)
    item = Notification.objects.get(recipient=town["hanako"], message=reply)
    client = client_for(town["hanako"])
    assert "1件の未読通知" in bell_of(client.get(LIST).content.decode())
    response = client.get(f"/notifications/{item.pk}/")
    assert response.status_code == 302
    thread = reverse("chat:thread", args=[town["desk"].slug, question.pk])
    assert response["Location"] == f"{thread}?around={question.pk}#t-{reply.pk}"
    item.refresh_from_db()
    assert item.read_at is not None
    again = client.get(f"/notifications/{item.pk}/")  # opening it twice changes nothing more
    assert again.status_code == 302
    html = client.get(LIST).content.decode()
    assert 'class="notification__state"' not in html
    assert badge_hidden(html)


def test_another_members_notification_is_not_found(town) -> None:
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 確認です")
    item = Notification.objects.get(recipient=town["hanako"])
    response = client_for(town["taro"]).get(f"/notifications/{item.pk}/")
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.read_at is None
    assert client_for(town["taro"]).get("/notifications/999999/").status_code == 404


def test_read_all_marks_everything_read_by_form_and_by_script(town) -> None:
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 一つ目")
    client = client_for(town["hanako"])
    response = client.post("/notifications/read-all/")
    assert response.status_code == 302 and response["Location"] == LIST
    assert queries.unread_count(town["hanako"]) == 0
    assert "すべての通知を既読にしました。" in client.get(LIST).content.decode()
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 二つ目")
    answer = client.post("/notifications/read-all/", headers={"X-Kyoso-Fragment": "1"})
    assert answer.status_code == 200
    assert answer.json()["unread"] == 0 and answer.json()["changed"] == 1
    assert queries.unread_count(town["hanako"]) == 0
    assert client.get("/notifications/read-all/").status_code == 405


def test_the_header_bell_counts_unread_and_caps_at_99_plus(town) -> None:
    client = client_for(town["hanako"])
    assert badge_hidden(client.get(LIST).content.decode())
    rows = [Notification(recipient=town["hanako"], kind="mention", actor=town["taro"]) for _ in range(120)]
    Notification.objects.bulk_create(rows)
    bell = bell_of(client.get(LIST).content.decode())
    assert "99+" in bell and "件の未読通知" in bell


def test_the_bell_is_not_shown_signed_out() -> None:
    html = Client().get("/").content.decode()
    assert "data-bell" not in html
    response = Client().get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


def test_the_channel_page_offers_the_level_and_the_form_sets_it(town) -> None:
    client = client_for(town["hanako"])
    slug = town["desk"].slug
    page = client.get(reverse("chat:channel", args=[slug])).content.decode()
    assert f'action="{reverse("chat:notify_level", args=[slug])}"' in page
    assert '<option value="mentions" selected>' in page or '<option value="all" selected>' in page
    response = client.post(reverse("chat:notify_level", args=[slug]), {"level": "muted"})
    assert response.status_code == 302
    membership = ChannelMembership.objects.get(member=town["hanako"], channel=town["desk"])
    assert membership.notify_level == NotifyLevel.MUTED
    shown = client.get(response["Location"]).content.decode()
    assert "の通知を「ミュート」にしました。" in shown
    assert '<option value="muted" selected>' in shown

    answer = client.post(
        reverse("chat:notify_level", args=[slug]), {"level": "all"}, headers={"X-Kyoso-Fragment": "1"}
    )
    assert answer.status_code == 200 and answer.json()["notify_level"] == "all"


def test_a_bad_level_is_refused_in_japanese(town) -> None:
    client = client_for(town["hanako"])
    slug = town["desk"].slug
    response = client.post(reverse("chat:notify_level", args=[slug]), {"level": "loud"})
    assert response.status_code == 400
    refusal = (
        "通知の設定は「すべての投稿」「メンションとフォロー中のスレッドだけ」「ミュート」から選んでください。"
    )
    assert refusal in response.content.decode()
    scripted = client.post(
        reverse("chat:notify_level", args=[slug]), {"level": ""}, headers={"X-Kyoso-Fragment": "1"}
    )
    assert scripted.status_code == 400
    membership = ChannelMembership.objects.get(member=town["hanako"], channel=town["desk"])
    assert membership.notify_level != "loud"


def test_a_muted_channel_counts_no_unread_but_still_the_members_mentions(town) -> None:
    other = make_channel("防災", creator=town["taro"], members=[town["hanako"]])
    chat.set_notify_level(member=town["hanako"], channel=town["desk"], level=NotifyLevel.MUTED)
    make_message(town["desk"], town["taro"], "今日の連絡です")
    make_message(town["desk"], town["taro"], "@channel 全員へ")
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} 見てください")
    make_message(other, town["taro"], "防災の連絡です")
    rows = {c.name: c for c in joined_channels(town["hanako"])}
    assert unread_count(rows["窓口業務"]) == 0
    assert mention_count(rows["窓口業務"]) == 1  # the member's own mention, not @channel
    assert unread_count(rows["防災"]) == 1

    html = client_for(town["hanako"]).get(reverse("chat:channel", args=[other.slug])).content.decode()
    desk_id = town["desk"].pk
    desk_link = re.search(rf'<a [^>]*data-sidebar-channel="{desk_id}"[^>]*>.*?</a>', html, re.S)
    assert desk_link is not None
    assert "data-muted" in desk_link.group(0) and "（ミュート中）" in desk_link.group(0)
    assert "data-unread-count" not in desk_link.group(0)
    assert "data-mention-count" in desk_link.group(0)


def api_headers(member: object) -> dict[str, str]:
    _token, secret = create_personal_token(member=member, name="bell")  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {secret}"}


def test_the_api_lists_notifications_and_marks_one_or_all_read(town) -> None:
    question = make_message(town["desk"], town["hanako"], "質問です")
    reply = make_message(
        town["desk"], town["taro"], f"{mention(town['hanako'])} **回答**です", thread=question
    )
    make_message(town["desk"], town["taro"], f"{mention(town['hanako'])} もう一つ")
    client, headers = Client(), api_headers(town["hanako"])
    listed = client.get("/api/v1/notifications", headers=headers)
    assert listed.status_code == 200
    body = listed.json()
    assert body["unread"] == 2 and body["next_before"] is None
    newest, older = body["items"]
    assert older["message_id"] == reply.pk and older["thread_root_id"] == question.pk
    assert older["text"] == "八女 太郎さんがあなたをメンションしました（#窓口業務）"
    assert older["snippet"] == "@久留米 花子 回答です"
    assert older["actor"]["name"] == "八女 太郎" and older["read_at"] is None
    assert older["url"].endswith(f"?around={question.pk}#t-{reply.pk}")

    read = client.post(f"/api/v1/notifications/{older['id']}/read", headers=headers)
    assert read.status_code == 200 and read.json() == {"id": older["id"], "changed": 1, "unread": 1}
    unread = client.get("/api/v1/notifications?unread=true", headers=headers).json()
    assert [item["id"] for item in unread["items"]] == [newest["id"]]

    # Another member's notification is not found, and stays unread.
    theirs = client.post(f"/api/v1/notifications/{newest['id']}/read", headers=api_headers(town["taro"]))
    assert theirs.status_code == 404
    assert Notification.objects.get(pk=newest["id"]).read_at is None

    everything = client.post("/api/v1/notifications/read", headers=headers)
    assert everything.json() == {"id": None, "changed": 1, "unread": 0}


def test_the_api_sets_a_channels_level_and_lists_it_with_the_joined_channels(town) -> None:
    client, headers = Client(), api_headers(town["hanako"])
    desk = town["desk"]
    url = f"/api/v1/channels/{desk.pk}/notify-level"
    answer = client.put(url, {"level": "muted"}, content_type="application/json", headers=headers)
    assert answer.status_code == 200 and answer.json() == {"channel_id": desk.pk, "notify_level": "muted"}
    make_message(desk, town["taro"], "今日の連絡です")
    [row] = client.get("/api/v1/channels", headers=headers).json()
    assert (row["notify_level"], row["unread_count"]) == ("muted", 0)
    refused = client.put(url, {"level": "loud"}, content_type="application/json", headers=headers)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_notify_level"
