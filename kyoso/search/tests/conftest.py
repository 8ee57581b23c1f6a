"""A small community to search in: a public channel and a member who writes there."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kyoso.accounts.models import Member
from kyoso.chat.models import Channel
from kyoso.testing.factories import make_channel, make_member, make_organization


@dataclass
class Community:
    author: Member
    reader: Member
    channel: Channel


@pytest.fixture
def community(db: object) -> Community:
    organization = make_organization("久留米市")
    author = make_member(organization, display_name="山田 太郎")
    reader = make_member(organization, display_name="佐藤 花子")
    channel = make_channel("総務", creator=author, members=[reader], slug="soumu")
    return Community(author, reader, channel)
