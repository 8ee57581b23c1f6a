"""Reading the chat UI's pages in tests: the pieces a member looks at, found in the HTML."""

from __future__ import annotations

import html
import re

from django.test import Client
from django.urls import reverse

from kyoso.chat.models import Channel

# What chat.js sends to get JSON back instead of a redirect.
FRAGMENT = {"X-Kyoso-Fragment": "1"}


def page(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def url(name: str, channel: Channel, *args: object) -> str:
    return reverse(f"chat:{name}", args=[channel.slug, *args])


def textarea(body: str, form_id: str = "composer") -> str:
    """What the member finds in a message box of the page (unescaped, as the browser shows it)."""
    found = re.search(rf'<textarea id="{form_id}-text"[^>]*>(.*?)</textarea>', body, re.S)
    assert found, f"no #{form_id} message box on the page"
    return html.unescape(found.group(1))


def stream(body: str) -> str:
    """The channel's message list (not the thread pane)."""
    found = re.search(r'<ol class="message-list" data-stream.*?</ol>', body, re.S)
    assert found, "no message list on the page"
    return found.group(0)


def stream_ids(body: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-message-id="(\d+)"', stream(body))]


def sidebar(body: str) -> str:
    found = re.search(r'<nav id="channel-sidebar".*?</nav>', body, re.S)
    assert found, "no sidebar on the page"
    return found.group(0)


def unread_badge(body: str, channel: Channel) -> int:
    """The unread count the sidebar shows beside ``channel`` (0 when there is no badge)."""
    link = re.search(rf'data-sidebar-channel="{channel.pk}".*?</a>', sidebar(body), re.S)
    assert link, f"{channel.name} is not in the sidebar"
    badge = re.search(r'data-unread-count="(\d+)"><span aria-hidden="true">(\d+\+?)<', link.group(0))
    if not badge:
        return 0
    assert badge.group(2) in (badge.group(1), "99+"), "the badge shows another number than it counted"
    return int(badge.group(1))


def csrf_token(client: Client, path: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page(client.get(path)))
    assert found, "no CSRF token on the page"
    return found.group(1)
