"""Threads and stamps through the API: the thread pane, following, who reacted, stamping."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kyoso.accounts.models import Member
from kyoso.api.tests.conftest import Api, error_code
from kyoso.chat.models import Reaction, ThreadFollow
from kyoso.testing.factories import (
    make_channel,
    make_member,
    make_message,
    make_organization,
    make_reaction,
    stamp_named,
)

pytestmark = pytest.mark.django_db

ApiAs = Callable[[Member], Api]


def test_thread_has_root_replies_participants_and_following(api_as: ApiAs) -> None:
    author, replier, reader = make_member(), make_member(), make_member()
    channel = make_channel("窓口DX", creator=author, members=[replier, reader])
    root = make_message(channel, author, "相談です")
    first = make_message(channel, replier, "うちではこうしています", thread=root)
    second = make_message(channel, author, "ありがとうございます", thread=root)
    for asked in (root, first):  # a reply's id opens the whole thread, as a permalink does
        thread = api_as(reader).get(f"/messages/{asked.pk}/thread").json()
        assert thread["root"]["id"] == root.pk
        assert [m["id"] for m in thread["replies"]] == [first.pk, second.pk]
        assert [p["id"] for p in thread["participants"]] == [author.pk, replier.pk]
        assert thread["following"] is False
    assert api_as(author).get(f"/messages/{root.pk}/thread").json()["following"] is True


def test_follow_unfollow_and_mark_thread_read(api_as: ApiAs) -> None:
    author, reader = make_member(), make_member()
    channel = make_channel("窓口DX", creator=author, members=[reader])
    root = make_message(channel, author, "相談です")
    api = api_as(reader)
    assert api.post(f"/messages/{root.pk}/follow").json() == {"thread_root_id": root.pk, "following": True}
    reply = make_message(channel, author, "追記です", thread=root)
    read = api.post(f"/messages/{root.pk}/thread/read").json()
    assert read == {"thread_root_id": root.pk, "last_read_reply_id": reply.pk}
    assert api.delete(f"/messages/{root.pk}/follow").json()["following"] is False
    assert ThreadFollow.objects.get(member=reader, thread_root=root).following is False


def test_stamp_set_lists_the_defaults_in_order(api_as: ApiAs) -> None:
    stamp_named("共創")
    names = [s["name"] for s in api_as(make_member()).get("/stamps").json()]
    assert names[:3] == ["共創", "なるほど", "ありがとう"]


def test_stamp_and_unstamp_a_message(api_as: ApiAs) -> None:
    me = make_member()
    channel = make_channel("窓口DX", creator=me)
    message = make_message(channel, me, "参考資料です")
    stamp = stamp_named("参考になります")
    api = api_as(me)
    added = api.put(f"/messages/{message.pk}/reactions/{stamp.pk}")
    assert added.status_code == 200
    [summary] = added.json()["stamps"]
    assert (summary["stamp_id"], summary["count"], summary["reacted_by_me"]) == (stamp.pk, 1, True)
    assert api.put(f"/messages/{message.pk}/reactions/{stamp.pk}").json()["stamps"][0]["count"] == 1
    assert api.delete(f"/messages/{message.pk}/reactions/{stamp.pk}").json()["stamps"] == []
    assert not Reaction.objects.filter(message=message).exists()


def test_an_unknown_stamp_answers_404(api_as: ApiAs) -> None:
    me = make_member()
    message = make_message(make_channel("窓口DX", creator=me), me)
    response = api_as(me).put(f"/messages/{message.pk}/reactions/999999")
    assert (response.status_code, error_code(response)) == (404, "stamp_not_found")


def test_who_reacted_is_grouped_by_stamp_with_organisation_counts(api_as: ApiAs) -> None:
    city = make_organization("久留米市")
    a, b = make_member(city, display_name="久留米 一"), make_member(city, display_name="久留米 二")
    c = make_member(make_organization("裾野市"), display_name="裾野 三")
    channel = make_channel("窓口DX", creator=a, members=[b, c])
    message = make_message(channel, a, "うちの事例です")
    for who in (a, b, c):
        make_reaction(message, who, "共創")
    make_reaction(message, c, "なるほど")
    groups = api_as(b).get(f"/messages/{message.pk}/reactions").json()
    assert [(g["name"], g["count"], g["organization_count"]) for g in groups] == [
        ("共創", 3, 2),
        ("なるほど", 1, 1),
    ]
    assert [r["name"] for r in groups[0]["reactors"]] == ["久留米 一", "久留米 二", "裾野 三"]
    assert groups[0]["reactors"][2]["organization"] == "裾野市"
    assert (groups[0]["reacted_by_me"], groups[1]["reacted_by_me"]) == (True, False)
