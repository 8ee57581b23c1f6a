"""Fixtures for the demo's tests: the real shipped directory, and one small demo built per module.

Loading the directory and building a demo take a second or more each, so both happen once per test
module, committed, and are removed again afterwards; each test still runs in its own transaction and
leaves the shared data as it found it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from kyoso.chat.models import Stamp
from kyoso.demo.actions import DemoSummary, build_demo, remove_demo
from kyoso.demo.plan import SMALL_SIZE
from kyoso.demo.timeline import JST
from kyoso.directory.actions import load_directory
from kyoso.directory.models import Organization, OrganizationDomain

# A fixed present, so that every test module sees the same community whatever the day.
DEMO_NOW = datetime(2026, 11, 27, tzinfo=JST)
TEST_SEED = 7
# MD5 is unsafe for real passwords; PBKDF2 for the two demo passwords would cost a second per build.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# What `kyoso demo` would generate at random; fixed here so the tests can sign in.
TEST_OPERATOR_PASSWORD = "test-operator-7kq2-m9xd"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _demo_mode(settings: object) -> None:
    """`kyoso demo` runs only in demo mode (KYOSO_DEMO=on), as under `dev.py start`."""
    settings.KYOSO_DEMO = True  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def directory(django_db_setup: None, django_db_blocker: object) -> Iterator[None]:
    """The shipped national directory, loaded once for the module (unless something loaded it already)."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        loaded_here = not Organization.objects.exists()
        if loaded_here:
            load_directory()
    yield
    if loaded_here:
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            OrganizationDomain.objects.all().delete()
            # Organisations point at each other (ward → city → prefecture); unlink before deleting.
            Organization.objects.update(parent=None, prefecture=None)
            Organization.objects.all().delete()


@pytest.fixture(scope="module")
def small_demo(directory: None, django_db_blocker: object) -> Iterator[DemoSummary]:
    """A small demo community (seed TEST_SEED), built once for the module and removed afterwards."""
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):  # type: ignore[attr-defined]
        stamps_before = set(Stamp.objects.values_list("pk", flat=True))
        summary = build_demo(
            seed=TEST_SEED, size=SMALL_SIZE, now=DEMO_NOW, operator_password=TEST_OPERATOR_PASSWORD
        )
    yield summary
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        remove_demo()
        Stamp.objects.exclude(pk__in=stamps_before).delete()
