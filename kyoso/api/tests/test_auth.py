"""Who may call the API: a usable personal token, or a signed-in session with CSRF for changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kyoso.accounts.models import MemberStatus, Role
from kyoso.api import actions, tokens
from kyoso.api.errors import TokenNotFound
from kyoso.api.models import PersonalToken
from kyoso.api.tests.conftest import Api, error_code, token_for
from kyoso.moderation.models import AuditEntry
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import make_channel, make_member

pytestmark = pytest.mark.django_db


def session_api(member: object, *, enforce_csrf: bool = True) -> Api:
    client = Client(enforce_csrf_checks=enforce_csrf)
    force_login_verified(client, member)  # type: ignore[arg-type]
    return Api(client)


def test_a_personal_token_authenticates_as_its_member() -> None:
    member = make_member(display_name="久留米 花子")
    response = Api(Client(), token_for(member)).get("/me")
    assert response.status_code == 200
    assert response.json()["id"] == member.pk
    assert response.json()["name"] == "久留米 花子"


def test_a_call_without_credentials_answers_401() -> None:
    response = Api(Client()).get("/me")
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer kyoso_pat_wrongwrongwrongwrongwrongwrongwrongwrongwro",
        "Bearer not-a-kyoso-token",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "kyoso_pat_missing_scheme",
    ],
)
def test_a_wrong_token_answers_401(header: str) -> None:
    make_member()
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


def test_a_revoked_token_answers_401() -> None:
    member = make_member()
    token, secret = actions.create_personal_token(member=member, name="集計")
    api = Api(Client(), secret)
    assert api.get("/me").status_code == 200
    actions.revoke_personal_token(member=member, token=token)
    response = api.get("/me")
    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


def test_an_expired_token_answers_401() -> None:
    member = make_member()
    token, secret = actions.create_personal_token(member=member, name="集計", expires_in_days=1)
    api = Api(Client(), secret)
    assert api.get("/me").status_code == 200
    PersonalToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api.get("/me").status_code == 401


@pytest.mark.parametrize("status", [MemberStatus.SUSPENDED, MemberStatus.DEACTIVATED, MemberStatus.PENDING])
def test_a_token_of_a_member_who_is_not_active_answers_403(status: str) -> None:
    member = make_member()
    api = Api(Client(), token_for(member))
    channel = make_channel("窓口DX", creator=member)
    member.status = status
    member.save(update_fields=["status"])
    for response in (
        api.get("/me"),
        api.get(f"/channels/{channel.pk}/messages"),
        api.post("/channels/0/read"),
    ):
        assert response.status_code == 403
        assert error_code(response) == "account_unavailable"


def test_the_secret_is_never_stored_only_its_digest() -> None:
    member = make_member()
    token, secret = actions.create_personal_token(member=member, name="集計")
    assert secret.startswith(tokens.TOKEN_PREFIX)
    token.refresh_from_db()
    stored = [str(getattr(token, f.attname)) for f in PersonalToken._meta.concrete_fields]
    assert secret not in stored
    assert token.token_hash == tokens.digest(secret)
    assert secret.startswith(token.prefix) and len(token.prefix) < len(secret)


def test_making_and_revoking_a_token_is_audited() -> None:
    member = make_member()
    token, secret = actions.create_personal_token(member=member, name="集計", ip_address="192.0.2.1")
    actions.revoke_personal_token(member=member, token=token)
    entries = list(AuditEntry.objects.filter(target_id=str(token.pk)).order_by("id"))
    assert [e.action for e in entries] == ["api_token.created", "api_token.revoked"]
    assert all(e.actor_id == member.pk for e in entries)
    assert entries[0].ip_address == "192.0.2.1"
    assert all(secret not in str(e.before) + str(e.after) for e in entries)


def test_a_member_cannot_revoke_another_members_token() -> None:
    owner, other = make_member(), make_member()
    token, secret = actions.create_personal_token(member=owner, name="集計")
    with pytest.raises(TokenNotFound):
        actions.revoke_personal_token(member=other, token=token)
    assert Api(Client(), secret).get("/me").status_code == 200


def test_last_use_is_noted_at_most_once_a_minute() -> None:
    member = make_member()
    token, secret = actions.create_personal_token(member=member, name="集計")
    api = Api(Client(), secret)
    api.get("/me")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    api.get("/me")
    token.refresh_from_db()
    assert token.last_used_at == first
    PersonalToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    api.get("/me")
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=2)


def test_wrong_tokens_from_one_address_are_refused_for_a_while(settings: object) -> None:
    settings.KYOSO_API_TOKEN_FAILURES_PER_IP = 3  # type: ignore[attr-defined]
    member = make_member()
    good = Api(Client(), token_for(member))
    bad = Api(Client(), tokens.TOKEN_PREFIX + "guess")
    assert [bad.get("/me").status_code for _ in range(3)] == [401, 401, 401]
    refused = bad.get("/me")
    assert refused.status_code == 429
    assert error_code(refused) == "rate_limited"
    # Every token attempt from that address waits, a right one too: guessing cannot continue.
    assert good.get("/me").status_code == 429


def test_a_session_reads_without_csrf() -> None:
    member = make_member()
    response = session_api(member).get("/me")
    assert response.status_code == 200
    assert response.json()["email"] == member.email


def test_a_session_change_without_csrf_is_refused_and_changes_nothing() -> None:
    member = make_member()
    channel = make_channel("窓口DX", creator=make_member())
    response = session_api(member).post(f"/channels/{channel.pk}/join")
    assert response.status_code == 403
    assert error_code(response) == "csrf_failed"
    assert not channel.memberships.filter(member=member).exists()


def test_a_session_change_with_the_csrf_token_is_accepted() -> None:
    member = make_member()
    channel = make_channel("窓口DX", creator=make_member())
    api = session_api(member)
    api.client.get("/accounts/security/")  # any page with a form sets the CSRF cookie
    api.csrf_token = api.client.cookies["csrftoken"].value
    response = api.post(f"/channels/{channel.pk}/join")
    assert response.status_code == 200
    assert channel.memberships.filter(member=member).exists()


def test_a_token_needs_no_csrf_even_with_a_session_cookie() -> None:
    member = make_member()
    channel = make_channel("窓口DX", creator=make_member())
    api = session_api(member)
    api.secret = token_for(member)
    assert api.post(f"/channels/{channel.pk}/join").status_code == 200


@pytest.mark.parametrize("status", [MemberStatus.SUSPENDED, MemberStatus.DEACTIVATED, MemberStatus.PENDING])
def test_a_session_of_a_member_who_is_not_active_answers_401_and_ends(status: str) -> None:
    member = make_member()
    api = session_api(member, enforce_csrf=False)
    assert api.get("/me").status_code == 200
    member.status = status
    member.save(update_fields=["status"])
    response = api.get("/me")
    assert response.status_code == 401
    assert error_code(response) == "session_ended"
    # The session is over: the next call is simply not signed in.
    assert error_code(api.get("/me")) == "not_authenticated"


def test_an_operator_session_without_the_second_factor_answers_403_not_a_redirect() -> None:
    operator = make_member(role=Role.OPERATOR)
    client = Client()
    client.force_login(operator)  # signed in, but the second factor is not done
    response = Api(client).get("/me")
    assert response.status_code == 403
    assert error_code(response) == "second_factor_required"


def test_web_pages_still_redirect_a_session_of_a_suspended_member() -> None:
    member = make_member()
    client = Client()
    client.force_login(member)
    member.status = MemberStatus.SUSPENDED
    member.save(update_fields=["status"])
    assert client.get("/accounts/profile/").status_code == 302
