"""``{% push_optin as push %}``: what the Web Push opt-in needs, or nothing when push is off."""

from __future__ import annotations

from typing import Any

from django import template

from kyoso.notify import push

register = template.Library()


@register.simple_tag(takes_context=True)
def push_optin(context: template.Context) -> dict[str, Any] | None:
    request = context.get("request")
    if request is None or not push.enabled() or not request.user.is_authenticated:
        return None
    return {
        "public_key": push.public_key(),
        "subscribed": push.session_subscribed(request.user, request.session.session_key),
    }
