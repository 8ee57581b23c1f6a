"""Template tags of the accounts app: the header's count of applications waiting for review."""

from __future__ import annotations

from django import template

from kyoso.accounts.queries import can_review_applications, waiting_application_count

register = template.Library()


@register.simple_tag(takes_context=True)
def review_queue(context: template.Context) -> dict[str, object]:
    """{"allowed": bool, "waiting": int} for the signed-in person; nothing is counted for others."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not can_review_applications(user):
        return {"allowed": False, "waiting": 0}
    return {"allowed": True, "waiting": waiting_application_count(user)}
