"""``{% when value %}``: a time in the site's time zone, in natural words, its full form on hover and focus.

    {% load kyoso_times %}
    {% when message.created_at %}                 「5分前」, drawn now (a page rendered for one request)
    {% when message.created_at stable=True %}     「2026年12月5日 17:40」: for HTML that is kept or cached
    {% when channel.last_message_at focusable=True %}  a tab stop of its own where no link holds it

Both give ``<time datetime title data-when>``, whose words ``times.js`` keeps fresh in the browser, and
the full date and time as text that screen readers read and that shows while the link holding it (or
the time itself) has the keyboard's focus.
"""

from __future__ import annotations

import json
from datetime import datetime

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from kyoso.core.times import absolute_label, full_label, local, relative_label, time_words

register = template.Library()


@register.simple_tag
def when(value: datetime | None, stable: bool = False, focusable: bool = False) -> SafeString | str:
    if value is None:
        return ""
    full = full_label(value)
    return format_html(
        '<time class="when" datetime="{}" title="{}" data-when{}>{}'
        '<span class="when__full">（{}）</span></time>',
        local(value).isoformat(timespec="seconds"),
        full,
        mark_safe(' tabindex="0"') if focusable else "",
        absolute_label(value) if stable else relative_label(value),
        full,
    )


@register.simple_tag
def times_script() -> SafeString:
    """The script that keeps times fresh (``kyoso/js/times.js``), with the words and formats it says
    them in as an attribute: no inline script, for the Content Security Policy."""
    return format_html(
        '<script type="module" src="{}" data-time-words="{}"></script>',
        static("kyoso/js/times.js"),
        json.dumps(time_words(), ensure_ascii=False),
    )
