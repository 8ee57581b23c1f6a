"""Every read of conversations that depends on who is asking. Permission filtering lives here, once.

The access rules are in ``access``; the other modules read channels, messages, threads and mentions
through them. Everything public is importable from ``kyoso.chat.queries``.
"""

from kyoso.chat.queries.access import (
    can_read,
    is_channel_member,
    is_moderator,
    readable_channel,
    readable_message,
    readable_messages,
    visible_channels,
)
from kyoso.chat.queries.channels import (
    HISTORY_PAGE_SIZE,
    RECENT_ACTIVITY_SIZE,
    STATS_CACHE_KEY,
    STATS_CACHE_SECONDS,
    CommunityStats,
    HistoryPage,
    MessageView,
    StampSummary,
    channel_directory,
    channel_for,
    channel_history,
    community_stats,
    first_unread_message,
    joined_channels,
    recent_public_messages,
    thread_messages,
    with_stamps,
)
from kyoso.chat.queries.mentions import MentionPage, mentions_for, search_members
from kyoso.chat.queries.messages import (
    ReactionGroup,
    Reactor,
    SavedPage,
    message_permalink,
    message_revisions,
    pinned_messages,
    reactions_for,
    saved_messages,
)
from kyoso.chat.queries.threads import FollowedThread, followed_threads, is_following, thread_participants

__all__ = [
    "HISTORY_PAGE_SIZE",
    "RECENT_ACTIVITY_SIZE",
    "STATS_CACHE_KEY",
    "STATS_CACHE_SECONDS",
    "CommunityStats",
    "FollowedThread",
    "HistoryPage",
    "MentionPage",
    "MessageView",
    "ReactionGroup",
    "Reactor",
    "SavedPage",
    "StampSummary",
    "can_read",
    "channel_directory",
    "channel_for",
    "channel_history",
    "community_stats",
    "first_unread_message",
    "followed_threads",
    "is_channel_member",
    "is_following",
    "is_moderator",
    "joined_channels",
    "mentions_for",
    "message_permalink",
    "message_revisions",
    "pinned_messages",
    "reactions_for",
    "readable_channel",
    "readable_message",
    "readable_messages",
    "recent_public_messages",
    "saved_messages",
    "search_members",
    "thread_messages",
    "thread_participants",
    "visible_channels",
    "with_stamps",
]
