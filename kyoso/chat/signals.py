"""What chat tells the apps above it, inside the transaction of the change.

chat imports no app above it. An app that must keep something current with the messages (search's
index, later notifications) connects a receiver in its ``AppConfig.ready``. These are sent with
``send``, not ``send_robust``: a receiver that fails rolls the change back with it, so an index never
disagrees with the messages it indexes.

- ``message_posted(message)``: a new message or reply was written.
- ``message_written(message, mentioned, root)``: the same post once its mentions (``mentioned``, the
  ids of the members it names and who may read it), files and thread follows are written too; ``root``
  is the thread's first message for a reply. Notifications are made from this one.
- ``channel_read(member, channel_id, up_to)``: a member's read position in a channel moved forward.
- ``thread_read(member, thread_root_id, up_to)``: their read position in a followed thread did.
- ``message_edited(message, previous_text)``: its text changed; ``previous_text`` is what it replaced.
- ``message_deleting(message)``: about to lose its text (a member's deletion), still holding it.
- ``messages_imported(rows)``: a bulk import wrote these; each row is
  ``(id, channel_id, author_id, created_at, text)``.
- ``messages_purging(messages)``: a queryset about to be hard-deleted (demo reset, a failed import).
"""

from __future__ import annotations

from django.dispatch import Signal

message_posted = Signal()
message_written = Signal()
channel_read = Signal()
thread_read = Signal()
message_edited = Signal()
message_deleting = Signal()
messages_imported = Signal()
messages_purging = Signal()
