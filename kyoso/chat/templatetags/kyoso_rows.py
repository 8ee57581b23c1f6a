"""``{% message_row item … %}``: one message of a list, like ``{% include "chat/_message.html" %}``,
drawn once and reused while nothing it shows has changed (kyoso.chat.row_cache)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template import Context, engines
from django.utils.safestring import SafeString

from kyoso.chat.rendering import MESSAGE_TEMPLATE
from kyoso.chat.row_cache import render_row

register = template.Library()


@register.simple_tag(takes_context=True)
def message_row(context: Context, item: Any, **values: Any) -> SafeString:
    """The message ``item`` drawn by ``chat/_message.html`` in this context, with ``values`` added
    (``show_replies=True``, ``in_thread=True``…) as ``{% include … with … %}`` would."""
    engine = context.template.engine if context.template is not None else engines["django"].engine  # type: ignore[attr-defined]
    return render_row(engine.get_template(MESSAGE_TEMPLATE), context, {"item": item, **values})
