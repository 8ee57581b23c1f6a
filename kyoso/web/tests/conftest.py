"""What the accessibility tests share: a small community with something on every page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from kyoso.accounts import actions as account_actions
from kyoso.accounts.models import Application, Member, Role
from kyoso.accounts.tests.registration_support import Directory, last_mail_to, link_in, make_directory
from kyoso.chat.models import Channel, Message
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import (
    DEFAULT_PASSWORD,
    make_channel,
    make_member,
    make_message,
    make_organization,
    make_reaction,
)


@dataclass
class Community:
    directory: Directory
    hanako: Member
    taro: Member
    operator: Member
    desk: Channel
    question: Message
    application: Application


@pytest.fixture
def community(django_capture_on_commit_callbacks: Callable[..., Any]) -> Community:
    """A small community with something on every page: replies, stamps, a search hit, an applicant."""
    directory = make_directory()
    yame = make_organization("八女市")
    hanako = make_member(
        directory.kurume,
        email="hanako@city.kurume.fukuoka.jp",
        password=DEFAULT_PASSWORD,
        display_name="久留米 花子",
        full_name_kana="くるめ はなこ",
    )
    taro = make_member(yame, display_name="八女 太郎", full_name_kana="やめ たろう", department="市民課")
    operator = make_member(
        directory.fukuoka, email="unei@pref.fukuoka.lg.jp", role=Role.OPERATOR, display_name="運営A"
    )
    desk = make_channel("窓口業務", creator=taro, members=[hanako], purpose="窓口の困りごとを話す場所")
    make_channel("雑談", creator=taro, members=[hanako])
    make_message(desk, taro, "書かない窓口を **始めました**。手順は[こちら](https://example.lg.jp/)。")
    question = make_message(desk, taro, "おくやみ窓口、どう始めましたか？")
    make_message(desk, hanako, "庁内の手順を一枚にまとめました", thread=question)
    make_message(desk, taro, f"@[久留米 花子](member:{hanako.pk}) ありがとうございます", thread=question)
    for member in (hanako, taro):
        make_reaction(question, member, "共創")
    make_reaction(question, hanako, "なるほど")

    with django_capture_on_commit_callbacks(execute=True):
        account_actions.apply_for_membership(
            email="jiro@pref.fukuoka.lg.jp",
            full_name="筑後 次郎",
            display_name="じろう",
            department="市民課",
            organization=directory.kurume,
            channels=[directory.theme_channel],
            client_ip="192.0.2.1",
            language="ja",
        )
    token = link_in(last_mail_to("jiro@pref.fukuoka.lg.jp")).rstrip("/").rsplit("/", 1)[-1]
    with django_capture_on_commit_callbacks(execute=True):
        account_actions.verify_application(token=token)
    application = Application.objects.get(email="jiro@pref.fukuoka.lg.jp")
    return Community(directory, hanako, taro, operator, desk, question, application)


def sign_in_as(page: Any, member: Member, live_server: Any, *, second_factor: bool = True) -> None:
    client = Client()
    if second_factor:
        force_login_verified(client, member)
    else:
        client.force_login(member)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def channel_url(channel: Channel) -> str:
    return f"/channels/{quote(channel.slug)}/"
