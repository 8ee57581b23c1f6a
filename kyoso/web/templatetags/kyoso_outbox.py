"""``{% outbox_hint %}``: on a "we sent you a mail" page, tell a demo user where the mail went."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.context import Context

from kyoso.notify.views import outbox_allowed

register = template.Library()


@register.inclusion_tag("web/_outbox_hint.html", takes_context=True)
def outbox_hint(context: Context) -> dict[str, Any]:
    # Only where the outbox opens (KYOSO_OUTBOX, a browser on this machine): elsewhere it is a 404.
    request = context.get("request")
    return {"show": request is not None and outbox_allowed(request)}
