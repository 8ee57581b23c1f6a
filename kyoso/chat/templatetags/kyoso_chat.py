"""Template filters for drawing messages: chat's own, so chat's templates need nothing from above."""

from __future__ import annotations

import html
import re
from typing import Any

from django import template
from django.utils.html import strip_tags
from django.utils.text import Truncator

register = template.Library()

EXCERPT_LENGTH = 140


@register.filter
def message_excerpt(message_html: str, length: int = EXCERPT_LENGTH) -> str:
    """Plain text of a message's (already sanitised) HTML, cut to ``length`` characters.

    The result is ordinary text: the template escapes it again, so nothing of the HTML survives.
    """
    text = " ".join(html.unescape(strip_tags(_MENTION_CARD.sub("", message_html))).split())
    return Truncator(text).chars(length)


# The organisation a mention pill shows on hover (kyoso.chat.markdown): not part of the words.
_MENTION_CARD = re.compile(r'<span class="mention__org">[^<]*</span>')


@register.filter
def mentions_reader(message: Any, reader_id: int | None) -> bool:
    """Whether a message names its reader (a pill of theirs) or everyone (@channel), not by themselves.

    Read from the message's drawing, which has a pill for every member it names: no query per page.
    A drawing for nobody in particular (a live event) leaves it to the browser (chat/message.js).
    """
    if not reader_id or message.author_id == reader_id or message.deleted_at is not None:
        return False
    return message.mentions_channel or f'data-member-id="{reader_id}"' in message.html


@register.filter
def fill_name(template: str, name: str) -> str:
    """A translated label with a person's name in it, e.g. 「%(name)sさんのメッセージにスタンプを押す」.

    Cheaper than a blocktranslate per message: the label is translated once per page (in the view).
    The result is ordinary text: the template escapes it, name included.
    """
    return str(template) % {"name": name}
