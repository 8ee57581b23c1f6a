"""A member cannot learn that a channel they may not read exists: not by slugs, not by ids."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client

from kyoso.chat import actions
from kyoso.chat.models import Channel, ChannelKind, Message
from kyoso.testing.factories import make_member

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _client(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def _body(response, path: str) -> bytes:
    """The page without what differs between any two requests: the form token and the page's own path."""
    body = re.sub(rb'(csrfmiddlewaretoken" value="|csrf-token" content=")[^"]*', rb"\1", response.content)
    for form in (path, quote(path), quote(path, safe="")):
        body = body.replace(form.encode(), b"PATH")
    return body


def test_a_private_channel_never_takes_a_readable_slug() -> None:
    owner = make_member()
    secret = actions.create_channel(creator=owner, name="人事異動", kind=ChannelKind.PRIVATE)
    assert secret.slug.startswith("人事異動-")
    assert re.fullmatch(r"人事異動-[a-z2-7]{8}", secret.slug)
    other = actions.create_channel(creator=owner, name="人事異動", kind=ChannelKind.PRIVATE)
    assert other.slug != secret.slug


def test_a_public_channel_named_like_a_private_one_gets_the_plain_slug() -> None:
    """Before the fix the public one got 「人事異動-2」, which told its creator the private one exists."""
    owner, prober = make_member(), make_member()
    actions.create_channel(creator=owner, name="人事異動", kind=ChannelKind.PRIVATE)
    public = actions.create_channel(creator=prober, name="人事異動")
    assert public.slug == "人事異動"
    # Without the private channel the answer is the same.
    Channel.objects.exclude(pk=public.pk).delete()
    again = actions.create_channel(creator=prober, name="人事異動")
    assert again.slug == "人事異動-2"  # numbered only around a channel the prober can see


def test_a_direct_conversation_slug_does_not_name_its_members() -> None:
    a, b = make_member(), make_member()
    dm = actions.open_direct_conversation(member=a, others=[b])
    assert re.fullmatch(r"dm-[a-z2-7]{8}", dm.slug)


@pytest.fixture
def scene():
    owner, prober = make_member(), make_member()
    secret = actions.create_channel(creator=owner, name="極秘", kind=ChannelKind.PRIVATE)
    root = actions.post_message(author=owner, channel=secret, text="秘密の話")
    actions.post_message(author=owner, channel=secret, text="返信", thread=root)
    public = actions.create_channel(creator=prober, name="広場")
    missing_channel = Channel.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    missing_message = Message.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    return prober, secret, root, public, missing_channel, missing_message


def test_a_private_channel_id_answers_like_a_missing_one_on_the_api(scene) -> None:
    prober, secret, root, _public, missing_channel, missing_message = scene
    client = _client(prober)
    pairs = [
        (f"/channels/{secret.pk}", f"/channels/{missing_channel}"),
        (f"/channels/{secret.pk}/messages", f"/channels/{missing_channel}/messages"),
        (f"/channels/{secret.pk}/pins", f"/channels/{missing_channel}/pins"),
        (f"/messages/{root.pk}", f"/messages/{missing_message}"),
        (f"/messages/{root.pk}/thread", f"/messages/{missing_message}/thread"),
    ]
    for hidden, missing in pairs:
        seen, absent = client.get(API + hidden), client.get(API + missing)
        assert seen.status_code == absent.status_code == 404, hidden
        assert seen.content == absent.content, hidden


def test_a_private_channel_answers_like_a_missing_one_on_the_pages(scene) -> None:
    prober, secret, root, public, _missing_channel, missing_message = scene
    client = _client(prober)
    pairs = [
        (f"/channels/{secret.slug}/", "/channels/no-such-channel/"),
        (f"/channels/{secret.slug}/threads/{root.pk}/", f"/channels/no-such-channel/threads/{root.pk}/"),
        # The thread of a private channel's message, asked for under a channel the prober can read.
        (
            f"/channels/{public.slug}/threads/{root.pk}/",
            f"/channels/{public.slug}/threads/{missing_message}/",
        ),
    ]
    for hidden, missing in pairs:
        seen, absent = client.get(hidden), client.get(missing)
        assert seen.status_code == absent.status_code == 404, hidden
        assert _body(seen, hidden) == _body(absent, missing), hidden
