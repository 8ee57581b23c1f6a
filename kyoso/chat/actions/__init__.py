"""Every state change in conversations has one function here.

Each action checks permission first (what a member may not read answers "not found"), validates,
writes in one transaction and queues its events with ``transaction.on_commit`` (kyoso.chat.events).
The modules split them by subject; everything public is importable from ``kyoso.chat.actions``.
"""

from kyoso.chat.actions.attachments import attach_files, discard_message_files
from kyoso.chat.actions.bulk import (
    ImportedMessage,
    MessageImporter,
    import_memberships,
    import_messages,
    import_reactions,
    import_read_positions,
    purge_channels,
    purge_messages,
)
from kyoso.chat.actions.channels import (
    archive_channel,
    create_channel,
    invite_to_channel,
    join_channel,
    join_channels,
    join_default_channels,
    leave_channel,
    open_direct_conversation,
    set_notify_level,
    unarchive_channel,
    update_channel,
)
from kyoso.chat.actions.messages import (
    clean_text,
    delete_message,
    edit_message,
    pin_message,
    post_message,
    post_message_with_files,
    save_message,
    unpin_message,
    unsave_message,
)
from kyoso.chat.actions.reactions import (
    DEFAULT_STAMPS,
    add_reaction,
    create_stamp,
    ensure_default_stamps,
    remove_reaction,
)
from kyoso.chat.actions.reads import follow_thread, mark_channel_read, mark_thread_read, unfollow_thread

__all__ = [
    "DEFAULT_STAMPS",
    "ImportedMessage",
    "MessageImporter",
    "add_reaction",
    "archive_channel",
    "attach_files",
    "clean_text",
    "create_channel",
    "create_stamp",
    "delete_message",
    "discard_message_files",
    "edit_message",
    "ensure_default_stamps",
    "follow_thread",
    "import_memberships",
    "import_messages",
    "import_reactions",
    "import_read_positions",
    "invite_to_channel",
    "join_channel",
    "join_channels",
    "join_default_channels",
    "leave_channel",
    "mark_channel_read",
    "mark_thread_read",
    "open_direct_conversation",
    "pin_message",
    "post_message",
    "post_message_with_files",
    "purge_channels",
    "purge_messages",
    "remove_reaction",
    "save_message",
    "set_notify_level",
    "unarchive_channel",
    "unfollow_thread",
    "unpin_message",
    "unsave_message",
    "update_channel",
]
