"""Messages through the API: history by keyset, posting, editing, deleting, pins, saved, mentions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kyoso.accounts.models import Member, Role
from kyoso.api.tests.conftest import Api, error_code
from kyoso.chat.mentions import member_token
from kyoso.chat.models import Message, MessageRevision, SavedMessage
from kyoso.testing.factories import make_channel, make_member, make_message, make_reaction

pytestmark = pytest.mark.django_db

ApiAs = Callable[[Member], Api]


def test_post_a_message_and_get_it_back_in_full(api_as: ApiAs) -> None:
    me = make_member(display_name="久留米 花子")
    channel = make_channel("窓口DX", creator=me)
    response = api_as(me).post(f"/channels/{channel.pk}/messages", {"text": "**受付時間**について"})
    assert response.status_code == 201
    posted = response.json()
    stored = Message.objects.get(pk=posted["id"])
    assert posted["text"] == "**受付時間**について"
    assert posted["html"] == stored.html and "<strong>受付時間</strong>" in posted["html"]
    assert posted["author"]["name"] == "久留米 花子"
    assert posted["author"]["affiliation"] == me.affiliation
    assert posted["channel_id"] == channel.pk and posted["thread_root_id"] is None
    assert datetime.fromisoformat(posted["created_at"]) == stored.created_at
    assert posted["permalink"].endswith(f"/threads/{stored.pk}/#t-{stored.pk}")
    assert (posted["deleted"], posted["pinned"]) == (False, False)
    assert (posted["stamps"], posted["attachments"]) == ([], [])
    assert api_as(me).get(f"/messages/{stored.pk}").json() == posted


def test_history_returns_the_newest_page_with_stamps(api_as: ApiAs) -> None:
    me, other = make_member(), make_member()
    channel = make_channel("窓口DX", creator=other, members=[me])
    old = make_message(channel, other, "古い")
    new = make_message(channel, other, "新しい")
    make_reaction(new, me, "共創")
    make_reaction(new, other, "共創")
    page = api_as(me).get(f"/channels/{channel.pk}/messages").json()
    assert [m["id"] for m in page["messages"]] == [old.pk, new.pk]
    assert (page["next_before"], page["next_after"]) == (None, None)
    [stamp] = page["messages"][1]["stamps"]
    assert (stamp["name"], stamp["count"], stamp["organization_count"], stamp["reacted_by_me"]) == (
        "共創", 2, 2, True,
    )  # fmt: skip


def test_keyset_paging_returns_each_of_250_messages_exactly_once_in_order(api_as: ApiAs) -> None:
    me = make_member()
    channel = make_channel("窓口DX", creator=me)
    posted = [make_message(channel, me, f"{n}件目").pk for n in range(250)]
    api = api_as(me)

    backwards: list[int] = []
    page = api.get(f"/channels/{channel.pk}/messages", limit=40).json()
    while True:
        backwards = [m["id"] for m in page["messages"]] + backwards
        if page["next_before"] is None:
            break
        page = api.get(f"/channels/{channel.pk}/messages", before=page["next_before"], limit=40).json()
    assert backwards == posted

    forwards: list[int] = []
    page = api.get(f"/channels/{channel.pk}/messages", after=0, limit=40).json()
    while True:
        forwards += [m["id"] for m in page["messages"]]
        if page["next_after"] is None:
            break
        page = api.get(f"/channels/{channel.pk}/messages", after=page["next_after"], limit=40).json()
    assert forwards == posted


def test_history_refuses_both_cursors_and_oversized_pages(api_as: ApiAs) -> None:
    me = make_member()
    channel = make_channel("窓口DX", creator=me)
    api = api_as(me)
    both = api.get(f"/channels/{channel.pk}/messages", before=5, after=1)
    assert (both.status_code, error_code(both)) == (400, "cursor_conflict")
    huge = api.get(f"/channels/{channel.pk}/messages", limit=100_000)
    assert (huge.status_code, error_code(huge)) == (400, "invalid_input")
    assert api.get(f"/channels/{channel.pk}/messages", before="abc").status_code == 400


def test_reply_in_a_thread_also_in_the_channel(api_as: ApiAs) -> None:
    me = make_member()
    channel = make_channel("窓口DX", creator=me)
    root = make_message(channel, me, "相談です")
    api = api_as(me)
    body = {"text": "回答です", "thread_root_id": root.pk, "also_in_channel": True}
    reply = api.post(f"/channels/{channel.pk}/messages", body).json()
    assert (reply["thread_root_id"], reply["also_in_channel"]) == (root.pk, True)
    assert api.get(f"/messages/{root.pk}").json()["reply_count"] == 1
    stream = [m["id"] for m in api.get(f"/channels/{channel.pk}/messages").json()["messages"]]
    assert stream == [root.pk, reply["id"]]


def test_edit_keeps_the_history_visible_to_moderators_only(api_as: ApiAs) -> None:
    me = make_member()
    moderator = make_member(role=Role.MODERATOR)
    channel = make_channel("窓口DX", creator=me, members=[moderator])
    message = make_message(channel, me, "初稿")
    edited = api_as(me).patch(f"/messages/{message.pk}", {"text": "改稿"})
    assert edited.status_code == 200
    assert edited.json()["text"] == "改稿" and edited.json()["edited_at"] is not None
    history = api_as(moderator).get(f"/messages/{message.pk}/revisions")
    assert [r["text"] for r in history.json()] == ["初稿"]
    refused = api_as(me).get(f"/messages/{message.pk}/revisions")
    assert (refused.status_code, error_code(refused)) == (403, "not_allowed")


def test_only_the_author_edits(api_as: ApiAs) -> None:
    author, other = make_member(), make_member()
    channel = make_channel("窓口DX", creator=author, members=[other])
    message = make_message(channel, author, "初稿")
    response = api_as(other).patch(f"/messages/{message.pk}", {"text": "改ざん"})
    assert response.status_code == 403
    assert not MessageRevision.objects.filter(message=message).exists()


def test_delete_leaves_a_tombstone(api_as: ApiAs) -> None:
    me = make_member()
    channel = make_channel("窓口DX", creator=me)
    message = make_message(channel, me, "個人情報を書いてしまった")
    response = api_as(me).delete(f"/messages/{message.pk}")
    assert response.status_code == 200
    body = response.json()
    assert (body["deleted"], body["text"], body["html"], body["author"]) == (True, "", "", None)
    again = api_as(me).patch(f"/messages/{message.pk}", {"text": "復活"})
    assert (again.status_code, error_code(again)) == (409, "message_deleted")


def test_pin_and_list_pins_then_unpin(api_as: ApiAs) -> None:
    me = make_member()
    channel = make_channel("窓口DX", creator=me)
    message = make_message(channel, me, "大事なお知らせ")
    api = api_as(me)
    assert api.post(f"/messages/{message.pk}/pin").json()["pinned"] is True
    assert [m["id"] for m in api.get(f"/channels/{channel.pk}/pins").json()] == [message.pk]
    assert api.delete(f"/messages/{message.pk}/pin").json()["pinned"] is False
    assert api.get(f"/channels/{channel.pk}/pins").json() == []


def test_save_list_and_unsave(api_as: ApiAs) -> None:
    me = make_member()
    channel = make_channel("窓口DX", creator=me)
    first, second = make_message(channel, me, "一つ目"), make_message(channel, me, "二つ目")
    api = api_as(me)
    assert api.post(f"/messages/{first.pk}/save").json() == {"message_id": first.pk, "saved": True}
    api.post(f"/messages/{second.pk}/save")
    page = api.get("/saved", limit=1).json()
    assert [item["message"]["id"] for item in page["items"]] == [second.pk]
    rest = api.get("/saved", before=page["next_before"]).json()
    assert [item["message"]["id"] for item in rest["items"]] == [first.pk]
    assert api.delete(f"/messages/{first.pk}/save").json() == {"message_id": first.pk, "saved": False}
    assert not SavedMessage.objects.filter(member=me, message=first).exists()


def test_mentions_list_where_the_member_was_named(api_as: ApiAs) -> None:
    me, other = make_member(display_name="久留米 花子"), make_member()
    channel = make_channel("窓口DX", creator=other, members=[me])
    make_message(channel, other, "関係ない話")
    named = make_message(channel, other, f"{member_token(me.pk, me.display_name)} ご意見ください")
    page = api_as(me).get("/mentions").json()
    assert [m["id"] for m in page["messages"]] == [named.pk]
    assert f'<a class="mention" href="/accounts/members/{me.pk}/"' in page["messages"][0]["html"]


def test_first_unread_and_mark_read(api_as: ApiAs) -> None:
    me, other = make_member(), make_member()
    channel = make_channel("窓口DX", creator=other, members=[me])
    first = make_message(channel, other, "一件目")
    second = make_message(channel, other, "二件目")
    api = api_as(me)
    assert api.get(f"/channels/{channel.pk}/first-unread").json()["message"]["id"] == first.pk
    marked = api.post(f"/channels/{channel.pk}/read", {"up_to": first.pk}).json()
    assert marked == {"channel_id": channel.pk, "last_read_message_id": first.pk}
    assert api.get(f"/channels/{channel.pk}/first-unread").json()["message"]["id"] == second.pk
    # Without up_to: everything up to the newest; never back.
    assert api.post(f"/channels/{channel.pk}/read").json()["last_read_message_id"] == second.pk
    assert (
        api.post(f"/channels/{channel.pk}/read", {"up_to": first.pk}).json()["last_read_message_id"]
        == second.pk
    )
    assert api.get(f"/channels/{channel.pk}/first-unread").json() == {"message": None}


def test_unknown_message_ids_answer_404(api_as: ApiAs) -> None:
    api = api_as(make_member())
    for response in (
        api.get("/messages/999999"),
        api.patch("/messages/999999", {"text": "x"}),
        api.delete("/messages/999999"),
        api.post("/messages/999999/pin"),
        api.get("/messages/999999/thread"),
    ):
        assert response.status_code == 404
        assert error_code(response) == "message_not_found"


def test_a_member_who_has_not_joined_cannot_post(api_as: ApiAs) -> None:
    channel = make_channel("窓口DX", creator=make_member())
    response = api_as(make_member()).post(f"/channels/{channel.pk}/messages", {"text": "こんにちは"})
    assert (response.status_code, error_code(response)) == (403, "not_allowed_to_post")
    assert not Message.objects.filter(channel=channel).exists()


def test_a_page_of_history_costs_the_same_queries_for_5_or_50_messages(api_as: ApiAs) -> None:
    me, other = make_member(), make_member()
    small, large = make_channel("少ない", creator=me), make_channel("多い", creator=me)
    for channel, count in ((small, 5), (large, 50)):
        for n in range(count):
            message = make_message(channel, other if n % 2 else me, f"{n}件目")
            make_reaction(message, other)
    api = api_as(me)
    api.get("/me")  # the token's first use is noted once; the pages below are not charged for it
    with CaptureQueriesContext(connection) as few:
        assert len(api.get(f"/channels/{small.pk}/messages").json()["messages"]) == 5
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(f"/channels/{large.pk}/messages").json()["messages"]) == 50
    assert len(many) == len(few), [q["sql"][:150] for q in many.captured_queries]
