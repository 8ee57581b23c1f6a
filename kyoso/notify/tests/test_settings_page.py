"""The notification settings page (通知の設定): every choice saved, wrong input refused in Japanese."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kyoso.notify import kinds, settings_forms
from kyoso.notify.models import Digest, NotificationSettings
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import make_member, make_organization

pytestmark = pytest.mark.django_db

URL = "/notifications/settings/"


@pytest.fixture
def hanako() -> Any:
    return make_member(make_organization("久留米市"), display_name="久留米 花子")


@pytest.fixture
def client(hanako: Any) -> Client:
    client = Client()
    force_login_verified(client, hanako)
    return client


def input_tag(page: str, name: str) -> str:
    [tag] = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    return tag


def everything_on() -> dict[str, str]:
    """The form as a member who changed nothing sends it."""
    data = {"email_missed": "on", "digest": "weekly", "quiet_from": "", "quiet_until": ""}
    for kind in kinds.all_kinds():
        data[f"app_{kind.key}"] = "on"
        if kind.email:
            data[f"mail_{kind.key}"] = "on"
    return data


def test_a_visitor_is_sent_to_sign_in(hanako: Any) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


def test_the_page_lists_every_kind_and_is_honest_about_digests(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    for kind in kinds.all_kinds():
        assert str(kind.label) in page
        assert f'name="app_{kind.key}"' in page
        assert (f'name="mail_{kind.key}"' in page) == kind.email
    assert ("まとめメール（準備中: まだ送られません）" in page) != settings_forms.digests_are_sent()
    assert "<fieldset" in page and "<legend" in page
    assert 'type="time"' in page
    # The account menu links here, marked as the current page.
    assert 'href="/notifications/settings/" aria-current="page"' in page


def test_saving_every_choice(client: Client, hanako: Any) -> None:
    data = everything_on()
    del data["email_missed"]
    data["hide_content"] = "on"
    del data["app_channel_message"]
    del data["mail_thread_reply"]
    data.update(quiet_from="22:00", quiet_until="07:00", digest="daily")
    response = client.post(URL, data, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "通知の設定を保存しました。" in response.content.decode()
    row = NotificationSettings.objects.get(member=hanako)
    assert row.email_missed is False and row.hide_content is True
    assert row.muted_kinds == ["channel_message"]
    assert row.email_off_kinds == ["thread_reply"]
    assert (row.quiet_from, row.quiet_until) == (time(22, 0), time(7, 0))
    assert row.digest == Digest.DAILY

    # The page shows what was saved.
    page = client.get(URL).content.decode()
    assert 'value="22:00"' in page and 'value="07:00"' in page
    assert "checked" not in input_tag(page, "app_channel_message")
    assert "checked" not in input_tag(page, "mail_thread_reply")
    assert "checked" in input_tag(page, "app_mention") and "checked" in input_tag(page, "hide_content")


def test_turning_everything_back_on_clears_the_lists(client: Client, hanako: Any) -> None:
    NotificationSettings.objects.create(
        member=hanako,
        muted_kinds=["mention"],
        email_off_kinds=["direct_message"],
        quiet_from=time(1),
        quiet_until=time(2),
    )
    assert client.post(URL, everything_on()).status_code == 302
    row = NotificationSettings.objects.get(member=hanako)
    assert (row.muted_kinds, row.email_off_kinds, row.quiet_from, row.quiet_until) == ([], [], None, None)


@pytest.mark.parametrize(
    ("quiet", "field", "message"),
    [
        (("22:00", ""), "quiet_until", "終了の時刻も入力してください"),
        (("", "07:00"), "quiet_from", "開始の時刻も入力してください"),
        (("09:00", "09:00"), "quiet_until", "開始と終了に違う時刻を入力してください。"),
        (("25:00", "07:00"), "quiet_from", "時刻は「22:00」のように、時と分で入力してください。"),
    ],
)
def test_wrong_quiet_hours_are_refused_in_japanese_and_tied_to_their_input(
    client: Client, hanako: Any, quiet: tuple[str, str], field: str, message: str
) -> None:
    data = everything_on()
    data["quiet_from"], data["quiet_until"] = quiet
    response = client.post(URL, data)
    assert response.status_code == 200  # the form again, with its messages
    page = response.content.decode()
    assert message in page
    assert f'id="id_{field}-error"' in page
    assert f'aria-describedby="id_{field}-error"' in page and 'aria-invalid="true"' in page
    assert 'role="alert"' in page
    assert not NotificationSettings.objects.filter(member=hanako).exists()


def test_an_unknown_digest_is_refused(client: Client, hanako: Any) -> None:
    data = everything_on()
    data["digest"] = "hourly"
    response = client.post(URL, data)
    assert response.status_code == 200  # the form again, with its messages
    assert "まとめメールは「受け取らない」「毎日」「毎週」から選んでください。" in response.content.decode()
    assert not NotificationSettings.objects.filter(member=hanako).exists()


@pytest.mark.parametrize("sent", [True, False])
def test_the_digest_choice_says_whether_digests_are_sent_at_all(
    client: Client, monkeypatch: pytest.MonkeyPatch, sent: bool
) -> None:
    monkeypatch.setattr(settings_forms, "digests_are_sent", lambda: sent)
    page = client.get(URL).content.decode()
    assert ("まとめメール（準備中: まだ送られません）" in page) is not sent
    assert ("まだ準備中のため、選んでも今は送られません。" in page) is not sent
    assert "まとめメール" in page
