"""``kyoso demo``: builds once, says how to sign in, and leaves an existing demo alone."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max

from kyoso.accounts.models import Member
from kyoso.chat.models import Channel, Message, Reaction
from kyoso.demo.members import DEMO_MEMBER_EMAIL, DEMO_OPERATOR_EMAIL, DEMO_PASSWORD
from kyoso.demo.plan import DEFAULT_SIZE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory")]


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
        DEMO_PASSWORD,
    ):
        assert line in output
    assert "久留米市 · 市民課" in output

    before = snapshot()
    again = run()
    assert snapshot() == before
    assert "already here" in again and "作成済み" in again
    assert DEMO_PASSWORD in again  # the Quick start prints the sign-in on every start


def test_scale_makes_exactly_n_messages_and_reset_rebuilds() -> None:
    run("--scale", "150", "--seed", "3")
    assert Message.objects.count() == 150
    first = list(Message.objects.order_by("id").values_list("text", flat=True))

    output = run("--scale", "150", "--seed", "3", "--reset")
    assert "Removed the previous demo" in output
    assert Message.objects.count() == 150
    assert list(Message.objects.order_by("id").values_list("text", flat=True)) == first


def test_scale_must_be_positive() -> None:
    with pytest.raises(CommandError):
        run("--scale", "0")
