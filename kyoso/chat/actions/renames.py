"""A renamed member's mentions: the messages that name them are drawn again with the new name.

The same goes for a new organisation or department, which a mention shows on hover and focus.

A message's HTML is drawn when it is posted or edited, with each mention showing the member's display
name of that moment (kyoso.chat.markdown). When a member changes their name, accounts sends
``member_renamed`` after the commit; the messages that mention them are drawn again by the worker, a
batch per transaction, so a mention never keeps a name its member gave up. The text, its edit time
and the search index stay as they are: only the drawing changes.
"""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from kyoso.chat.markdown import render_message
from kyoso.chat.models import Message

# Messages drawn again per transaction.
BATCH_SIZE = 500


def redraw_mentions_of(member_id: int, *, batch_size: int = BATCH_SIZE) -> int:
    """Draw again every message that mentions this member; return how many were drawn."""
    drawn = 0
    after = 0
    while True:
        with transaction.atomic():
            batch = list(
                Message.objects.filter(mentions__member_id=member_id, pk__gt=after)
                .order_by("pk")
                .only("pk", "text", "html")[:batch_size]
            )
            if not batch:
                return drawn
            for message in batch:
                message.html = render_message(message.text)
            Message.objects.bulk_update(batch, ["html"])
        drawn += len(batch)
        after = batch[-1].pk


@task()
def redraw_mentions(member_id: int) -> int:
    return redraw_mentions_of(member_id)


def on_member_renamed(sender: object, *, member_id: int, **kwargs: object) -> None:
    """Receiver of ``kyoso.accounts.signals.member_renamed``: the worker redraws their mentions."""
    redraw_mentions.enqueue(member_id)
