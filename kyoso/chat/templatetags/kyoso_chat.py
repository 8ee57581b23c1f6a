"""Template filters for drawing messages: chat's own, so chat's templates need nothing from above."""

from __future__ import annotations

import html

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
    text = " ".join(html.unescape(strip_tags(message_html)).split())
    return Truncator(text).chars(length)


@register.filter
def fill_name(template: str, name: str) -> str:
    """A translated label with a person's name in it, e.g. 「%(name)sさんのメッセージにスタンプを押す」.

    Cheaper than a blocktranslate per message: the label is translated once per page (in the view).
    The result is ordinary text: the template escapes it, name included.
    """
    return str(template) % {"name": name}
