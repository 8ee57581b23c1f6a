"""The admin (管理画面): every model, in Japanese, open to operators past two-factor only, and audited."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.cache import cache
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from kyoso.accounts.actions.security import PENDING_TOTP_SECRET
from kyoso.accounts.models import Member, MemberStatus, Role, TOTPDevice
from kyoso.chat.models import Stamp
from kyoso.moderation.models import AuditEntry
from kyoso.testing.auth import force_login_verified, totp_code
from kyoso.testing.factories import DEFAULT_PASSWORD, make_member

pytestmark = pytest.mark.django_db

KYOSO_APPS = {"accounts", "chat", "core", "directory", "moderation", "notify"}


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def operator_client(client: Client) -> Client:
    force_login_verified(client, make_member(role=Role.OPERATOR, email="ops@digital.go.jp"))
    return client


def kyoso_models() -> list[type[Model]]:
    return [m for m in apps.get_models() if m._meta.app_label in KYOSO_APPS]


def test_every_kyoso_model_is_in_the_admin_with_a_japanese_name() -> None:
    for model in kyoso_models():
        assert model in admin.site._registry, model
        name = str(model._meta.verbose_name)
        assert any(ord(ch) > 0x3000 for ch in name), f"{model.__name__}: {name}"


def test_operator_past_two_factor_opens_every_list_and_page(operator_client: Client) -> None:
    assert operator_client.get("/admin/").status_code == 200
    for model in kyoso_models():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert operator_client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "fields",
    [
        {"role": Role.MEMBER},
        {"role": Role.MODERATOR},
        {"role": Role.MEMBER, "is_staff": True, "is_superuser": True},
    ],
)
def test_member_who_is_not_an_operator_cannot_open_the_admin(client: Client, fields: dict) -> None:
    force_login_verified(client, make_member(**fields))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert client.get("/admin/accounts/member/").status_code == 302


def test_suspended_operator_cannot_open_the_admin(client: Client) -> None:
    operator = make_member(role=Role.OPERATOR)
    force_login_verified(client, operator)
    Member.objects.filter(pk=operator.pk).update(status=MemberStatus.SUSPENDED)
    assert client.get("/admin/").status_code == 302


def test_signed_out_visitor_is_sent_to_kyosos_sign_in_not_an_admin_form(client: Client) -> None:
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/sign-in/?next=")


def test_operator_enrols_two_factor_then_opens_the_admin(client: Client) -> None:
    operator = make_member(role=Role.OPERATOR, password=DEFAULT_PASSWORD)
    client.post("/accounts/sign-in/", {"username": operator.email, "password": DEFAULT_PASSWORD})
    assert client.get("/admin/")["Location"] == "/accounts/security/two-factor/"

    client.get("/accounts/security/two-factor/")
    secret = client.session[PENDING_TOTP_SECRET]
    client.post("/accounts/security/two-factor/", {"code": totp_code(secret)})
    assert TOTPDevice.objects.filter(member=operator, confirmed_at__isnull=False).exists()
    assert client.get("/admin/").status_code == 200


def test_admin_change_is_in_the_audit_log_with_before_and_after(operator_client: Client) -> None:
    stamp = Stamp.objects.create(name="ひらめき", emoji="💡", sort_order=5)
    url = reverse("admin:chat_stamp_change", args=[stamp.pk])
    response = operator_client.post(url, {"name": "ひらめき！", "emoji": "💡", "sort_order": 7})
    assert response.status_code == 302

    entry = AuditEntry.objects.get(action="admin.stamp.change")
    assert entry.actor is not None
    assert entry.actor.email == "ops@digital.go.jp"
    assert entry.target_type == "chat.stamp" and entry.target_id == str(stamp.pk)
    assert entry.before is not None and entry.after is not None
    assert entry.before["name"] == "ひらめき" and entry.before["sort_order"] == 5
    assert entry.after["name"] == "ひらめき！" and entry.after["sort_order"] == 7


def test_admin_member_change_and_bulk_delete_are_audited(operator_client: Client) -> None:
    first = Stamp.objects.create(name="いいね")
    second = Stamp.objects.create(name="感謝")
    operator_client.post(
        reverse("admin:chat_stamp_changelist"),
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    deleted = AuditEntry.objects.filter(action="admin.stamp.delete")
    assert sorted((e.before or {})["name"] for e in deleted) == ["いいね", "感謝"]
    assert all(e.after is None for e in deleted)


def test_audit_log_is_read_only_even_for_operators(operator_client: Client) -> None:
    stamp = Stamp.objects.create(name="共感")
    operator_client.post(reverse("admin:chat_stamp_delete", args=[stamp.pk]), {"post": "yes"})
    entry = AuditEntry.objects.get()
    change = reverse("admin:moderation_auditentry_change", args=[entry.pk])
    assert operator_client.get(change).status_code == 200
    assert operator_client.post(change, {"action": "x"}).status_code == 403
    delete = reverse("admin:moderation_auditentry_delete", args=[entry.pk])
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_secrets_are_never_shown_in_the_admin(operator_client: Client) -> None:
    member = make_member(password=DEFAULT_PASSWORD)
    device = TOTPDevice.objects.create(
        member=member, secret="JBSWY3DPEHPK3PXP", last_used_step=int(time.time())
    )
    member_page = operator_client.get(
        reverse("admin:accounts_member_change", args=[member.pk])
    ).content.decode()
    assert member.password not in member_page
    assert "pbkdf2" not in member_page and "argon2" not in member_page
    device_page = operator_client.get(reverse("admin:accounts_totpdevice_change", args=[device.pk]))
    assert "JBSWY3DPEHPK3PXP" not in device_page.content.decode()


def test_audit_snapshots_leave_secrets_out(operator_client: Client) -> None:
    member = make_member()
    url = reverse("admin:accounts_member_change", args=[member.pk])
    form = operator_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update({"status": MemberStatus.SUSPENDED, "status_reason": "運営の判断", "groups": []})
    response = operator_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    # The status goes through its action, which writes its own entry beside the admin's.
    entry = AuditEntry.objects.get(action="member.status_changed")
    assert entry.before is not None and entry.after is not None
    assert entry.before["status"] == "active" and entry.after["status"] == "suspended"
    for entry in AuditEntry.objects.filter(target_id=str(member.pk)):
        assert "password" not in (entry.before or {}) and "password" not in (entry.after or {})


def member_change_data(member: Member, **changes: object) -> dict[str, object]:
    """What the member change page posts back when only ``changes`` are edited."""
    data: dict[str, object] = {
        "email": member.email,
        "full_name": member.full_name,
        "display_name": member.display_name,
        "organization": member.organization_id or "",
        "department": member.department,
        "role": member.role,
        "status": member.status,
    }
    data.update(changes)
    return data


def test_an_address_typed_in_the_admin_is_stored_in_its_one_spelling(operator_client: Client) -> None:
    # Sign-in looks addresses up in lower-case ASCII; a capital typed here would lock the member out.
    member = make_member(email="hanako@city.kurume.fukuoka.jp")
    url = reverse("admin:accounts_member_change", args=[member.pk])
    response = operator_client.post(url, member_change_data(member, email="Taro@ＣＩＴＹ.Kurume.Fukuoka.jp"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.email == "taro@city.kurume.fukuoka.jp"

    make_member(email="jiro@city.kurume.fukuoka.jp")
    response = operator_client.post(url, member_change_data(member, email="JIRO@city.kurume.fukuoka.jp"))
    assert response.status_code == 200  # the form says the address is taken
    member.refresh_from_db()
    assert member.email == "taro@city.kurume.fukuoka.jp"


def test_a_role_set_in_the_admin_goes_through_the_role_action(operator_client: Client) -> None:
    member = make_member(email="hanako@city.kurume.fukuoka.jp")
    url = reverse("admin:accounts_member_change", args=[member.pk])
    response = operator_client.post(url, member_change_data(member, role=Role.MODERATOR))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == Role.MODERATOR
    entry = AuditEntry.objects.get(action="member.role_changed", target_id=str(member.pk))
    assert entry.before is not None and entry.after is not None
    assert entry.before["role"] == Role.MEMBER and entry.after["role"] == Role.MODERATOR


def test_an_ambassador_without_a_region_and_term_is_refused_in_the_admin(operator_client: Client) -> None:
    member = make_member(email="hanako@city.kurume.fukuoka.jp")
    url = reverse("admin:accounts_member_change", args=[member.pk])
    response = operator_client.post(url, member_change_data(member, role=Role.AMBASSADOR))
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == ["この役割は指定できません。"]
    member.refresh_from_db()
    assert member.role == Role.MEMBER
    assert not AuditEntry.objects.filter(action="member.role_changed").exists()


def test_the_last_operator_cannot_be_demoted_in_the_admin(client: Client) -> None:
    operator = make_member(role=Role.OPERATOR, email="ops@digital.go.jp")
    force_login_verified(client, operator)
    url = reverse("admin:accounts_member_change", args=[operator.pk])
    response = client.post(url, member_change_data(operator, role=Role.MEMBER))
    assert response.status_code == 200
    operator.refresh_from_db()
    assert operator.role == Role.OPERATOR


def test_a_suspension_in_the_admin_is_an_operators_decision_with_a_cause(operator_client: Client) -> None:
    member = make_member(email="hanako@city.kurume.fukuoka.jp")
    url = reverse("admin:accounts_member_change", args=[member.pk])
    response = operator_client.post(
        url, member_change_data(member, status=MemberStatus.SUSPENDED, status_reason="行動規範違反")
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == MemberStatus.SUSPENDED
    assert member.status_cause == "moderation"
    assert member.status_changed_at is not None
    entry = AuditEntry.objects.get(action="member.status_changed", target_id=str(member.pk))
    assert entry.after is not None
    assert entry.after["status"] == MemberStatus.SUSPENDED and entry.reason == "行動規範違反"


def test_admin_cannot_point_a_stamp_picture_at_another_stored_file(operator_client: Client) -> None:
    stamp = Stamp.objects.create(name="ひらめき")
    url = reverse("admin:chat_stamp_change", args=[stamp.pk])
    operator_client.post(url, {"name": "ひらめき", "sort_order": 1, "image": "attachments/secret.pdf"})
    stamp.refresh_from_db()
    assert stamp.image == ""


def test_the_admin_speaks_kyosos_words_not_djangos_stock_ones(operator_client: Client) -> None:
    body = operator_client.get("/admin/").content.decode()
    # Stamps pressed on messages are スタンプ, as everywhere in kyoso; never リアクション.
    assert "押されたスタンプ" in body and "リアクション" not in body
    # One sign-in and one sign-out across kyoso: the admin says サインアウト, not ログアウト.
    assert "サインアウト" in body and "ログアウト" not in body and "ログイン" not in body
