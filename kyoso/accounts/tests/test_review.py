"""参加申請の審査: the operators' queue, approval, rejection, the audit log and advisor invitations."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client

from kyoso.accounts import actions
from kyoso.accounts.actions.security import SECOND_FACTOR_VERIFIED
from kyoso.accounts.errors import ApplicationAlreadyDecided, NotAllowed, RejectionReasonRequired
from kyoso.accounts.models import (
    Application,
    ApplicationStatus,
    Eligibility,
    LinkPurpose,
    Member,
    MemberStatus,
    Role,
)
from kyoso.accounts.queries import applications_in_review, waiting_application_count
from kyoso.accounts.tests.registration_support import Directory, last_mail_to, link_in, make_directory
from kyoso.chat.models import ChannelMembership
from kyoso.moderation.models import AuditEntry
from kyoso.testing.factories import make_member

QUEUE = "/accounts/review/"


@pytest.fixture(autouse=True)
def fresh_budgets() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def directory(db: None) -> Directory:
    return make_directory()


@pytest.fixture
def operator(directory: Directory) -> Member:
    return make_member(
        directory.fukuoka, email="unei@pref.fukuoka.lg.jp", role=Role.OPERATOR, display_name="運営A"
    )


def signed_in(client: Client, member: Member) -> Client:
    """Signed in with the second factor done, as operators must be."""
    client.force_login(member)
    session = client.session
    session[SECOND_FACTOR_VERIFIED] = True
    session.save()
    return client


def in_review(
    directory: Directory, captured: Callable, email: str = "jiro@pref.fukuoka.lg.jp"
) -> Application:
    """An application whose address was verified and which waits for an operator."""
    with captured():
        actions.apply_for_membership(
            email=email,
            full_name="筑後 次郎",
            display_name="じろう",
            department="市民課",
            organization=directory.kurume,
            channels=[directory.theme_channel],
            client_ip="192.0.2.1",
            language="ja",
        )
    application = Application.objects.get(email=email)
    # The mail carries the only copy of the token.
    token_path = link_in(last_mail_to(email))
    with captured():
        actions.verify_application(token=token_path.rstrip("/").rsplit("/", 1)[-1])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    mail.outbox.clear()
    return application


@pytest.fixture
def captured(django_capture_on_commit_callbacks: Callable) -> Callable:
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def application(directory: Directory, captured: Callable) -> Application:
    return in_review(directory, captured)


# ---- The queue ------------------------------------------------------------------------------


def test_the_queue_shows_each_applicant_with_the_evidence(
    client: Client, operator: Member, application: Application
) -> None:
    body = signed_in(client, operator).get(QUEUE).content.decode()
    assert "参加申請の審査" in body
    assert "筑後 次郎" in body and "jiro@pref.fukuoka.lg.jp" in body
    assert "福岡県久留米市（402036）" in body
    assert "city.kurume.fukuoka.jp" in body  # the chosen organisation's domains
    assert "pref.fukuoka.lg.jp" in body and "福岡県のドメイン" in body  # whose domain it really is
    assert "市民課" in body
    assert str(Eligibility.GOVERNMENT_MISMATCH.label) in body
    assert "csrfmiddlewaretoken" in body


def test_the_header_shows_operators_how_many_applications_wait(
    client: Client, operator: Member, application: Application
) -> None:
    body = signed_in(client, operator).get("/").content.decode()
    assert f'href="{QUEUE}"' in body
    assert waiting_application_count(operator) == 1
    # The count stands apart from its label, and is read as 「1件」.
    assert (
        '<span class="global-nav__label">参加申請の審査</span> <span class="badge global-nav__badge" '
        'data-review-waiting><span aria-hidden="true">1</span><span class="visually-hidden">1件</span></span>'
    ) in body


def test_members_do_not_see_the_queue(client: Client, directory: Directory, application: Application) -> None:
    member = make_member(directory.kurume)
    signed_in(client, member)
    assert client.get(QUEUE).status_code == 404
    assert client.post(f"{QUEUE}{application.pk}/approve/").status_code == 404
    assert f'href="{QUEUE}"' not in client.get("/").content.decode()
    assert not applications_in_review(member).exists()
    assert Application.objects.get().status == ApplicationStatus.IN_REVIEW


def test_signed_out_people_are_sent_to_sign_in(client: Client, application: Application) -> None:
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


# ---- Decisions -------------------------------------------------------------------------------


def test_an_operator_approves_an_application(
    client: Client, operator: Member, directory: Directory, application: Application, captured: Callable
) -> None:
    with captured():
        response = signed_in(client, operator).post(f"{QUEUE}{application.pk}/approve/")
    assert response.status_code == 302

    member = Member.objects.get(email="jiro@pref.fukuoka.lg.jp")
    assert member.status == MemberStatus.ACTIVE
    assert member.organization == directory.kurume
    assert member.email_verified_at is not None
    joined = set(ChannelMembership.objects.filter(member=member).values_list("channel_id", flat=True))
    assert joined == {directory.default_channel.pk, directory.theme_channel.pk}
    application.refresh_from_db()
    assert (application.status, application.decided_by, application.member) == (
        ApplicationStatus.APPROVED,
        operator,
        member,
    )
    entry = AuditEntry.objects.get(action="application.approve")
    assert entry.actor == operator
    assert entry.target_id == str(application.pk)
    assert entry.before is not None and entry.after is not None
    assert entry.before["status"] == ApplicationStatus.IN_REVIEW
    assert entry.after["status"] == ApplicationStatus.APPROVED
    message = last_mail_to("jiro@pref.fukuoka.lg.jp")
    assert "承認されました" in message.subject
    assert "/accounts/sign-in/" in message.body
    assert "筑後 次郎さんの参加を承認しました" in client.get(QUEUE).content.decode()


def test_an_operator_rejects_an_application_with_a_reason(
    client: Client, operator: Member, application: Application, captured: Callable
) -> None:
    with captured():
        signed_in(client, operator).post(
            f"{QUEUE}{application.pk}/reject/", {"reason": "所属団体のメールアドレスで申請してください。"}
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.decision_reason == "所属団体のメールアドレスで申請してください。"
    assert not Member.objects.filter(email=application.email).exists()
    entry = AuditEntry.objects.get(action="application.reject")
    assert entry.actor == operator and entry.reason == application.decision_reason
    message = last_mail_to(application.email)
    assert "審査結果" in message.subject
    assert "所属団体のメールアドレスで申請してください。" in message.body


def test_a_rejection_needs_a_reason(
    client: Client, operator: Member, application: Application, captured: Callable
) -> None:
    with captured():
        response = signed_in(client, operator).post(
            f"{QUEUE}{application.pk}/reject/", {"reason": "  "}, follow=True
        )
    assert "却下の理由を入力してください" in response.content.decode()
    assert Application.objects.get().status == ApplicationStatus.IN_REVIEW
    with pytest.raises(RejectionReasonRequired):
        actions.reject_application(operator=operator, application=application, reason="")
    assert not AuditEntry.objects.exists()


def test_only_operators_may_decide(directory: Directory, application: Application) -> None:
    moderator = make_member(directory.kurume, role=Role.MODERATOR)
    with pytest.raises(NotAllowed):
        actions.approve_application(operator=moderator, application=application)
    assert Application.objects.get().status == ApplicationStatus.IN_REVIEW


def test_approving_twice_creates_one_member(operator: Member, application: Application) -> None:
    stale = Application.objects.get(pk=application.pk)
    actions.approve_application(operator=operator, application=application)
    with pytest.raises(ApplicationAlreadyDecided):
        actions.approve_application(operator=operator, application=stale)
    with pytest.raises(ApplicationAlreadyDecided):
        actions.reject_application(operator=operator, application=stale, reason="重複")
    assert Member.objects.filter(email=application.email).count() == 1
    assert AuditEntry.objects.filter(action="application.approve").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_operators_approving_at_once_create_one_member(directory: Directory, captured: Callable) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs a server database (run on PostgreSQL)")
    application = in_review(directory, captured)
    operators = [make_member(directory.fukuoka, role=Role.OPERATOR) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(operator: Member) -> None:
        try:
            barrier.wait()
            actions.approve_application(operator=operator, application=application)
            outcomes.append("approved")
        except ApplicationAlreadyDecided:
            outcomes.append("already decided")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(operator,)) for operator in operators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already decided", "approved"]
    assert Member.objects.filter(email=application.email).count() == 1


# ---- Advisor invitations ------------------------------------------------------------------


def test_an_operator_invites_an_advisor_who_joins_with_the_advisor_role(
    client: Client, operator: Member, captured: Callable
) -> None:
    with captured():
        signed_in(client, operator).post(
            "/accounts/review/invite/", {"email": "Expert@Example.com", "full_name": "外部 専門家"}
        )
    client.logout()
    invite = Application.objects.get(email="expert@example.com")
    assert (invite.role, invite.eligibility) == (Role.ADVISOR, Eligibility.INVITED)
    assert invite.links.get().purpose == LinkPurpose.INVITATION
    assert AuditEntry.objects.get(action="advisor.invite").actor == operator
    message = last_mail_to("expert@example.com")
    assert "アドバイザー" in message.subject
    path = link_in(message)

    assert "外部 専門家さん" in client.get(path).content.decode()
    response = client.post(
        path, {"display_name": "せんもんか", "department": "株式会社サンプル", "consent": "on"}
    )

    assert response.status_code == 302 and response["Location"] == "/"
    advisor = Member.objects.get(email="expert@example.com")
    assert (advisor.role, advisor.status, advisor.department) == (
        Role.ADVISOR,
        MemberStatus.ACTIVE,
        "株式会社サンプル",
    )
    assert AuditEntry.objects.filter(action="advisor.accept_invitation").exists()
    assert client.post(path, {"display_name": "x", "department": "y", "consent": "on"}).status_code == 400


def test_an_invitation_needs_consent_to_the_terms(
    client: Client, operator: Member, captured: Callable
) -> None:
    with captured():
        actions.invite_advisor(operator=operator, email="expert@example.com", full_name="外部 専門家")
    path = link_in(last_mail_to("expert@example.com"))
    response = client.post(path, {"display_name": "せんもんか", "department": "株式会社サンプル"})
    assert "同意が必要です" in response.content.decode()
    assert not Member.objects.filter(email="expert@example.com").exists()


def test_members_cannot_invite(directory: Directory) -> None:
    with pytest.raises(NotAllowed):
        actions.invite_advisor(operator=make_member(directory.kurume), email="x@example.com", full_name="x")
    assert not Application.objects.exists()
