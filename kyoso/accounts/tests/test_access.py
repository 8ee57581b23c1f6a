"""A pending, suspended or deactivated member cannot read or post anything, even with a live session."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client

from kyoso.accounts.models import Member, MemberStatus
from kyoso.testing.factories import make_channel, make_member, make_message

pytestmark = pytest.mark.django_db

NOT_ACTIVE = [MemberStatus.PENDING, MemberStatus.SUSPENDED, MemberStatus.DEACTIVATED]


def community_pages(member: Member) -> list[str]:
    other = make_member(member.organization)
    channel = make_channel("窓口業務", creator=other)
    message = make_message(channel, other, "受付時間の相談です")
    slug = quote(channel.slug)
    return ["/channels/", f"/channels/{slug}/", f"/channels/{slug}/threads/{message.pk}/"]


@pytest.mark.parametrize("status", NOT_ACTIVE)
def test_live_session_of_a_member_who_is_no_longer_active_stops_at_once(client: Client, status: str) -> None:
    member = make_member(display_name="久留米 花子")
    pages = community_pages(member)
    client.force_login(member)
    assert client.get(pages[1]).status_code == 200

    Member.objects.filter(pk=member.pk).update(status=status)

    response = client.get(pages[1], follow=True)
    assert response.redirect_chain[0][0] == "/accounts/sign-in/"
    assert "このアカウントは現在利用できません" in response.content.decode()
    assert "_auth_user_id" not in client.session
    for path in pages:
        assert client.get(path).status_code == 302, path
    home = client.get("/").content.decode()
    assert "久留米 花子" not in home


@pytest.mark.parametrize("status", NOT_ACTIVE)
def test_member_who_is_not_active_cannot_post(client: Client, status: str) -> None:
    member = make_member()
    pages = community_pages(member)
    client.force_login(member)
    Member.objects.filter(pk=member.pk).update(status=status)
    response = client.post(pages[1], {"text": "投稿"})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_active_member_keeps_reading(client: Client) -> None:
    member = make_member()
    pages = community_pages(member)
    client.force_login(member)
    for path in pages:
        assert client.get(path).status_code == 200, path
