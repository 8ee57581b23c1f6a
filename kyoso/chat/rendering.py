"""One message, one renderer: ``chat/_message.html`` draws a message on the page and in live events.

A page renders each message for its reader: their stamps pressed, what they may do with it. An event
about a message (posted, edited, pinned, stamped, deleted, replied to) carries the same template's
output rendered once, for nobody in particular, so that a post heard by thousands of open pages costs
one rendering, not one per socket. The reader's own part (their pressed stamps, whether they may stamp
or reply, the form token) is applied in the browser by one function, ``personalize`` in
``kyoso/js/chat/message.js``; after it, a message that arrived live is the same markup as after a reload.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kyoso.chat.models import Attachment, Channel, Message
from kyoso.chat.queries import MessageView, with_stamps

MESSAGE_TEMPLATE = "chat/_message.html"
# Where a message is drawn: the channel's stream, or the thread pane (its root, or a reply).
STREAM, THREAD = "stream", "thread"


def message_labels() -> dict[str, str]:
    """The words under every message, translated once per rendering rather than once per message."""
    return {
        "stamp": _("スタンプを押す"),
        "more": _("その他の操作"),
        "stamp_for": _("%(name)sさんのメッセージにスタンプを押す"),
        "reply_to": _("%(name)sさんのメッセージにスレッドで返信"),
        "more_for": _("%(name)sさんのメッセージのその他の操作"),
    }


def shared_context(channel: Channel) -> dict[str, Any]:
    """What every rendering of a channel's messages needs, whoever reads them."""
    return {
        "channel": channel,
        # Every message links to its thread, stamps, menu and author: one reverse() for the page, not
        # a dozen per message (they were most of a page's rendering time).
        "channel_url": reverse("chat:channel", args=[channel.slug]),
        "member_base": reverse("accounts:member", args=[0]).removesuffix("0/"),
        "labels": message_labels(),
    }


def place_context(message: Message, place: str) -> dict[str, Any]:
    """The same message in the stream (with its reply count) or in the thread pane (the root marked)."""
    if place == STREAM:
        return {"show_replies": True, "in_thread": False}
    return {"show_replies": False, "in_thread": True, "highlight": message.thread_root_id is None}


def places(message: Message, *, new: bool = False) -> list[str]:
    """Where copies of a message can be on an open page. A new message is nobody's open thread yet."""
    found = []
    if message.thread_root_id is None or message.also_in_channel:
        found.append(STREAM)
    if message.thread_root_id is not None or not new:
        found.append(THREAD)
    return found


def _views(messages: list[Message]) -> list[MessageView]:
    """The messages with their stamps (pressed by nobody) and files, in two queries."""
    views = with_stamps(AnonymousUser(), messages)
    files: dict[int, list[Attachment]] = defaultdict(list)
    live = [m.pk for m in messages if m.deleted_at is None]
    for attachment in Attachment.objects.filter(message_id__in=live).order_by("id"):
        files[attachment.message_id].append(attachment)
    for view in views:
        view.attachments = files.get(view.message.pk, [])
    return views


def fragments_for(messages: list[Message], *, new: bool = False) -> dict[int, dict[str, dict[str, str]]]:
    """Each message as every page draws it, by id, then language, then place (``stream``/``thread``).

    One rendering per language: the words around a message (「編集済み」, its buttons' names) are in the
    reader's language, which the browser picks from.
    """
    rendered: dict[int, dict[str, dict[str, str]]] = {m.pk: {} for m in messages}
    by_channel: dict[int, list[Message]] = defaultdict(list)
    for message in messages:
        by_channel[message.channel_id].append(message)
    for batch in by_channel.values():
        views = _views(batch)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                context = {
                    **shared_context(batch[0].channel),
                    # Whoever may not stamp or reply here has those buttons taken away by personalize.
                    "can_stamp": batch[0].channel.archived_at is None,
                    "composer": "post",
                    # No csrf_token: the forms go without one, and the browser adds the reader's.
                }
                for view in views:
                    rendered[view.message.pk][language] = {
                        place: render_to_string(
                            MESSAGE_TEMPLATE, {**context, **place_context(view.message, place), "item": view}
                        )
                        for place in places(view.message, new=new)
                    }
    return rendered


def warm_up() -> None:
    """Load in advance what the first drawing in each language would otherwise load while a post waits.

    Django fills its table for reversing URLs once per language, and compiles each template on first
    use: together a few hundred milliseconds, once per process, that the first live message would add
    to its delivery. ``kyoso bench fanout`` calls it in its poster before the timed posts.
    """
    from django.template.loader import get_template

    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            reverse("chat:channel", args=["warm-up"])
            reverse("accounts:member", args=[0])
            get_template(MESSAGE_TEMPLATE)
            message_labels()


def with_fragments(message: Message, data: dict[str, Any], *, new: bool = False) -> dict[str, Any]:
    """``data`` for an event about ``message``, to which ``fragments`` is added when the change commits.

    Call it inside ``publish(...)``: its hook is registered first, so it runs just before the event is
    delivered, and the message is drawn as committed (with the files posted with it, its new reply
    count). If drawing fails, the event still goes, without the fragments (the page then shows the
    change on its next load).
    """

    def draw() -> None:
        fresh = Message.objects.select_related("author", "channel").filter(pk=message.pk).first()
        if fresh is not None:
            data["fragments"] = fragments_for([fresh], new=new)[fresh.pk]

    transaction.on_commit(draw, robust=True)
    return data
