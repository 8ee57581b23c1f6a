"""The mention syntax in message text, parsed and rendered in one place.

The type-ahead inserts ``@[表示名](member:123)``: a display name alone is ambiguous (two 「山田」 in
different towns) and can change, the id cannot. ``@channel`` and ``@here`` name everyone in the
channel; kyoso has no presence yet, so ``@here`` reaches the same people as ``@channel``.
kyoso.chat.markdown renders a token as a pill, a link to the member's page,
``<a class="mention" href="/accounts/members/123/" data-member-id="123">@表示名<span
class="mention__org">（久留米市 · 市民課）</span></a>``, with the member's own display name and
affiliation, looked up by id: the name in the token is only a hint for the person typing, never
shown (``@[坂本（運営）](member:5)`` shows member 5's name, whatever it says). The message box shows
the pill text (``@表示名``) and turns it into the token when sending (kyoso/js/chat/mentions.js).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MEMBER_TOKEN = re.compile(r"@\[(?P<name>[^\[\]\x00-\x1f\x7f]{1,100})\]\(member:(?P<id>[1-9][0-9]{0,17})\)")
# Not inside a word or an address (taro@channel.example.jp is no mention).
BROADCAST = re.compile(r"(?<![\w@.])@(?:channel|here)(?![\w])", re.ASCII)


@dataclass(frozen=True)
class ParsedMentions:
    member_ids: frozenset[int]
    broadcast: bool


def parse_mentions(text: str) -> ParsedMentions:
    """The mentions in a message's text, as its rendering shows them (not those quoted in code)."""
    from kyoso.chat.markdown import parse  # the renderer uses this module's syntax

    return parse(text)


def member_token(member_id: int, display_name: str) -> str:
    """What the type-ahead inserts for a member (brackets and control characters in the name are dropped)."""
    name = re.sub(r"[\[\]\x00-\x1f\x7f]", "", display_name)[:100] or str(member_id)
    return f"@[{name}](member:{member_id})"
