"""``kyoso demo``: builds once, says how to sign in, and leaves an existing demo alone."""

from __future__ import annotations

import re
import stat
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max
from django.test import Client

from kyoso.accounts.models import Member
from kyoso.chat.models import Channel, Message, Reaction
from kyoso.demo.members import DEMO_MEMBER_EMAIL, DEMO_MEMBER_PASSWORD, DEMO_OPERATOR_EMAIL
from kyoso.demo.passwords import PASSWORD_FILE_NAME
from kyoso.demo.plan import DEFAULT_SIZE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory")]


@pytest.fixture(autouse=True)
def _var_dir(settings: object, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path  # type: ignore[attr-defined]
    return tmp_path


def printed_operator_password(output: str) -> str:
    found = re.search(r"運営のパスワード / password:\s+([a-z0-9]{4}(?:-[a-z0-9]{4}){3})\n", output)
    assert found, output
    return found.group(1)


def run(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def snapshot() -> tuple[int, ...]:
    return (
        Member.objects.count(),
        Channel.objects.count(),
        Message.objects.count(),
        Reaction.objects.count(),
        Message.objects.aggregate(last=Max("id"))["last"] or 0,
    )


def test_demo_builds_the_default_community_and_a_second_run_changes_nothing() -> None:
    output = run()
    assert Message.objects.count() == DEFAULT_SIZE.messages
    assert Channel.objects.count() == 20
    assert Member.objects.filter(status="active").count() == DEFAULT_SIZE.members
    for line in (
        "http://127.0.0.1:8000/accounts/sign-in/",
        DEMO_MEMBER_EMAIL,
        DEMO_OPERATOR_EMAIL,
        DEMO_MEMBER_PASSWORD,
    ):
        assert line in output
    assert "久留米市 · 市民課" in output

    before = snapshot()
    again = run()
    assert snapshot() == before
    assert "already here" in again and "作成済み" in again
    # The Quick start prints the sign-in on every start, the operator's password included.
    assert DEMO_MEMBER_PASSWORD in again
    assert printed_operator_password(again) == printed_operator_password(output)


def test_the_printed_operator_password_signs_in_and_the_published_one_does_not(
    _var_dir: Path, client: Client
) -> None:
    password = printed_operator_password(run("--scale", "60"))
    operator = authenticate(email=DEMO_OPERATOR_EMAIL, password=password)
    assert operator is not None and operator.is_superuser
    # Through the sign-in page: on to setting up two-factor, as an operator must.
    signed_in = client.post("/accounts/sign-in/", {"username": DEMO_OPERATOR_EMAIL, "password": password})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/accounts/security/two-factor/"
    assert authenticate(email=DEMO_OPERATOR_EMAIL, password=DEMO_MEMBER_PASSWORD) is None
    assert authenticate(email=DEMO_OPERATOR_EMAIL, password="kyoso-demo-2026") is None
    assert password not in operator.password  # stored hashed
    kept = _var_dir / PASSWORD_FILE_NAME
    assert kept.read_text().strip() == password
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600

    # A rebuild makes a new password; the old one stops working.
    rebuilt = printed_operator_password(run("--scale", "60", "--reset"))
    assert rebuilt != password
    assert authenticate(email=DEMO_OPERATOR_EMAIL, password=password) is None
    assert authenticate(email=DEMO_OPERATOR_EMAIL, password=rebuilt) is not None


def test_reset_operator_password_prints_a_new_one_and_a_stale_one_is_never_printed(_var_dir: Path) -> None:
    first = printed_operator_password(run("--scale", "60"))
    (_var_dir / PASSWORD_FILE_NAME).write_text("not-the-password\n")
    stale = run()
    assert "not-the-password" not in stale
    assert "--reset-operator-password" in stale

    output = run("--reset-operator-password")
    second = printed_operator_password(output)
    assert second != first
    assert authenticate(email=DEMO_OPERATOR_EMAIL, password=first) is None
    assert authenticate(email=DEMO_OPERATOR_EMAIL, password=second) is not None
    assert printed_operator_password(run()) == second


def test_demo_refuses_to_run_outside_demo_mode(settings: object) -> None:
    settings.KYOSO_DEMO = False  # type: ignore[attr-defined]
    before = snapshot()
    with pytest.raises(CommandError, match="KYOSO_DEMO=on"):
        run()
    with pytest.raises(CommandError, match="KYOSO_DEMO=on"):
        run("--reset-operator-password")
    assert snapshot() == before


def test_scale_makes_exactly_n_messages_and_reset_rebuilds() -> None:
    run("--scale", "150", "--seed", "3")
    assert Message.objects.count() == 150
    first = list(Message.objects.order_by("id").values_list("text", flat=True))

    output = run("--scale", "150", "--seed", "3", "--reset")
    assert "Removed the previous demo" in output
    assert Message.objects.count() == 150
    # The same texts again, but a mention names the member by id, and rebuilt members have new ids.
    again = list(Message.objects.order_by("id").values_list("text", flat=True))
    assert [re.sub(r"\(member:\d+\)", "", t) for t in again] == [
        re.sub(r"\(member:\d+\)", "", t) for t in first
    ]


def test_scale_must_be_positive() -> None:
    with pytest.raises(CommandError):
        run("--scale", "0")
