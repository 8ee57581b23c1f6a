"""One-click unsubscribe (RFC 8058): the POST acts without sign-in, a GET only asks, bad links are refused."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client

from kyoso.core.tests.smtp import Inbox
from kyoso.notify.models import Digest, MailState, Notification, NotificationSettings
from kyoso.notify.tests.mail_support import GRACE, T0, inbox, mention, plain, run_job
from kyoso.notify.unsubscribe_links import UNSUBSCRIBE_LINK_MAX_AGE, unsubscribe_token
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization

__all__ = ["inbox"]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hanako() -> Any:
    return make_member(make_organization("久留米市"), display_name="久留米 花子")


def path_of(token: str) -> str:
    return f"/notifications/unsubscribe/{token}/"


def settings_of(member: Any) -> NotificationSettings:
    return NotificationSettings.objects.get(member=member)


def test_the_mails_list_unsubscribe_url_unsubscribes_by_a_post_without_a_session(
    inbox: Inbox, hanako: Any
) -> None:
    taro = make_member(make_organization("八女市"), display_name="八女 太郎")
    desk = make_channel("窓口業務", creator=taro, members=[hanako])
    make_message(desk, taro, f"{mention(hanako)} 確認を", at=T0)
    run_job(T0 + GRACE)
    [received] = inbox.messages
    url = str(received["List-Unsubscribe"]).strip().strip("<>")
    assert url in plain(received)  # the same link in the footer, for people

    # What a mail client's unsubscribe button sends: no cookie, no CSRF token (RFC 8058).
    client = Client(enforce_csrf_checks=True)
    response = client.post(urlsplit(url).path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "配信を停止しました" in response.content.decode()
    row = settings_of(hanako)
    assert (row.email_missed, row.digest) == (False, Digest.OFF)

    # And no more mails for what is missed after that.
    make_message(desk, taro, f"{mention(hanako)} もう一件", at=T0 + timedelta(hours=1))
    assert run_job(T0 + timedelta(hours=2)) == 0
    assert len(inbox.messages) == 1
    assert Notification.objects.filter(recipient=hanako).latest("id").mail_state == MailState.SKIPPED


def test_a_get_only_shows_a_confirmation_and_changes_nothing(hanako: Any) -> None:
    row = NotificationSettings.objects.create(member=hanako)
    response = Client().get(path_of(unsubscribe_token(row)))
    assert response.status_code == 200
    page = response.content.decode()
    assert "配信を停止する" in page and 'method="post"' in page
    row.refresh_from_db()
    assert (row.email_missed, row.digest) == (True, Digest.WEEKLY)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # a changed signature
        lambda token: "x" + token,  # a changed payload
        lambda token: "not-a-token",
        lambda token: signing.TimestampSigner(salt="another.salt").sign_object({"m": 1, "k": "x"}),
    ],
)
def test_a_forged_link_is_refused_with_a_clear_message(hanako: Any, tamper: Any) -> None:
    row = NotificationSettings.objects.create(member=hanako)
    forged = tamper(unsubscribe_token(row))
    for method in ("get", "post"):
        response = getattr(Client(), method)(path_of(forged))
        assert response.status_code == 400
        assert "この配信停止のリンクは正しくないか、期限が切れています" in response.content.decode()
    row.refresh_from_db()
    assert row.email_missed is True


def test_an_expired_link_is_refused(hanako: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    row = NotificationSettings.objects.create(member=hanako)
    signed_at = time.time() - UNSUBSCRIBE_LINK_MAX_AGE.total_seconds() - 60
    monkeypatch.setattr(time, "time", lambda: signed_at)
    old = unsubscribe_token(row)
    monkeypatch.undo()
    response = Client().post(path_of(old))
    assert response.status_code == 400
    row.refresh_from_db()
    assert row.email_missed is True


def test_a_link_from_before_a_new_key_is_refused(hanako: Any) -> None:
    row = NotificationSettings.objects.create(member=hanako)
    old = unsubscribe_token(row)
    NotificationSettings.objects.filter(pk=row.pk).update(unsubscribe_key="a-new-key")
    assert Client().post(path_of(old)).status_code == 400
    assert settings_of(hanako).email_missed is True


def test_a_member_whose_settings_row_is_gone_is_unsubscribed_with_a_new_row(hanako: Any) -> None:
    row = NotificationSettings.objects.create(member=hanako)
    token = unsubscribe_token(row)
    row.delete()
    assert Client().post(path_of(token)).status_code == 200
    made = settings_of(hanako)
    assert (made.email_missed, made.digest) == (False, Digest.OFF)


def test_a_link_of_a_member_who_no_longer_exists_is_refused(hanako: Any) -> None:
    token = unsubscribe_token(NotificationSettings(member_id=hanako.pk + 1000, unsubscribe_key="k"))
    assert Client().post(path_of(token)).status_code == 400
    assert not NotificationSettings.objects.exists()


def test_other_notification_pages_still_require_the_csrf_token(hanako: Any) -> None:
    from kyoso.testing.auth import force_login_verified

    client = Client(enforce_csrf_checks=True)
    force_login_verified(client, hanako)
    response = client.post("/notifications/settings/", {"digest": "off"})
    assert response.status_code == 403
    assert not NotificationSettings.objects.exists()
